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

    /// Changes the block, then marks it dirty: the only way to change a metadata block.
    ///
    /// `f` runs with the buffer locked. Write-out locks the buffer for the whole I/O, so
    /// the change waits for a write in flight and no write starts half way through it (a
    /// torn inode slot or superblock fails its checksum at the next mount). The lock also
    /// makes `f`'s mutable view exclusive: two `Buffer`s of one block (two holders that
    /// read it) never change it at once.
    pub(crate) fn edit<R>(&mut self, f: impl FnOnce(&mut [u8; BLOCK_SIZE]) -> R) -> R {
        // SAFETY: a referenced buffer head; unlocked below.
        unsafe { ffi::rnwfs_bh_lock(self.0) };
        // SAFETY: as in `data`; the buffer lock, held until after `f`, excludes every other
        // writer of this block (all go through `edit`) and its write-out.
        let r = f(unsafe { &mut *ffi::rnwfs_bh_data(self.0).cast::<[u8; BLOCK_SIZE]>() });
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
