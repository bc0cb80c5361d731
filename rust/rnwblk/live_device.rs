// SPDX-License-Identifier: GPL-2.0
//! A registered rnwblk device ([`LiveDevice`]): the disk, its tag set and debugfs files,
//! and the [`Device`] state they share, made and torn down together.

#![deny(unsafe_code)]

use crate::{
    config::DeviceConfig,
    device::Device,
    driver::Driver,
    mq_ops::RnwBlk,
    rnwk::{
        block::{
            gen_disk::{DiskSpec, GenDisk},
            mq::{TagSet, TagSetSpec},
            ram_store::Store,
        },
        debugfs,
    },
    status_files,
};
use core::sync::atomic::Ordering::Release;
use kernel::{fmt, prelude::*, str::CString, sync::Arc};

/// A registered device. Field order is teardown order: the disk goes first (draining I/O;
/// then it drops the tag set), then the debugfs files, and last the state they all point at.
pub(crate) struct LiveDevice {
    disk: GenDisk<RnwBlk>,
    _debugfs: debugfs::Dir,
    dev: Arc<Device>,
}

impl LiveDevice {
    /// Creates device `index` (`rnwblk<index>`, claimed by the caller) on `store` and
    /// makes it visible.
    pub(crate) fn create(
        drv: &Driver,
        index: u32,
        cfg: DeviceConfig,
        store: Arc<Store>,
    ) -> Result<Self> {
        cfg.validate()?;
        let name = CString::try_from_fmt(fmt!("rnwblk{}", index))?;
        let dev = Device::new(cfg, store, &name)?;
        let cfg = &dev.cfg;
        let tag_set = TagSet::new(
            &TagSetSpec {
                submit_queues: cfg.submit_queues,
                poll_queues: cfg.poll_queues,
                queue_depth: cfg.hw_queue_depth,
            },
            dev.clone(),
        )?;
        let spec = DiskSpec {
            name: &name,
            major: drv.major.number(),
            first_minor: index,
            capacity_sectors: cfg.size_mib << (20 - SECTOR_SHIFT),
            block_size: cfg.block_size,
            max_hw_sectors: 2048, // 1 MiB
            // Flush and FUA are accepted: writes are stable once completed. A volatile
            // cache has no FUA: the block layer follows a FUA write with a flush instead.
            write_cache: true,
            fua: !cfg.volatile_cache,
            discard: cfg.discard,
        };
        let mut disk = GenDisk::new(tag_set, &spec, drv.ops.clone())?;
        let debugfs = status_files::create(&drv.debugfs, &name, drv.module, &dev)?;
        disk.add()?;
        Ok(Self {
            disk,
            _debugfs: debugfs,
            dev,
        })
    }

    pub(crate) fn device(&self) -> &Device {
        &self.dev
    }

    /// Volatile cache: the power goes. Requests fail with EIO from now on (the filesystem's
    /// last writes too, when deleting the disk syncs it), those in flight finish, and the
    /// store goes back to what it held at the last flush.
    pub(crate) fn power_cut(&self) {
        self.dev.power_cut.store(true, Release);
        // Freezing waits for every request that entered the queue before the cut.
        let _frozen = self.disk.freeze();
        self.dev.store.roll_back();
    }
}

const SECTOR_SHIFT: u32 = 9;
