// SPDX-License-Identifier: GPL-2.0
//! A disk's request queue, borrowed from the disk or from one of its requests.

use crate::rnwk::bindings;
use kernel::types::Opaque;

/// A live `struct request_queue`.
///
/// # Invariants
///
/// The queue is live for the lifetime of the reference: it is only handed out borrowed from
/// a [`GenDisk`](super::gen_disk::GenDisk) or from a request the driver owns, both of which
/// keep it alive.
#[repr(transparent)]
pub(crate) struct RequestQueue(Opaque<bindings::request_queue>);

impl RequestQueue {
    /// # Safety
    ///
    /// `ptr` is a live request queue for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::request_queue) -> &'a Self {
        // SAFETY: `RequestQueue` is a transparent wrapper; the caller vouches for `'a`.
        unsafe { &*ptr.cast::<Self>() }
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::request_queue {
        self.0.get()
    }

    /// Runs the hardware queues asynchronously (from kblockd): requests blk-mq holds back,
    /// for example after `BLK_STS_RESOURCE`, are dispatched again. Any context.
    pub(crate) fn run_hw_queues_async(&self) {
        // SAFETY: the queue is live (type invariant); async runs never sleep here.
        unsafe { bindings::blk_mq_run_hw_queues(self.as_ptr(), true) };
    }
}
