// SPDX-License-Identifier: GPL-2.0
//! What rnwk keeps per hardware queue (`hctx->driver_data`): the poll list, where a poll
//! queue's finished requests wait for `->poll` to reap them. Every queue gets one:
//! `hctx->type` is only set after `init_hctx` (blk_mq_map_swqueue), so whether a queue
//! polls is decided per request.

use super::rq_list::RqList;
use crate::rnwk::bindings;
use kernel::{new_spinlock, prelude::*, sync::SpinLock};

/// Per-hardware-queue state.
#[pin_data]
pub(super) struct HwCtx {
    #[pin]
    poll: SpinLock<RqList>,
}

impl HwCtx {
    pub(super) fn new() -> Result<Pin<KBox<Self>>> {
        KBox::pin_init(
            pin_init!(HwCtx { poll <- new_spinlock!(RqList::new(), "rnwk::poll_list") }),
            GFP_KERNEL,
        )
    }

    /// The state of `hctx`.
    ///
    /// # Safety
    ///
    /// `hctx` was set up by rnwk's `init_hctx` (its `driver_data` is a pinned, boxed
    /// `HwCtx`) and `exit_hctx` does not run for `'a`.
    pub(super) unsafe fn from_hctx<'a>(hctx: *mut bindings::blk_mq_hw_ctx) -> &'a Self {
        // SAFETY: per the contract.
        unsafe { &*(*hctx).driver_data.cast::<Self>() }
    }

    /// Holds a finished request for `->poll`.
    ///
    /// # Safety
    ///
    /// The caller owns `rq`, which is on no list, and hands it over.
    pub(super) unsafe fn hold(&self, rq: *mut bindings::request) {
        // SAFETY: per the contract.
        unsafe { self.poll.lock().push_tail(rq) };
    }

    /// Takes every held request: the caller owns them from now on.
    pub(super) fn take(&self) -> RqList {
        core::mem::replace(&mut *self.poll.lock(), RqList::new())
    }
}
