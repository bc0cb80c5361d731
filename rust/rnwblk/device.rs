// SPDX-License-Identifier: GPL-2.0
//! One rnwblk device's state shared with the I/O path ([`Device`]): what every request
//! finds (the tag set's data). The registered disk that owns it is `live_device`.

#![deny(unsafe_code)]

use crate::{
    config::DeviceConfig,
    counters::Counters,
    knobs::Knobs,
    rnwk::{
        block::{ram_store::Store, request_queue::RequestQueue},
        workqueue::{Workqueue, WqFlags},
    },
};
use core::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64,
    Ordering::{Relaxed, SeqCst},
};
use kernel::{prelude::*, str::CStr, sync::Arc};

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
    /// The state of a new device named `name`, on `store`. May sleep.
    pub(crate) fn new(cfg: DeviceConfig, store: Arc<Store>, name: &CStr) -> Result<Arc<Self>> {
        // WQ_MEM_RECLAIM: the worker allocates backing pages for writeback of the device's
        // users.
        let worker = Workqueue::new(name, WqFlags::MEM_RECLAIM | WqFlags::UNBOUND)?;
        Ok(Arc::new(
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
        )?)
    }

    /// A request ended (or was refused after taking budget): gives its budget back, and
    /// reruns `queue` (asynchronously) if a blocking request was requeued for lack of it.
    pub(crate) fn release(&self, queue: &RequestQueue) {
        if self.budget.release() {
            queue.run_hw_queues_async();
        }
    }
}
