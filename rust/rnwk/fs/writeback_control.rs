// SPDX-License-Identifier: GPL-2.0
//! `WritebackControl`: what a `->write_inode` or `->writepages` call is asked for.

use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};

/// The `writeback_control` of a `->write_inode` or `->writepages` call, for the call.
///
/// # Invariants
///
/// `wbc` points to the caller's live `writeback_control`, for `'a` (made only from the
/// callback's argument).
#[repr(transparent)]
pub(crate) struct WritebackControl<'a> {
    wbc: NonNull<bindings::writeback_control>,
    _object: PhantomData<&'a bindings::writeback_control>,
}

impl WritebackControl<'_> {
    /// Whether the caller waits for the write (`WB_SYNC_ALL`: sync(2), fsync, unmount),
    /// rather than only starting it.
    pub(crate) fn waits(&self) -> bool {
        // SAFETY: a live writeback_control (type invariant).
        unsafe { (*self.wbc.as_ptr()).sync_mode == bindings::writeback_sync_modes_WB_SYNC_ALL }
    }

    /// The raw pointer, for the layer's iomap calls (`->writepages`): valid for `'a`.
    pub(in crate::rnwk) fn as_ptr(&self) -> *mut bindings::writeback_control {
        self.wbc.as_ptr()
    }
}

from_callback_arg!(WritebackControl, wbc, bindings::writeback_control);
