// SPDX-License-Identifier: GPL-2.0
//! One rnwblk device: its state shared with the I/O path ([`Device`]) and the registered
//! disk that owns it ([`LiveDevice`]).

#![deny(unsafe_code)]

use crate::{
    config::DeviceConfig,
    counters::Counters,
    driver::Driver,
    knobs::Knobs,
    mq_ops::RnwBlk,
    rnwk::{
        block::{
            gen_disk::{DiskSpec, GenDisk},
            mq::{TagSet, TagSetSpec},
            ram_store::Store,
            request_queue::RequestQueue,
        },
        debugfs,
        workqueue::{Workqueue, WqFlags},
    },
    status_files,
};
use core::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64,
    Ordering::{Relaxed, Release, SeqCst},
};
use kernel::{fmt, prelude::*, str::CString, sync::Arc};

/// Requests in flight against the `max_inflight` budget.
#[derive(Default)]
pub(crate) struct Budget {
    inflight: AtomicU32,
    /// A blocking request was requeued for lack of budget: rerun the queues on release.
    waiting: AtomicBool,
}

/// What [`Budget::admit`] decided.
pub(crate) enum Admit {
    Ok,
    /// Over budget, nowait request: BLK_STS_AGAIN.
    Again,
    /// Over budget, blocking request: requeue it (BLK_STS_RESOURCE) until a request ends.
    Wait,
}

impl Budget {
    pub(crate) fn admit(&self, max: u32, nowait: bool) -> Admit {
        if max == 0 {
            self.inflight.fetch_add(1, Relaxed);
            return Admit::Ok;
        }
        if self.inflight.fetch_add(1, Relaxed) < max {
            return Admit::Ok;
        }
        self.inflight.fetch_sub(1, Relaxed);
        if nowait {
            return Admit::Again;
        }
        // Flag first, then look again: a release between our check and the flag would
        // otherwise leave the requeued request with nobody to rerun the queue. This is the
        // store-buffer pattern: we store `waiting` then read `inflight`, a release writes
        // `inflight` then reads `waiting`, and at least one side must see the other's
        // write. Relaxed (even acquire/release) allows both to miss; SeqCst on these four
        // accesses puts them in one total order, in which the later one sees the earlier.
        self.waiting.store(true, SeqCst);
        if self.inflight.fetch_add(1, SeqCst) < max {
            return Admit::Ok;
        }
        self.inflight.fetch_sub(1, Relaxed);
        Admit::Wait
    }

    /// A request ended; true if a requeued one is waiting for the room.
    pub(crate) fn release(&self) -> bool {
        // SeqCst: the other half of the pattern in `admit`.
        self.inflight.fetch_sub(1, SeqCst);
        self.waiting.load(SeqCst) && self.waiting.swap(false, SeqCst)
    }

    pub(crate) fn inflight(&self) -> u32 {
        self.inflight.load(Relaxed)
    }
}

/// The state the I/O path uses: the tag set's data, which every request finds.
pub(crate) struct Device {
    pub(crate) cfg: DeviceConfig,
    pub(crate) knobs: Knobs,
    pub(crate) counters: Counters,
    /// The data; a configfs device's outlives power cycles (its item owns it too).
    pub(crate) store: Arc<Store>,
    pub(crate) budget: Budget,
    /// Sequence numbers for `fail_every` (all requests) and `again_every` (nowait ones).
    pub(crate) seq_all: AtomicU64,
    pub(crate) seq_nowait: AtomicU64,
    /// Runs blocking requests that must sleep (page allocation, congestion).
    pub(crate) worker: Workqueue,
    /// Volatile cache: the power was cut; every request fails from then on.
    pub(crate) power_cut: AtomicBool,
}

impl Device {
    /// A request ended (or was refused after taking budget): gives its budget back, and
    /// reruns `queue` (asynchronously) if a blocking request was requeued for lack of it.
    pub(crate) fn release(&self, queue: &RequestQueue) {
        if self.budget.release() {
            queue.run_hw_queues_async();
        }
    }
}

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
        // WQ_MEM_RECLAIM: the worker allocates backing pages for writeback of the device's
        // users.
        let worker = Workqueue::new(&name, WqFlags::MEM_RECLAIM | WqFlags::UNBOUND)?;
        let dev = Arc::new(
            Device {
                knobs: Knobs::new(&cfg.knobs),
                counters: Counters::new()?,
                store,
                budget: Budget::default(),
                seq_all: AtomicU64::new(0),
                seq_nowait: AtomicU64::new(0),
                worker,
                power_cut: AtomicBool::new(false),
                cfg,
            },
            GFP_KERNEL,
        )?;
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
