// SPDX-License-Identifier: GPL-2.0
//! `FileRef`: a borrowed open file, and write access to its mount.

use super::InodeRef;
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::prelude::*;

/// An open file, live for `'a`.
///
/// # Invariants
///
/// `file` points to an open file that stays open for `'a` (made only from a callback's
/// argument: the VFS holds a reference for the call).
#[repr(transparent)]
pub(crate) struct FileRef<'a> {
    file: NonNull<bindings::file>,
    _object: PhantomData<&'a bindings::file>,
}

impl<'a> FileRef<'a> {
    /// # Safety
    ///
    /// `file` points to a file that stays open for `'a`.
    pub(super) unsafe fn from_raw(file: *mut bindings::file) -> Self {
        Self {
            // SAFETY: per the contract, `file` points to an open file, never at null.
            file: unsafe { NonNull::new_unchecked(file) },
            _object: PhantomData,
        }
    }

    /// The file's inode, which the open file pins.
    pub(crate) fn inode(&self) -> InodeRef<'a> {
        // SAFETY: the file is open for `'a` (type invariant) and holds its inode.
        unsafe { InodeRef::from_raw(bindings::rnwk_file_inode(self.file.as_ptr())) }
    }

    /// Whether the caller owns the inode or has CAP_FOWNER, as seen through the file's mount
    /// (`inode_owner_or_capable`): what changing an inode's flags requires.
    pub(crate) fn caller_owns_inode(&self) -> bool {
        let file = self.file.as_ptr();
        // SAFETY: the file is open (type invariant): its mount and inode are live.
        unsafe {
            bindings::inode_owner_or_capable(
                bindings::rnwk_file_mnt_idmap(file),
                self.inode().as_ptr(),
            )
        }
    }

    /// `file_write_and_wait_range`: writes the dirty page cache of [start, end] back and
    /// waits for it, reporting the file's writeback errors (fsync). Sleeps.
    pub(crate) fn write_and_wait_range(&self, start: i64, end: i64) -> Result {
        // SAFETY: the file is open (type invariant).
        kernel::error::to_result(unsafe {
            bindings::file_write_and_wait_range(self.file.as_ptr(), start, end)
        })
    }

    /// `generic_file_llseek`: SEEK_SET, SEEK_CUR, SEEK_END on `i_size`; the new position or
    /// -errno.
    pub(crate) fn generic_llseek(&self, offset: i64, whence: i32) -> i64 {
        // SAFETY: the file is open (type invariant).
        unsafe { bindings::generic_file_llseek(self.file.as_ptr(), offset, whence) }
    }

    /// `vfs_setpos`: moves the file position to `pos` if it is at most `max`; the new
    /// position or -EINVAL.
    pub(crate) fn set_pos(&self, pos: i64, max: i64) -> i64 {
        // SAFETY: the file is open (type invariant).
        unsafe { bindings::vfs_setpos(self.file.as_ptr(), pos, max) }
    }

    /// Write access to the file's mount (`mnt_want_write_file`): EROFS on a read-only mount,
    /// and a frozen filesystem waits. Held until the returned guard is dropped.
    pub(crate) fn want_write(&self) -> Result<WriteAccess<'a>> {
        // SAFETY: the file is open (type invariant).
        kernel::error::to_result(unsafe { bindings::mnt_want_write_file(self.file.as_ptr()) })?;
        // INVARIANT: the write access was just taken.
        Ok(WriteAccess {
            file: self.file,
            _object: PhantomData,
        })
    }
}

/// Write access to a file's mount, given back on drop.
///
/// # Invariants
///
/// `mnt_want_write_file` succeeded on `file`, which stays open for `'a`; the access is
/// given back once, by `drop`.
pub(crate) struct WriteAccess<'a> {
    file: NonNull<bindings::file>,
    _object: PhantomData<&'a bindings::file>,
}

impl Drop for WriteAccess<'_> {
    fn drop(&mut self) {
        // SAFETY: taken on this open file (type invariant), given back once.
        unsafe { bindings::mnt_drop_write_file(self.file.as_ptr()) }
    }
}
