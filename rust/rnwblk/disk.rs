// SPDX-License-Identifier: GPL-2.0
//! A gendisk on a tag set: limits, features, capacity, name; deleted and released on drop.

use crate::{ffi, tag_set::TagSet};
use core::{ffi::c_void, ptr::NonNull};
use kernel::{error::from_err_ptr, prelude::*, ThisModule};

/// The block device operations every rnwblk disk uses: none but `owner`, so that an open
/// device pins the module (rmmod is refused while a device is open).
pub(crate) struct DiskOps(KBox<ffi::bindings::block_device_operations>);

// SAFETY: immutable after creation; the block layer only reads it.
unsafe impl Send for DiskOps {}
// SAFETY: as above.
unsafe impl Sync for DiskOps {}

impl DiskOps {
    pub(crate) fn new(module: &'static ThisModule) -> Result<Self> {
        let ops = ffi::bindings::block_device_operations {
            owner: module.as_ptr(),
            ..Default::default()
        };
        Ok(Self(KBox::new(ops, GFP_KERNEL)?))
    }

    pub(crate) fn as_ptr(&self) -> *const ffi::bindings::block_device_operations {
        &*self.0
    }
}

pub(crate) struct DiskSpec<'a> {
    pub(crate) name: &'a [u8],
    pub(crate) major: u32,
    pub(crate) first_minor: u32,
    pub(crate) capacity_sectors: u64,
    pub(crate) block_size: u32,
    pub(crate) discard: bool,
    pub(crate) volatile_cache: bool,
    pub(crate) fops: *const ffi::bindings::block_device_operations,
}

pub(crate) struct Disk {
    gd: NonNull<ffi::bindings::gendisk>,
    added: bool,
}

// SAFETY: the gendisk is reference counted and locked by the block layer.
unsafe impl Send for Disk {}
// SAFETY: as above.
unsafe impl Sync for Disk {}

impl Disk {
    /// Allocates the disk (not yet visible: see [`Self::add`]). `queuedata` must outlive it.
    pub(crate) fn new(set: &TagSet, spec: &DiskSpec<'_>, queuedata: *const c_void) -> Result<Self> {
        let bs = spec.block_size;
        let mut lim = ffi::bindings::queue_limits {
            logical_block_size: bs,
            physical_block_size: bs,
            io_min: bs,
            max_hw_sectors: 2048, // 1 MiB
            // Flush and FUA are accepted: writes are stable once completed. A volatile
            // cache has no FUA: the block layer follows a FUA write with a flush instead.
            features: if spec.volatile_cache {
                ffi::BLK_FEAT_WRITE_CACHE
            } else {
                ffi::BLK_FEAT_WRITE_CACHE | ffi::BLK_FEAT_FUA
            },
            ..Default::default()
        };
        if spec.discard {
            lim.max_hw_discard_sectors = u32::MAX >> ffi::SECTOR_SHIFT;
            lim.max_write_zeroes_sectors = u32::MAX >> ffi::SECTOR_SHIFT;
            lim.discard_granularity = bs;
        }
        // SAFETY: `set` is an allocated tag set; `lim` is copied by the callee.
        let gd = from_err_ptr(unsafe {
            ffi::rnwblk_alloc_disk(set.as_ptr(), &mut lim, queuedata as *mut c_void)
        })?;
        let gd = NonNull::new(gd).ok_or(ENOMEM)?;
        let disk = Self { gd, added: false };
        let raw = gd.as_ptr();
        // SAFETY: the disk is ours and not visible yet.
        unsafe {
            (*raw).major = spec.major as i32;
            (*raw).first_minor = spec.first_minor as i32;
            (*raw).minors = 1;
            (*raw).fops = spec.fops;
            (*raw).private_data = queuedata as *mut c_void;
            let disk_name = &mut (*raw).disk_name;
            let n = spec.name.len().min(disk_name.len() - 1);
            disk_name[..n].copy_from_slice(&spec.name[..n]);
            disk_name[n] = 0;
            ffi::bindings::set_capacity(raw, spec.capacity_sectors);
        }
        Ok(disk)
    }

    /// The disk's request queue (lives as long as the disk).
    pub(crate) fn queue(&self) -> *mut ffi::bindings::request_queue {
        // SAFETY: the gendisk is live.
        unsafe { (*self.gd.as_ptr()).queue }
    }

    /// Makes the disk visible (partitions scanned, /dev node created).
    pub(crate) fn add(&mut self) -> Result {
        // SAFETY: allocated, configured and not yet added.
        kernel::error::to_result(unsafe { ffi::rnwblk_add_disk(self.gd.as_ptr()) })?;
        self.added = true;
        Ok(())
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        // SAFETY: `gd` is ours. del_gendisk drains I/O in flight (freezes the queue) before
        // it returns; put_disk drops our reference.
        unsafe {
            if self.added {
                ffi::bindings::del_gendisk(self.gd.as_ptr());
            }
            ffi::bindings::put_disk(self.gd.as_ptr());
        }
    }
}
