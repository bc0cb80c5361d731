// SPDX-License-Identifier: GPL-2.0
//! Writeback ioends: [`Ioend`], one being prepared for submission (`->prepare_ioend`), and
//! [`CompletedIoend`], one whose bio has ended, handed to the filesystem in process context.

use super::IoendQueue;
use crate::rnwk::{bindings, fs::InodeRef};
use core::{marker::PhantomData, ptr::NonNull};
use kernel::prelude::*;

/// A writeback ioend about to be submitted, for the `->prepare_ioend` call.
///
/// # Invariants
///
/// `ioend` points to an ioend built by iomap's writeback and not submitted yet, for `'a`
/// (made only from the `->prepare_ioend` callback's argument, by the layer's callback); its bio's `bi_end_io` is
/// iomap's or one of the filesystem's (`bi_private` unused by iomap's writeback in 6.12).
#[repr(transparent)]
pub(crate) struct Ioend<'a> {
    ioend: NonNull<bindings::iomap_ioend>,
    _object: PhantomData<&'a mut bindings::iomap_ioend>,
}

impl<'a> Ioend<'a> {
    /// # Safety
    ///
    /// `ioend` is an ioend iomap's writeback built and has not submitted yet, the callee's
    /// for `'a` (`->prepare_ioend`'s argument).
    pub(super) unsafe fn from_raw(ioend: *mut bindings::iomap_ioend) -> Self {
        // INVARIANT: per the contract.
        Self {
            // SAFETY: per the contract, a valid (so non-null) pointer.
            ioend: unsafe { NonNull::new_unchecked(ioend) },
            _object: PhantomData,
        }
    }

    /// Whether the ioend writes into unwritten extents (`IOMAP_UNWRITTEN`): they must be
    /// converted once the data is on the device.
    pub(crate) fn is_unwritten(&self) -> bool {
        // SAFETY: a live ioend (type invariant).
        u32::from(unsafe { (*self.ioend.as_ptr()).io_type }) == bindings::IOMAP_UNWRITTEN
    }

    /// The file being written back, which its folios under writeback keep.
    pub(crate) fn inode(&self) -> InodeRef<'a> {
        // SAFETY: a live ioend (type invariant); the inode outlives its writeback.
        unsafe { InodeRef::from_raw((*self.ioend.as_ptr()).io_inode) }
    }

    /// Makes the bio end on `queue`: when it ends (in any context), the ioend is queued
    /// there and handed to the queue's handler in process context, which finishes it.
    pub(crate) fn complete_on(self, queue: &IoendQueue) {
        queue.expect_one();
        // SAFETY: not submitted yet (type invariant): its bio's completion is ours to set.
        // The queue stays valid until the bio ended and the ioend was handled: its drop
        // waits for every ioend it expects (`expect_one` above).
        unsafe {
            let bio = core::ptr::addr_of_mut!((*self.ioend.as_ptr()).io_bio);
            (*bio).bi_private = (queue as *const IoendQueue).cast_mut().cast();
            (*bio).bi_end_io = Some(ioend_queue_end_bio);
        }
    }
}

/// `bi_end_io` of a bio whose ioend completes on a queue ([`Ioend::complete_on`]).
///
/// # Safety
///
/// Called by the block layer once, when the bio ends, with `bi_private` set by
/// `complete_on` to a queue that is still valid.
unsafe extern "C" fn ioend_queue_end_bio(bio: *mut bindings::bio) {
    // SAFETY: per the contract: the bio of an ioend, and its queue.
    unsafe {
        let queue = &*(*bio).bi_private.cast::<IoendQueue>();
        queue.push(bindings::rnwk_iomap_ioend_from_bio(bio));
    }
}

/// A writeback ioend whose bio has ended, owned by its handler until finished.
///
/// # Invariants
///
/// `ioend` points to an ioend whose bio has ended and that was not finished yet; this
/// handle is its only owner; its `io_list` is an empty list (not linked anywhere).
pub(crate) struct CompletedIoend {
    ioend: NonNull<bindings::iomap_ioend>,
}

impl CompletedIoend {
    /// # Safety
    ///
    /// `ioend` is an ended, unfinished ioend, not linked on any list, that nothing else
    /// will touch.
    pub(super) unsafe fn from_raw(ioend: NonNull<bindings::iomap_ioend>) -> Self {
        // INVARIANT: per the contract.
        Self { ioend }
    }

    fn raw(&self) -> &bindings::iomap_ioend {
        // SAFETY: owned and live until finished (type invariant).
        unsafe { self.ioend.as_ref() }
    }

    /// How the device ended the bio: `Ok`, or the error.
    pub(crate) fn status(&self) -> Result {
        // SAFETY: a plain conversion of the bio's ended status.
        let errno = unsafe { bindings::blk_status_to_errno(self.raw().io_bio.bi_status) };
        kernel::error::to_result(errno)
    }

    /// Whether the ioend wrote into unwritten extents.
    pub(crate) fn is_unwritten(&self) -> bool {
        u32::from(self.raw().io_type) == bindings::IOMAP_UNWRITTEN
    }

    /// The file written back; its folios are under writeback until [`Self::finish`], which
    /// keeps it, so the borrow ends there.
    pub(crate) fn inode(&self) -> InodeRef<'_> {
        // SAFETY: the ioend is live (type invariant) and its folios under writeback keep
        // the inode until it is finished, which takes `self`.
        unsafe { InodeRef::from_raw(self.raw().io_inode) }
    }

    /// The file offset of the written range.
    pub(crate) fn offset(&self) -> u64 {
        self.raw().io_offset as u64
    }

    /// The size of the written range within EOF.
    pub(crate) fn size(&self) -> u64 {
        self.raw().io_size as u64
    }

    /// Ends the folios' writeback with `result` (`iomap_finish_ioends`, which may sleep) and
    /// frees the ioend.
    pub(crate) fn finish(self, result: Result) {
        let errno = match result {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        };
        let ioend = self.ioend.as_ptr();
        core::mem::forget(self);
        // SAFETY: an ended, unfinished ioend we own, with an empty io_list (type
        // invariant), finished once: `self` is consumed without running `drop`.
        unsafe { bindings::iomap_finish_ioends(ioend, errno) };
    }
}

impl Drop for CompletedIoend {
    /// An ioend its handler neither finished nor handed on: finish it with EIO rather than
    /// leave its folios under writeback forever. A filesystem bug, logged.
    fn drop(&mut self) {
        pr_err!("rnwk: a completed ioend was dropped unfinished\n");
        // SAFETY: as in `finish`; `drop` runs once and nothing uses the ioend after it.
        unsafe { bindings::iomap_finish_ioends(self.ioend.as_ptr(), EIO.to_errno()) };
    }
}
