// SPDX-License-Identifier: GPL-2.0
//! A gendisk on a blk-mq tag set: limits, features, capacity, name; deleted (draining I/O in
//! flight) and released on drop, before the tag set it holds.

use super::{
    mq::{Operations, TagSet},
    request_queue::RequestQueue,
};
use crate::rnwk::bindings;
use core::ptr::NonNull;
use kernel::{
    error::{from_err_ptr, to_result},
    prelude::*,
    str::CStr,
    sync::Arc,
    types::Opaque,
    ThisModule,
};

/// Block device operations with none but `owner`: an open disk pins the module (rmmod is
/// refused while a device is open).
///
/// # Invariants
///
/// `ops` is fully initialised (zeroed but for `owner`) and never written after `new`.
pub(crate) struct DiskOps {
    ops: Opaque<bindings::block_device_operations>,
}

// SAFETY: immutable after creation; the block layer only reads it.
unsafe impl Send for DiskOps {}
// SAFETY: as above.
unsafe impl Sync for DiskOps {}

impl DiskOps {
    pub(crate) fn new(module: &'static ThisModule) -> Result<Arc<Self>> {
        let ops = bindings::block_device_operations {
            owner: module.as_ptr(),
            ..Default::default()
        };
        Ok(Arc::new(
            Self {
                ops: Opaque::new(ops),
            },
            GFP_KERNEL,
        )?)
    }
}

/// What a new disk is.
pub(crate) struct DiskSpec<'a> {
    pub(crate) name: &'a CStr,
    pub(crate) major: u32,
    pub(crate) first_minor: u32,
    pub(crate) capacity_sectors: u64,
    /// Logical and physical block size (and minimum I/O size).
    pub(crate) block_size: u32,
    pub(crate) max_hw_sectors: u32,
    /// `BLK_FEAT_WRITE_CACHE`: the block layer sends flushes.
    pub(crate) write_cache: bool,
    /// `BLK_FEAT_FUA`: FUA writes reach the driver (else the block layer follows a FUA write
    /// with a flush).
    pub(crate) fua: bool,
    /// Discard and write-zeroes of any size.
    pub(crate) discard: bool,
}

/// A disk on the requests of `TagSet<T>`.
///
/// # Invariants
///
/// - `gd` was allocated by `blk_mq_alloc_disk` on `tag_set` with the tag set's data as
///   queue data (so every request on its queue finds its `T::QueueData` there), and this
///   holds the reference `blk_mq_alloc_disk` returned.
/// - `added` is true once `add_disk` succeeded (then `del_gendisk` is owed before the put).
/// - `gd->fops` points to `_ops`, and the disk's requests to `_tag_set`: both are dropped
///   after `drop` has deleted and put the disk.
pub(crate) struct GenDisk<T: Operations> {
    gd: NonNull<bindings::gendisk>,
    added: bool,
    _ops: Arc<DiskOps>,
    _tag_set: Arc<TagSet<T>>,
}

// SAFETY: the gendisk is reference counted and locked by the block layer; the tag set and the
// operations are Send + Sync.
unsafe impl<T: Operations> Send for GenDisk<T> {}
// SAFETY: `&GenDisk` only reads the queue pointer or freezes the queue, both thread-safe.
unsafe impl<T: Operations> Sync for GenDisk<T> {}

impl<T: Operations> GenDisk<T> {
    /// Allocates the disk (not yet visible: see [`GenDisk::add`]). May sleep.
    pub(crate) fn new(
        tag_set: Arc<TagSet<T>>,
        spec: &DiskSpec<'_>,
        ops: Arc<DiskOps>,
    ) -> Result<Self> {
        let bs = spec.block_size;
        let mut features = 0;
        if spec.write_cache {
            features |= bindings::BLK_FEAT_WRITE_CACHE;
        }
        if spec.fua {
            features |= bindings::BLK_FEAT_FUA;
        }
        let mut lim = bindings::queue_limits {
            logical_block_size: bs,
            physical_block_size: bs,
            io_min: bs,
            max_hw_sectors: spec.max_hw_sectors,
            features,
            ..Default::default()
        };
        if spec.discard {
            lim.max_hw_discard_sectors = u32::MAX >> bindings::SECTOR_SHIFT;
            lim.max_write_zeroes_sectors = u32::MAX >> bindings::SECTOR_SHIFT;
            lim.discard_granularity = bs;
        }
        let queuedata = tag_set.data_ptr();
        // SAFETY: the tag set is allocated (its type invariant) and outlives the disk (held
        // in `_tag_set`); `lim` is copied and validated by the callee.
        let gd = from_err_ptr(unsafe {
            bindings::rnwk_blk_mq_alloc_disk(tag_set.as_ptr(), &mut lim, queuedata)
        })?;
        let gd = NonNull::new(gd).ok_or(ENOMEM)?;
        // INVARIANT: allocated on `tag_set` with its data as queue data; not added.
        let disk = Self {
            gd,
            added: false,
            _ops: ops,
            _tag_set: tag_set,
        };
        let raw = gd.as_ptr();
        let name = spec.name.as_bytes();
        // SAFETY: the disk is ours and not visible yet, so nobody else reads these fields;
        // `fops` points into `_ops`, which outlives the disk.
        unsafe {
            (*raw).major = spec.major as i32;
            (*raw).first_minor = spec.first_minor as i32;
            (*raw).minors = 1;
            (*raw).fops = disk._ops.ops.get();
            (*raw).private_data = queuedata;
            let disk_name = &mut (*raw).disk_name;
            let n = name.len().min(disk_name.len() - 1);
            for (d, s) in disk_name[..n].iter_mut().zip(name) {
                *d = *s as _;
            }
            disk_name[n] = 0;
            bindings::set_capacity(raw, spec.capacity_sectors);
        }
        Ok(disk)
    }

    /// Makes the disk visible (partitions scanned, /dev node created). May sleep.
    pub(crate) fn add(&mut self) -> Result {
        if self.added {
            return Err(EBUSY);
        }
        // SAFETY: allocated, configured and not added (type invariant and the check above).
        to_result(unsafe {
            bindings::device_add_disk(
                core::ptr::null_mut(),
                self.gd.as_ptr(),
                core::ptr::null_mut(),
            )
        })?;
        self.added = true;
        Ok(())
    }

    /// The disk's request queue.
    pub(crate) fn queue(&self) -> &RequestQueue {
        // SAFETY: the gendisk is live (type invariant), and so is its queue while we hold our
        // reference to the disk, which the returned borrow cannot outlive.
        unsafe { RequestQueue::from_raw((*self.gd.as_ptr()).queue) }
    }

    /// Freezes the queue: waits for every request that entered it to end, and holds new ones
    /// back until the guard drops. May sleep.
    pub(crate) fn freeze(&self) -> FrozenQueue<'_> {
        let q = self.queue();
        // SAFETY: the queue is live (see `queue`); process context (may sleep).
        unsafe { bindings::blk_mq_freeze_queue(q.as_ptr()) };
        FrozenQueue { q }
    }
}

impl<T: Operations> Drop for GenDisk<T> {
    fn drop(&mut self) {
        // SAFETY: by the type invariant `gd` is ours; del_gendisk (owed once added) drains I/O
        // in flight (freezes the queue) before it returns; put_disk drops our reference.
        unsafe {
            if self.added {
                bindings::del_gendisk(self.gd.as_ptr());
            }
            bindings::put_disk(self.gd.as_ptr());
        }
    }
}

/// A frozen request queue: no request is in flight on it until this drops.
///
/// # Invariants
///
/// `q` was frozen by `blk_mq_freeze_queue` when this was made, and is unfrozen only in `drop`.
pub(crate) struct FrozenQueue<'a> {
    q: &'a RequestQueue,
}

impl Drop for FrozenQueue<'_> {
    fn drop(&mut self) {
        // SAFETY: frozen by `GenDisk::freeze` (type invariant); the queue is live (borrowed).
        unsafe { bindings::blk_mq_unfreeze_queue(self.q.as_ptr()) };
    }
}
