// SPDX-License-Identifier: GPL-2.0
//! Per-hardware-queue state: poll queues hold finished requests until `->poll` reaps them.
//! Every queue gets a list: `hctx->type` is only set after `init_hctx` (blk_mq_map_swqueue),
//! so whether a queue polls is decided per request in `->queue_rq`.

use crate::{device::Device, ffi, request::Request};
use kernel::{prelude::*, types::Opaque};

/// Finished requests of a poll queue, waiting for the poller.
pub(crate) struct PollList(Opaque<ffi::rnwblk_poll_list>);

impl PollList {
    pub(crate) fn add(&self, rq: Request) {
        // SAFETY: the list was initialised in `HwQueue::new`; the request's ownership moves
        // to the list until `reap` takes it back.
        unsafe { ffi::rnwblk_poll_list_add(self.0.get(), rq.into_raw()) };
    }

    /// Takes every held request and hands each to `f`; returns how many.
    pub(crate) fn reap(&self, mut f: impl FnMut(Request)) -> i32 {
        let mut taken = ffi::bindings::list_head::default();
        let mut n = 0;
        // SAFETY: the list is initialised; `taken` is a local list head the C side links.
        unsafe {
            ffi::rnwblk_poll_list_take(self.0.get(), &mut taken);
            loop {
                let rq = ffi::rnwblk_poll_list_next(&mut taken);
                if rq.is_null() {
                    break;
                }
                f(Request::from_raw(rq));
                n += 1;
            }
        }
        n
    }
}

/// `hctx->driver_data`.
pub(crate) struct HwQueue {
    pub(crate) dev: *const Device,
    poll: PollList,
}

// SAFETY: the device outlives its queues; the poll list has its own lock.
unsafe impl Sync for HwQueue {}
// SAFETY: as above.
unsafe impl Send for HwQueue {}

impl HwQueue {
    pub(crate) fn new(dev: *const Device) -> Result<KBox<Self>> {
        let hwq = KBox::new(
            Self {
                dev,
                poll: PollList(Opaque::uninit()),
            },
            GFP_KERNEL,
        )?;
        // SAFETY: the list is in its final (boxed) place, initialised once.
        unsafe { ffi::rnwblk_poll_list_init(hwq.poll.0.get()) };
        Ok(hwq)
    }

    pub(crate) fn poll_list(&self) -> &PollList {
        &self.poll
    }

    pub(crate) fn device(&self) -> &Device {
        // SAFETY: set from the tag set's driver data, a Device that outlives the queues.
        unsafe { &*self.dev }
    }
}
