// SPDX-License-Identifier: GPL-2.0
//! `Kiocb`: a read or write in progress, what it asks for and the generic VFS steps on it.

use super::{FileRef, IovIter};
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::prelude::*;

/// The kiocb of a read or write, for the call (`read_iter`, `write_iter`, a direct I/O's
/// completion).
///
/// Not `Send` or `Sync` (the pointer): the kiocb is the calling task's, so the methods that
/// change it (its flags, or through the VFS helpers its position) take `&self`: there is no
/// other thread to race with, and the policy's I/O state shares the handle.
///
/// # Invariants
///
/// `iocb` points to the live kiocb of the I/O in progress, on an open file, the callee's to
/// read and to change the flags of for `'a` (made only from a callback's argument, or by
/// the layer's iomap callbacks with [`Self::from_raw`]).
#[repr(transparent)]
pub(crate) struct Kiocb<'a> {
    iocb: NonNull<bindings::kiocb>,
    _object: PhantomData<&'a mut bindings::kiocb>,
}

impl<'a> Kiocb<'a> {
    /// # Safety
    ///
    /// `iocb` is the live kiocb of an I/O in progress on an open file, the caller's to read
    /// and to change the flags of for `'a` (a direct I/O's `->end_io` argument).
    pub(crate) unsafe fn from_raw(iocb: *mut bindings::kiocb) -> Self {
        // INVARIANT: per the contract.
        Self {
            // SAFETY: per the contract, a valid (so non-null) pointer.
            iocb: unsafe { NonNull::new_unchecked(iocb) },
            _object: PhantomData,
        }
    }

    fn flags(&self) -> u32 {
        // SAFETY: a live kiocb (type invariant).
        unsafe { (*self.iocb.as_ptr()).ki_flags as u32 }
    }

    /// IOCB_NOWAIT: refuse with EAGAIN rather than block.
    pub(crate) fn is_nowait(&self) -> bool {
        self.flags() & bindings::RNWK_IOCB_NOWAIT != 0
    }

    /// IOCB_DIRECT: O_DIRECT.
    pub(crate) fn is_direct(&self) -> bool {
        self.flags() & bindings::RNWK_IOCB_DIRECT != 0
    }

    /// IOCB_APPEND: the write goes at EOF.
    pub(crate) fn is_append(&self) -> bool {
        self.flags() & bindings::RNWK_IOCB_APPEND != 0
    }

    /// O_DSYNC semantics (IOCB_DSYNC, or a sync inode): the data, and the metadata needed
    /// to read it, are durable when the write completes.
    pub(crate) fn is_dsync(&self) -> bool {
        // SAFETY: a live kiocb on an open file (type invariant).
        unsafe { bindings::rnwk_iocb_is_dsync(self.iocb.as_ptr()) }
    }

    /// IOCB_WAITQ: the caller (io_uring) can wait for a locked folio without blocking.
    pub(crate) fn waits_on_folio_queue(&self) -> bool {
        self.flags() & bindings::RNWK_IOCB_WAITQ != 0
    }

    /// Sets IOCB_NOIO: the page cache starts no I/O (no readahead) for this read.
    pub(crate) fn set_no_io(&self) {
        // SAFETY: a live kiocb whose flags are the callee's to change (type invariant).
        unsafe { (*self.iocb.as_ptr()).ki_flags |= bindings::RNWK_IOCB_NOIO as i32 }
    }

    /// The file position of the I/O.
    pub(crate) fn pos(&self) -> u64 {
        // SAFETY: a live kiocb (type invariant).
        unsafe { (*self.iocb.as_ptr()).ki_pos as u64 }
    }

    /// Whether the caller waits for the I/O (no `ki_complete`): an async one may complete
    /// after `read_iter`/`write_iter` returned.
    pub(crate) fn is_sync(&self) -> bool {
        // SAFETY: a live kiocb (type invariant).
        unsafe { (*self.iocb.as_ptr()).ki_complete.is_none() }
    }

    /// The open file of the I/O.
    pub(crate) fn file(&self) -> FileRef<'a> {
        // SAFETY: a live kiocb on an open file, which the I/O holds for `'a` (type
        // invariant).
        unsafe { FileRef::from_raw((*self.iocb.as_ptr()).ki_filp) }
    }

    /// `generic_file_read_iter`: a read through the page cache (or the file's direct I/O).
    pub(crate) fn generic_file_read(&self, to: &mut IovIter<'_>) -> isize {
        // SAFETY: a live kiocb and iterator of this read (type invariants).
        unsafe { bindings::generic_file_read_iter(self.iocb.as_ptr(), to.as_ptr()) }
    }

    /// `generic_write_checks`: limits (RLIMIT_FSIZE, s_maxbytes) and O_APPEND's position;
    /// the count the write may do, or -errno. Called with i_rwsem held.
    pub(crate) fn generic_write_checks(&self, from: &mut IovIter<'_>) -> isize {
        // SAFETY: a live kiocb and iterator of this write (type invariants).
        unsafe { bindings::generic_write_checks(self.iocb.as_ptr(), from.as_ptr()) }
    }

    /// `file_remove_privs_flags`: drops setuid/setgid bits before a write (EAGAIN under
    /// IOCB_NOWAIT if it would have to).
    pub(crate) fn remove_privs(&self) -> Result {
        // SAFETY: a live kiocb on an open file (type invariant).
        kernel::error::to_result(unsafe {
            bindings::file_remove_privs_flags((*self.iocb.as_ptr()).ki_filp, self.flags())
        })
    }

    /// `generic_write_sync`: the O_SYNC/O_DSYNC write-out of `written` bytes just written.
    pub(crate) fn generic_write_sync(&self, written: isize) -> isize {
        // SAFETY: a live kiocb (type invariant).
        unsafe { bindings::rnwk_generic_write_sync(self.iocb.as_ptr(), written) }
    }

    /// `direct_write_fallback`: after a direct write fell back to a buffered one of
    /// `buffered` bytes (or -errno), writes those back and drops them from the cache.
    pub(crate) fn direct_write_fallback(&self, from: &mut IovIter<'_>, buffered: isize) -> isize {
        // SAFETY: a live kiocb and iterator of this write (type invariants).
        unsafe { bindings::direct_write_fallback(self.iocb.as_ptr(), from.as_ptr(), 0, buffered) }
    }

    /// The raw pointer, for the layer's iomap calls and writethrough engine: valid for the
    /// call.
    pub(in crate::rnwk) fn as_ptr(&self) -> *mut kernel::bindings::kiocb {
        self.iocb.as_ptr()
    }
}
