// SPDX-License-Identifier: GPL-2.0
//! A FIFO of requests linked through their own `rq_next` (`struct rq_list`), as blk-mq's plug
//! lists are.

use crate::rnwk::bindings;

/// A list of requests.
///
/// # Invariants
///
/// Every request on `list` is one the holder of the list owns (blk-mq handed it over, or the
/// driver started it), linked through `rq_next` only by this list.
pub(super) struct RqList {
    list: bindings::rq_list,
}

// SAFETY: the requests on the list are owned by it; ownership moves with the list.
unsafe impl Send for RqList {}

impl RqList {
    pub(super) const fn new() -> Self {
        Self {
            list: bindings::rq_list {
                head: core::ptr::null_mut(),
                tail: core::ptr::null_mut(),
            },
        }
    }

    /// Takes over blk-mq's list (a plug list given to `->queue_rqs`).
    ///
    /// # Safety
    ///
    /// `list` is valid, and every request on it is now the caller's (see the type invariant).
    pub(super) unsafe fn take_raw(list: *mut bindings::rq_list) -> Self {
        // SAFETY: per the contract; the caller's list is left empty.
        let list = unsafe { core::mem::replace(&mut *list, Self::new().list) };
        // INVARIANT: the caller gave us the requests.
        Self { list }
    }

    /// Hands the list back to blk-mq.
    ///
    /// # Safety
    ///
    /// `list` is valid and empty (its requests were taken with [`RqList::take_raw`]).
    pub(super) unsafe fn give_raw(self, list: *mut bindings::rq_list) {
        // SAFETY: per the contract; ownership of the requests passes with the list.
        unsafe { *list = self.list };
    }

    /// Appends `rq`, which the list owns from now on.
    ///
    /// # Safety
    ///
    /// The caller owns `rq`, which is on no list, and gives it to this one.
    pub(super) unsafe fn push_tail(&mut self, rq: *mut bindings::request) {
        // SAFETY: `rq` per the contract; `self.list` is a valid list (type invariant).
        unsafe { bindings::rnwk_rq_list_add_tail(&mut self.list, rq) };
    }

    /// Removes the first request: the caller owns it from now on.
    pub(super) fn pop(&mut self) -> Option<*mut bindings::request> {
        // SAFETY: `self.list` is a valid list of requests it owns (type invariant).
        let rq = unsafe { bindings::rnwk_rq_list_pop(&mut self.list) };
        (!rq.is_null()).then_some(rq)
    }
}
