// SPDX-License-Identifier: GPL-2.0
//! `DentryRef`: a borrowed dentry.

use super::{InodeRef, SuperBlock};
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};

/// A dentry, live for `'a`.
///
/// # Invariants
///
/// `dentry` points to a dentry that stays live for `'a` (made only from a callback's
/// argument).
#[repr(transparent)]
pub(crate) struct DentryRef<'a> {
    dentry: NonNull<bindings::dentry>,
    _object: PhantomData<&'a bindings::dentry>,
}

impl<'a> DentryRef<'a> {
    /// The dentry's inode, if it is positive (the VFS keeps it for the call).
    pub(crate) fn inode(&self) -> Option<InodeRef<'a>> {
        // SAFETY: the dentry is live for `'a` (type invariant); the operations this handle
        // is given to hold the parent's or the inode's i_rwsem, so `d_inode` does not change
        // and its inode stays.
        unsafe {
            let inode = (*self.dentry.as_ptr()).d_inode;
            (!inode.is_null()).then(|| InodeRef::from_raw(inode))
        }
    }

    /// The dentry's name. Stable for `'a`: the namespace operations this handle is given to
    /// hold the parent directory's i_rwsem, which keeps the name from changing.
    pub(crate) fn name(&self) -> &'a [u8] {
        let mut len = 0u32;
        // SAFETY: the dentry is live for `'a` (type invariant) and its name does not change
        // (above); the name is `len` readable bytes.
        unsafe {
            let name = bindings::rnwk_dentry_name(self.dentry.as_ptr(), &mut len);
            core::slice::from_raw_parts(name, len as usize)
        }
    }

    pub(super) fn as_ptr(&self) -> *mut bindings::dentry {
        self.dentry.as_ptr()
    }

    /// The super block of the dentry's filesystem, which outlives it.
    pub(crate) fn super_block(&self) -> SuperBlock<'a> {
        // SAFETY: the dentry is live for `'a` (type invariant); `d_sb` never changes and
        // the super block outlives its dentries.
        unsafe { SuperBlock::from_raw((*self.dentry.as_ptr()).d_sb) }
    }
}
