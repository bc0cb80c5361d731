// SPDX-License-Identifier: GPL-2.0
//! `OwnedInode`: a counted inode reference its holder gives back (`iput`) when dropped.

use super::InodeRef;
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};

/// A reference to an inode that this handle owns: the inode stays live while the handle
/// does, and the reference is dropped (`iput`) with it, unless it is handed to the VFS
/// ([`super::DentryRef::instantiate`], [`super::DentryRef::splice_alias`],
/// [`super::SuperBlock::set_root`]), which consumes the handle.
///
/// `'a` is the super block's: an inode reference must not outlive its super block.
///
/// # Invariants
///
/// `inode` points to an inode on which this handle holds one reference, dropped once:
/// either by `Drop` or by the VFS function a consuming method gives it to.
pub(crate) struct OwnedInode<'a> {
    inode: NonNull<bindings::inode>,
    _sb: PhantomData<&'a bindings::super_block>,
}

// SAFETY: a reference may be dropped by any task, as `InodeRef` may be used by any task.
unsafe impl Send for OwnedInode<'_> {}
// SAFETY: shared use goes through `InodeRef`, which is `Sync`.
unsafe impl Sync for OwnedInode<'_> {}

impl<'a> OwnedInode<'a> {
    /// # Safety
    ///
    /// `inode` points to an inode on which the caller holds a reference, which it gives to
    /// the new handle; its super block is live for `'a`.
    pub(super) unsafe fn from_raw(inode: NonNull<bindings::inode>) -> Self {
        // INVARIANT: per the contract, the handle now owns the reference.
        Self {
            inode,
            _sb: PhantomData,
        }
    }

    /// The inode, borrowed from the handle.
    pub(crate) fn get(&self) -> InodeRef<'_> {
        // SAFETY: the handle's reference keeps the inode live while it is borrowed (type
        // invariant).
        unsafe { InodeRef::from_raw(self.inode.as_ptr()) }
    }

    /// Gives the reference away: the caller hands it to a VFS function that consumes it.
    pub(super) fn into_raw(self) -> *mut bindings::inode {
        let inode = self.inode.as_ptr();
        core::mem::forget(self);
        inode
    }
}

impl Drop for OwnedInode<'_> {
    fn drop(&mut self) {
        // SAFETY: the handle's own reference, dropped once (type invariant). May sleep (the
        // last reference evicts), as any drop of an inode reference may.
        unsafe { bindings::iput(self.inode.as_ptr()) }
    }
}

impl<'a> InodeRef<'a> {
    /// One more reference to the inode (`igrab`), owned by the caller; `None` if the inode
    /// is being freed (`I_FREEING`, `I_WILL_FREE`), which must not get a new one. Process
    /// context only (`igrab` takes `i_lock`, which is not interrupt-safe: not in a bio's
    /// completion). An `InodeRef` may be of an inode nobody else holds a reference to (one
    /// under writeback, an ioend's): dropping the reference taken here is then the last
    /// `iput`, which may evict it and wait for that writeback, so do not take one there.
    pub(crate) fn hold(&self) -> Option<OwnedInode<'a>> {
        // SAFETY: a live inode (`InodeRef`'s invariant); `igrab` takes a reference unless
        // the inode is being freed, and returns it, or null.
        let inode = NonNull::new(unsafe { bindings::igrab(self.as_ptr()) })?;
        // SAFETY: the reference `igrab` took, given to the handle; the super block outlives
        // `'a`.
        Some(unsafe { OwnedInode::from_raw(inode) })
    }
}
