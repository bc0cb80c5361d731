// SPDX-License-Identifier: GPL-2.0
//! The iomap calls a filesystem makes with its [`Operations`]: direct I/O, buffered writes,
//! zeroing, SEEK_DATA/SEEK_HOLE and FIEMAP. Each passes `T`'s tables
//! ([`OperationsVTable`]) and, where iomap carries one, the caller's `&T::Private`.
//!
//! The locking iomap expects (i_rwsem for I/O and zeroing, as each function says) is the
//! caller's rule, as for the VFS helpers on [`Kiocb`]: not checked, and not a matter of
//! memory safety.

use super::{operations::OperationsVTable, DioFlags, Operations};
use crate::rnwk::{
    bindings,
    fs::{InodeLockGuard, InodeRef, IovIter, Kiocb, LockMode},
};
use core::{ffi::c_void, marker::PhantomData, ptr::NonNull};
use kernel::prelude::*;

/// `private` as iomap carries it: the tables' callbacks read it back as `&T::Private`.
fn private_ptr<P>(private: &P) -> *mut c_void {
    (private as *const P).cast_mut().cast()
}

/// A byte count or -errno from iomap as a `Result`.
fn count(ret: isize) -> Result<isize> {
    if ret < 0 {
        Err(Error::from_errno(ret as i32))
    } else {
        Ok(ret)
    }
}

/// How a direct I/O went.
pub(crate) struct DioDone {
    /// The bytes done, or the error (EIOCBQUEUED: an async I/O under way).
    pub(crate) result: Result<isize>,
    /// Whether a dio was started, whose completion (`Operations::dio_end_io`) then runs,
    /// maybe after the return.
    pub(crate) submitted: bool,
}

/// `iomap_dio_rw` of `iocb` over `iter` with `T`'s operations (`__iomap_dio_rw` then
/// `iomap_dio_complete`, so that the caller learns whether a dio was started). `private`
/// reaches `T::iomap_begin` and `T::dio_submit_io`. Called with i_rwsem held as the
/// filesystem's direct I/O needs.
pub(crate) fn dio_rw<T: Operations>(
    iocb: &Kiocb<'_>,
    iter: &mut IovIter<'_>,
    flags: DioFlags,
    private: &T::Private,
) -> DioDone {
    let iter = iter.as_ptr();
    // SAFETY: a live iterator (the `IovIter` invariant).
    let write = unsafe { bindings::rnwk_iov_iter_is_write(iter) };
    let dops = if write {
        &OperationsVTable::<T>::DIO_WRITE_OPS
    } else {
        &OperationsVTable::<T>::DIO_READ_OPS
    };
    // SAFETY: the live kiocb and iterator of the caller's I/O (type invariants), `T`'s
    // tables, and as `private` a `&T::Private` that outlives the call (the tables'
    // invariant).
    let dio = unsafe {
        bindings::__iomap_dio_rw(
            iocb.as_ptr(),
            iter,
            &OperationsVTable::<T>::IOMAP_OPS,
            dops,
            flags.bits(),
            private_ptr(private),
            0,
        )
    };
    match kernel::error::from_err_ptr(dio) {
        Err(e) => DioDone {
            submitted: e.to_errno() == -(bindings::EIOCBQUEUED as i32),
            result: Err(e),
        },
        Ok(dio) if dio.is_null() => DioDone {
            result: Ok(0),
            submitted: false,
        },
        Ok(dio) => DioDone {
            // SAFETY: a dio `__iomap_dio_rw` returned, completed once here.
            result: count(unsafe { bindings::iomap_dio_complete(dio) }),
            submitted: true,
        },
    }
}

/// `iomap_file_buffered_write` of `from` at `iocb`'s position with `T`'s operations;
/// `private` reaches `T::iomap_begin`. Called with i_rwsem held exclusively.
pub(crate) fn buffered_write<T: Operations>(
    iocb: &Kiocb<'_>,
    from: &mut IovIter<'_>,
    private: &T::Private,
) -> Result<isize> {
    // SAFETY: the live kiocb and iterator of the caller's write (type invariants), `T`'s
    // iomap table, and a `&T::Private` that outlives the call (the tables' invariant).
    count(unsafe {
        bindings::iomap_file_buffered_write(
            iocb.as_ptr(),
            from.as_ptr(),
            &OperationsVTable::<T>::IOMAP_OPS,
            private_ptr(private),
        )
    })
}

/// Zeroes [pos, pos + len) of `inode` through the page cache (`iomap_zero_range`). Called
/// with i_rwsem held exclusively.
///
/// An empty range does nothing, and must not reach iomap: 6.12's iomap_iter maps the block
/// at `pos` even for a zero length, and iomap_zero_iter then gets that block's folio, fills
/// none of it and marks it uptodate and dirty. For a written block that was not cached,
/// that is uninitialised memory presented as the file's data, which writeback puts on the
/// device (rnwfs: a punch ending on a block boundary did it to the block after the hole).
pub(crate) fn zero_range<T: Operations>(inode: InodeRef<'_>, pos: u64, len: u64) -> Result {
    if len == 0 {
        return Ok(());
    }
    // SAFETY: a live inode (type invariant) and `T`'s iomap table (no `private`).
    kernel::error::to_result(unsafe {
        bindings::iomap_zero_range(
            inode.as_ptr(),
            pos as i64,
            len as i64,
            core::ptr::null_mut(),
            &OperationsVTable::<T>::IOMAP_OPS,
        )
    })
}

/// Zeroes the rest of the block of `inode` holding `pos` (`iomap_truncate_page`), before
/// its size drops to `pos`. Called with i_rwsem held exclusively.
pub(crate) fn truncate_page<T: Operations>(inode: InodeRef<'_>, pos: u64) -> Result {
    let mut did_zero = false;
    // SAFETY: a live inode (type invariant), a local for `did_zero` and `T`'s iomap table.
    kernel::error::to_result(unsafe {
        bindings::iomap_truncate_page(
            inode.as_ptr(),
            pos as i64,
            &mut did_zero,
            &OperationsVTable::<T>::IOMAP_OPS,
        )
    })
}

/// A file offset or -errno from iomap as a `Result`.
fn offset(ret: i64) -> Result<i64> {
    if ret < 0 {
        Err(Error::from_errno(ret as i32))
    } else {
        Ok(ret)
    }
}

/// `iomap_seek_data`: the first data at or after `pos` in `inode` (ENXIO: none). Called
/// with i_rwsem held.
pub(crate) fn seek_data<T: Operations>(inode: InodeRef<'_>, pos: i64) -> Result<i64> {
    // SAFETY: a live inode (type invariant) and `T`'s iomap table.
    offset(unsafe {
        bindings::iomap_seek_data(inode.as_ptr(), pos, &OperationsVTable::<T>::IOMAP_OPS)
    })
}

/// `iomap_seek_hole`: the first hole at or after `pos` in `inode` (EOF counts as one; ENXIO
/// past it). Called with i_rwsem held.
pub(crate) fn seek_hole<T: Operations>(inode: InodeRef<'_>, pos: i64) -> Result<i64> {
    // SAFETY: a live inode (type invariant) and `T`'s iomap table.
    offset(unsafe {
        bindings::iomap_seek_hole(inode.as_ptr(), pos, &OperationsVTable::<T>::IOMAP_OPS)
    })
}

/// The extents a FIEMAP ioctl asks for, for the `->fiemap` call.
///
/// # Invariants
///
/// `info` points to the live `fiemap_extent_info` of the call in progress, the callee's to
/// fill for `'a` (made only from `->fiemap`'s argument: the C prototype declares the
/// pointer).
#[repr(transparent)]
pub(crate) struct FiemapInfo<'a> {
    info: NonNull<bindings::fiemap_extent_info>,
    _object: PhantomData<&'a mut bindings::fiemap_extent_info>,
}

impl FiemapInfo<'_> {
    /// # Safety
    ///
    /// `info` is the argument of a `->fiemap` call, live and the callee's to fill for `'a`.
    pub(in crate::rnwk) unsafe fn from_raw(info: *mut bindings::fiemap_extent_info) -> Self {
        Self {
            // SAFETY: per the contract, a callback's argument, never null.
            info: unsafe { NonNull::new_unchecked(info) },
            _object: PhantomData,
        }
    }
}

/// `->fiemap` of a file on `T`: `iomap_fiemap` of [start, start + len) under the shared
/// i_rwsem, which keeps truncation out while the extents are reported.
pub(crate) fn fiemap<T: Operations>(
    inode: InodeRef<'_>,
    info: FiemapInfo<'_>,
    start: u64,
    len: u64,
) -> Result {
    let _lock: InodeLockGuard<'_> = inode.lock(LockMode::Shared);
    // SAFETY: a live inode and the call's extent info (type invariants), `T`'s iomap table.
    kernel::error::to_result(unsafe {
        bindings::iomap_fiemap(
            inode.as_ptr(),
            info.info.as_ptr(),
            start,
            len,
            &OperationsVTable::<T>::IOMAP_OPS,
        )
    })
}
