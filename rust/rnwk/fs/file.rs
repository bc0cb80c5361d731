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
