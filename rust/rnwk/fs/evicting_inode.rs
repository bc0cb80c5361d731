// SPDX-License-Identifier: GPL-2.0
//! `EvictingInode`: an inode in `->evict_inode`, whose last reference is gone.

use super::InodeRef;
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};

/// An inode being evicted, for the `->evict_inode` call: nobody else can reach it.
///
/// The VFS wants its page cache dropped (`truncate_inode_pages_final`) and the inode cleared
/// (`clear_inode`) exactly once each, in that order: [`Self::drop_page_cache`] takes
/// `&mut self`, [`Self::clear`] consumes the handle.
///
/// # Invariants
///
/// `inode` points to an inode being evicted, for `'a` (made only from the `->evict_inode`
/// callback's argument); it is cleared by `clear` only.
#[repr(transparent)]
#[must_use = "an evicted inode must be cleared"]
pub(crate) struct EvictingInode<'a> {
    inode: NonNull<bindings::inode>,
    _object: PhantomData<&'a mut bindings::inode>,
}

impl<'a> EvictingInode<'a> {
    /// The inode.
    pub(crate) fn inode(&self) -> InodeRef<'_> {
        // SAFETY: live for the call (type invariant).
        unsafe { InodeRef::from_raw(self.inode.as_ptr()) }
    }

    /// Drops its page cache for good (`truncate_inode_pages_final`). Sleeps.
    pub(crate) fn drop_page_cache(&mut self) {
        // SAFETY: an inode being evicted (type invariant): its mapping is its own `i_data`.
        unsafe {
            bindings::truncate_inode_pages_final(core::ptr::addr_of_mut!(
                (*self.inode.as_ptr()).i_data
            ))
        }
    }

    /// Whether the inode was unlinked (no link left) and is not a bad inode (one that
    /// failed to load): then its blocks are the filesystem's to free.
    pub(crate) fn is_unlinked(&self) -> bool {
        // SAFETY: live for the call (type invariant); nothing changes i_nlink any more.
        let nlink = unsafe { (*self.inode.as_ptr()).__bindgen_anon_1.i_nlink };
        // SAFETY: as above.
        nlink == 0 && !unsafe { bindings::is_bad_inode(self.inode.as_ptr()) }
    }

    /// Ends the eviction (`clear_inode`): the VFS frees the inode after this.
    pub(crate) fn clear(self) {
        // SAFETY: an inode being evicted, cleared once: the handle is consumed.
        unsafe { bindings::clear_inode(self.inode.as_ptr()) }
    }
}

from_callback_arg!(EvictingInode, inode, bindings::inode);
