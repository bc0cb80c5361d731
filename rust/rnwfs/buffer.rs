// SPDX-License-Identifier: GPL-2.0
//! Metadata blocks through the buffer cache: a held buffer, its 4 KiB of data, dirtying
//! and synchronous write-out. Released when dropped.

use crate::{
    ffi::{self, bindings},
    format::BLOCK_SIZE,
};
use kernel::prelude::*;

/// A referenced, uptodate buffer head of one filesystem block.
pub(crate) struct Buffer(*mut bindings::buffer_head);

// SAFETY: a buffer head reference may be used and dropped on any thread.
unsafe impl Send for Buffer {}
// SAFETY: shared access only reads the pointer; data access goes through the owner's lock.
unsafe impl Sync for Buffer {}

impl Buffer {
    /// Reads block `block` of `sb`'s filesystem.
    pub(crate) fn read(sb: *mut bindings::super_block, block: u64) -> Result<Self> {
        // SAFETY: `sb` is a live super block with its block size set.
        let bh = unsafe { ffi::rnwfs_bread(sb, block) };
        if bh.is_null() { Err(EIO) } else { Ok(Self(bh)) }
    }

    /// A zeroed (and dirty) buffer for a block just allocated: never read from disk.
    /// EIO if the buffer cache refuses the block (sb_getblk() retries allocations, but
    /// returns NULL for a block it cannot map on the device).
    pub(crate) fn new_zeroed(sb: *mut bindings::super_block, block: u64) -> Result<Self> {
        // SAFETY: as in `read`.
        let bh = unsafe { ffi::rnwfs_getblk_zeroed(sb, block) };
        if bh.is_null() { Err(EIO) } else { Ok(Self(bh)) }
    }

    pub(crate) fn data(&self) -> &[u8; BLOCK_SIZE] {
        // SAFETY: an uptodate buffer of a 4096-byte block; the reference keeps it mapped.
        unsafe { &*ffi::rnwfs_bh_data(self.0).cast::<[u8; BLOCK_SIZE]>() }
    }

    /// The block's data for editing; callers serialise edits with the owning lock.
    pub(crate) fn data_mut(&mut self) -> &mut [u8; BLOCK_SIZE] {
        // SAFETY: as in `data`; `&mut self` gives this holder exclusive use.
        unsafe { &mut *ffi::rnwfs_bh_data(self.0).cast::<[u8; BLOCK_SIZE]>() }
    }

    /// Edits the block with the buffer locked, then marks it dirty: for blocks that two
    /// writers may edit at once (an inode's slot, from VFS writeback and from unwritten
    /// conversion), and not while the block is being written out.
    pub(crate) fn edit<R>(&mut self, f: impl FnOnce(&mut [u8; BLOCK_SIZE]) -> R) -> R {
        // SAFETY: a referenced buffer head; unlocked below.
        unsafe { ffi::rnwfs_bh_lock(self.0) };
        let r = f(self.data_mut());
        // SAFETY: locked above by this holder.
        unsafe { ffi::rnwfs_bh_unlock(self.0) };
        self.mark_dirty();
        r
    }

    pub(crate) fn mark_dirty(&self) {
        // SAFETY: a referenced buffer head.
        unsafe { ffi::rnwfs_bh_dirty(self.0) }
    }

    /// Writes the buffer now if dirty and waits.
    pub(crate) fn sync(&self) -> Result {
        // SAFETY: a referenced buffer head.
        kernel::error::to_result(unsafe { ffi::rnwfs_bh_sync(self.0) })
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: we hold one reference, released once.
        unsafe { ffi::rnwfs_brelse(self.0) }
    }
}
