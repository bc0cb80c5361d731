// SPDX-License-Identifier: GPL-2.0
//! An inode's locks: i_rwsem ([`InodeLockGuard`]) and its mapping's invalidate lock
//! ([`InvalidateLockGuard`]), released on drop by the task that took them.

use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};

/// How i_rwsem is held.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum LockMode {
    Shared,
    Exclusive,
}

/// i_rwsem of an inode, held; released on drop. Not `Send` (the raw-pointer marker): a
/// rwsem is released by the task that took it.
///
/// # Invariants
///
/// This task holds the inode's i_rwsem in `mode`; the inode is live for `'a`.
pub(crate) struct InodeLockGuard<'a> {
    inode: NonNull<bindings::inode>,
    mode: LockMode,
    _lock: PhantomData<(&'a bindings::inode, *mut ())>,
}

impl<'a> InodeLockGuard<'a> {
    /// # Safety
    ///
    /// This task just took `inode`'s i_rwsem in `mode`; the inode is live for `'a`.
    pub(super) unsafe fn taken(inode: NonNull<bindings::inode>, mode: LockMode) -> Self {
        // INVARIANT: per the contract.
        Self {
            inode,
            mode,
            _lock: PhantomData,
        }
    }
}

impl Drop for InodeLockGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: held by this task in `mode` (type invariant), released once.
        unsafe {
            match self.mode {
                LockMode::Shared => bindings::rnwk_inode_unlock_shared(self.inode.as_ptr()),
                LockMode::Exclusive => bindings::rnwk_inode_unlock(self.inode.as_ptr()),
            }
        }
    }
}

/// The invalidate lock of an inode's mapping, held exclusively; released on drop.
///
/// # Invariants
///
/// This task holds the lock (exclusively); the inode is live for `'a`.
pub(crate) struct InvalidateLockGuard<'a> {
    inode: NonNull<bindings::inode>,
    _lock: PhantomData<(&'a bindings::inode, *mut ())>,
}

impl<'a> InvalidateLockGuard<'a> {
    /// # Safety
    ///
    /// This task just took `inode`'s invalidate lock; the inode is live for `'a`.
    pub(super) unsafe fn taken(inode: NonNull<bindings::inode>) -> Self {
        // INVARIANT: per the contract.
        Self {
            inode,
            _lock: PhantomData,
        }
    }
}

impl Drop for InvalidateLockGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: held by this task (type invariant), released once.
        unsafe { bindings::rnwk_filemap_invalidate_unlock(self.inode.as_ptr()) }
    }
}
