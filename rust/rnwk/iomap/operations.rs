// SPDX-License-Identifier: GPL-2.0
//! The iomap interface of a filesystem: it implements [`Operations`]; rnwk turns it into
//! constant `iomap_ops`, `iomap_dio_ops` (one per direction) and `iomap_writeback_ops`
//! tables ([`OperationsVTable`]) whose callbacks recover the typed handles from iomap's
//! pointers and call the filesystem's safe methods. The tables are private to
//! `rnwk::iomap`: only its calls (`dio_rw`, `buffered_write`, `read_folio`, ...) hand them to
//! iomap, which is what makes the iteration's `private` pointer typed.

use super::{
    mapping::{IomapOut, WritepageCtx},
    DioEndFlags, DioIter, DioReadEnd, Ioend, IomapFlags, Mapping,
};
use crate::rnwk::{
    bindings,
    bio::UnsubmittedBio,
    errno::status,
    fs::{InodeRef, Kiocb},
};
use core::{ffi::c_void, marker::PhantomData};
use kernel::prelude::*;

/// A filesystem on iomap.
///
/// Every method runs in the context of the iomap call or the I/O that reaches it:
/// `iomap_begin` and `dio_submit_io` in the task that made the iomap call (may sleep unless
/// the flags say nowait), `map_blocks` and `prepare_ioend` in writeback, `dio_write_end_io`
/// in the task for synchronous I/O and in the super block's dio workqueue for asynchronous
/// I/O, `dio_read_end_io` wherever the read's last bio ended (interrupt context too: it
/// gets a handle that offers nothing that sleeps).
pub(crate) trait Operations: Sized + 'static {
    /// What the filesystem's direct I/O and buffered writes carry to `iomap_begin` and
    /// `dio_submit_io` (given to [`super::dio_rw`] and [`super::buffered_write`]; other
    /// iterations have none). Borrowed for the iomap call only, in the task that made it, so
    /// it need not be `Sync`.
    type Private;

    /// The mapping of `inode` at `pos`, for at most `length` bytes, for an iteration with
    /// `flags`; `private` is the iomap call's, if it gave one. The mapping is reported on
    /// the inode's super block's device.
    fn iomap_begin<'a>(
        inode: InodeRef<'a>,
        pos: u64,
        length: u64,
        flags: IomapFlags,
        private: Option<&'a Self::Private>,
    ) -> Result<Mapping>;

    /// Writeback's mapping of `inode` at `offset` (`len` bytes of dirty data there).
    fn map_blocks(inode: InodeRef<'_>, offset: u64, len: u32) -> Result<Mapping>;

    /// A writeback ioend about to be submitted with `status` (0 or -errno): where its bio
    /// completes. Returns the status to go on with.
    fn prepare_ioend(ioend: Ioend<'_>, status: i32) -> i32;

    /// A direct write of `iocb` ended with `size` bytes done and `result`; `flags` say what
    /// it covered. Task context. Returns the write's result.
    fn dio_write_end_io(iocb: Kiocb<'_>, size: isize, result: Result, flags: DioEndFlags)
        -> Result;

    /// A direct read ended with `result`. May run in interrupt context (see [`DioReadEnd`]).
    /// Returns the read's result.
    fn dio_read_end_io(read: DioReadEnd<'_>, result: Result) -> Result;

    /// A direct I/O's bio at `file_offset`, built by iomap: the filesystem may set its
    /// flags, then submits it.
    fn dio_submit_io<'a>(
        iter: DioIter<'a>,
        bio: UnsubmittedBio<'a>,
        file_offset: u64,
        private: Option<&'a Self::Private>,
    );
}

/// The iomap tables of `T` and their callbacks.
///
/// # Invariants
///
/// The tables are named only inside `rnwk::iomap`, whose calls give iomap as the
/// iteration's `private` either null or a `&T::Private` that outlives the iomap call (the
/// only time iomap reads it: `->iomap_begin` and `->submit_io` run during the call, in the
/// calling task). So in every callback of these tables, `private` is null or a live
/// `T::Private`.
pub(super) struct OperationsVTable<T: Operations>(PhantomData<T>);

impl<T: Operations> OperationsVTable<T> {
    /// `iomap_ops`: the mapping.
    pub(super) const IOMAP_OPS: bindings::iomap_ops = bindings::iomap_ops {
        iomap_begin: Some(Self::iomap_begin_callback),
        iomap_end: None,
    };

    /// `iomap_dio_ops` of direct writes.
    pub(super) const DIO_WRITE_OPS: bindings::iomap_dio_ops = bindings::iomap_dio_ops {
        end_io: Some(Self::dio_write_end_io_callback),
        submit_io: Some(Self::dio_submit_io_callback),
        bio_set: core::ptr::null_mut(),
    };

    /// `iomap_dio_ops` of direct reads.
    pub(super) const DIO_READ_OPS: bindings::iomap_dio_ops = bindings::iomap_dio_ops {
        end_io: Some(Self::dio_read_end_io_callback),
        submit_io: Some(Self::dio_submit_io_callback),
        bio_set: core::ptr::null_mut(),
    };

    /// `iomap_writeback_ops`.
    pub(super) const WRITEBACK_OPS: bindings::iomap_writeback_ops = bindings::iomap_writeback_ops {
        map_blocks: Some(Self::map_blocks_callback),
        prepare_ioend: Some(Self::prepare_ioend_callback),
        discard_folio: None,
    };

    /// The iteration's `private`, typed.
    ///
    /// # Safety
    ///
    /// `private` is the `private` of an iteration run with these tables, and `'a` ends
    /// before the iomap call that runs it returns.
    unsafe fn private<'a>(private: *mut c_void) -> Option<&'a T::Private> {
        // SAFETY: null or a live `T::Private` (type invariant), borrowed within the call.
        (!private.is_null()).then(|| unsafe { &*private.cast::<T::Private>() })
    }

    /// # Safety
    ///
    /// Called by `iomap_iter()` for an iteration run with [`Self::IOMAP_OPS`], with its live
    /// inode and `&iter->iomap` (6.12 calls `->iomap_begin` from nowhere else).
    unsafe extern "C" fn iomap_begin_callback(
        inode: *mut bindings::inode,
        pos: i64,
        length: i64,
        flags: u32,
        iomap: *mut bindings::iomap,
        _srcmap: *mut bindings::iomap,
    ) -> i32 {
        // SAFETY: per the contract: the iteration's inode, live for the call, and the
        // `iomap` field of the live iteration, ours to fill.
        let (inode, out) = unsafe { (InodeRef::from_raw(inode), IomapOut::from_raw(iomap)) };
        // SAFETY: the `private` of an iteration run with our tables, borrowed for this call.
        let private = unsafe { Self::private(out.iter_private()) };
        match T::iomap_begin(
            inode,
            pos as u64,
            length as u64,
            IomapFlags::from_bits(flags),
            private,
        ) {
            Ok(m) => {
                out.fill(inode.super_block(), &m);
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by `iomap_writepages()` run with [`Self::WRITEBACK_OPS`], with its live
    /// writeback context and the mapping's live inode.
    unsafe extern "C" fn map_blocks_callback(
        wpc: *mut bindings::iomap_writepage_ctx,
        inode: *mut bindings::inode,
        offset: i64,
        len: u32,
    ) -> i32 {
        // SAFETY: per the contract.
        let (wpc, inode) = unsafe { (WritepageCtx::from_raw(wpc), InodeRef::from_raw(inode)) };
        match T::map_blocks(inode, offset as u64, len) {
            Ok(m) => {
                wpc.fill(inode.super_block(), &m);
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by iomap's writeback run with [`Self::WRITEBACK_OPS`], with an ioend it built
    /// and has not submitted yet.
    unsafe extern "C" fn prepare_ioend_callback(
        ioend: *mut bindings::iomap_ioend,
        status: i32,
    ) -> i32 {
        // SAFETY: per the contract.
        T::prepare_ioend(unsafe { Ioend::from_raw(ioend) }, status)
    }

    /// # Safety
    ///
    /// Called by iomap when a direct write run with [`Self::DIO_WRITE_OPS`] ended, with its
    /// live kiocb, before the kiocb is completed; in task context (iomap completes writes
    /// in the task or on the super block's dio workqueue).
    unsafe extern "C" fn dio_write_end_io_callback(
        iocb: *mut bindings::kiocb,
        size: isize,
        error: i32,
        flags: u32,
    ) -> i32 {
        // SAFETY: per the contract: the I/O's kiocb, live (and on its open file) until iomap
        // completes it after this call.
        let iocb = unsafe { Kiocb::from_raw(iocb) };
        let result = kernel::error::to_result(error);
        status(T::dio_write_end_io(
            iocb,
            size,
            result,
            DioEndFlags::from_bits(flags),
        ))
    }

    /// # Safety
    ///
    /// Called by iomap when a direct read run with [`Self::DIO_READ_OPS`] ended, with its
    /// live kiocb, before the kiocb is completed; in any context.
    unsafe extern "C" fn dio_read_end_io_callback(
        iocb: *mut bindings::kiocb,
        _size: isize,
        error: i32,
        _flags: u32,
    ) -> i32 {
        // SAFETY: per the contract: the I/O's kiocb, live (and on its open file) until iomap
        // completes it after this call.
        let iocb = unsafe { Kiocb::from_raw(iocb) };
        // INVARIANT: a direct read's kiocb, in its `->end_io`.
        let read = DioReadEnd::new(iocb);
        status(T::dio_read_end_io(read, kernel::error::to_result(error)))
    }

    /// # Safety
    ///
    /// Called by iomap's direct I/O run with one of our `iomap_dio_ops`, during the iomap
    /// call, with the live iteration and a built bio for the callee to submit.
    unsafe extern "C" fn dio_submit_io_callback(
        iter: *const bindings::iomap_iter,
        bio: *mut bindings::bio,
        file_offset: i64,
    ) {
        // SAFETY: per the contract.
        let (iter, bio) = unsafe { (DioIter::from_raw(iter), UnsubmittedBio::from_raw(bio)) };
        // SAFETY: the `private` of an iteration run with our tables, borrowed for this call.
        let private = unsafe { Self::private(iter.private()) };
        T::dio_submit_io(iter, bio, file_offset as u64, private);
    }
}
