// SPDX-License-Identifier: GPL-2.0
//! `Buffer`: a metadata block through the buffer cache, changed only under its lock.

use super::SuperBlock;
use crate::rnwk::bindings;
use core::ptr::NonNull;
use kernel::prelude::*;

/// A referenced, uptodate buffer head of one `SIZE`-byte filesystem block; released on drop.
///
/// # Invariants
///
/// `bh` is a buffer head this value holds one reference on (given back once, by `drop`),
/// uptodate, of exactly `SIZE` bytes; its data stay mapped while it is referenced. Every
/// change of its data through a `Buffer` is made under the buffer lock ([`Buffer::edit`]).
pub(crate) struct Buffer<const SIZE: usize> {
    bh: NonNull<bindings::buffer_head>,
}

// SAFETY: a buffer head reference may be used and dropped on any thread.
unsafe impl<const SIZE: usize> Send for Buffer<SIZE> {}
// SAFETY: shared access only reads the data; changes take the buffer lock (`edit`).
unsafe impl<const SIZE: usize> Sync for Buffer<SIZE> {}

impl<const SIZE: usize> Buffer<SIZE> {
    /// Takes over the reference on `bh` (null: EIO, as the buffer cache's refusal);
    /// refuses (EIO) a buffer of another size, which the block size set at mount rules out.
    ///
    /// # Safety
    ///
    /// `bh` is null or a buffer head the caller holds a reference on and gives up,
    /// uptodate or about to be made so before any read of its data.
    unsafe fn take(bh: *mut bindings::buffer_head) -> Result<Self> {
        let bh = NonNull::new(bh).ok_or(EIO)?;
        // SAFETY: a referenced buffer head (the contract).
        if unsafe { bindings::rnwk_bh_size(bh.as_ptr()) } != SIZE {
            // SAFETY: the caller's reference, given back once.
            unsafe { bindings::rnwk_brelse(bh.as_ptr()) };
            return Err(EIO);
        }
        // INVARIANT: a referenced buffer of SIZE bytes, ours to release.
        Ok(Self { bh })
    }

    /// Reads block `block` of `sb`'s device (in `sb`'s block size).
    pub(crate) fn read(sb: SuperBlock<'_>, block: u64) -> Result<Self> {
        // SAFETY: a live super block; sb_bread returns a referenced, uptodate buffer or
        // null (I/O error).
        unsafe { Self::take(bindings::rnwk_sb_bread(sb.as_ptr(), block)) }
    }

    /// A zeroed, uptodate and dirty buffer for a block just allocated: never read from disk.
    /// EIO if the buffer cache refuses the block (sb_getblk() retries allocations, but
    /// returns NULL for a block it cannot map on the device).
    pub(crate) fn new_zeroed(sb: SuperBlock<'_>, block: u64) -> Result<Self> {
        // SAFETY: a live super block; sb_getblk returns a referenced buffer or null. Its
        // data are made uptodate below, before anything reads them.
        let mut buf = unsafe { Self::take(bindings::rnwk_sb_getblk(sb.as_ptr(), block))? };
        buf.edit_raw(|data| data.fill(0), true);
        Ok(buf)
    }

    fn data_ptr(&self) -> *mut [u8; SIZE] {
        // SAFETY: a referenced buffer head (type invariant); its data are SIZE bytes.
        unsafe { bindings::rnwk_bh_data(self.bh.as_ptr()).cast() }
    }

    /// The block's data.
    pub(crate) fn data(&self) -> &[u8; SIZE] {
        // SAFETY: an uptodate buffer of SIZE bytes, mapped while referenced (type
        // invariant); changes are made under the buffer lock, by `edit` on `&mut self` of
        // this or another holder, which a reader of the block's other copy may race with as
        // the buffer cache allows any reader to (a torn read of a metadata block is caught
        // by its checksum, never a memory error: the bytes are plain data).
        unsafe { &*self.data_ptr() }
    }

    /// Changes the block, then marks it dirty: the only way to change a metadata block.
    ///
    /// `f` runs with the buffer locked. Write-out locks the buffer for the whole I/O, so
    /// the change waits for a write in flight and no write starts half way through it (a
    /// torn inode slot or superblock fails its checksum at the next mount). The lock also
    /// makes `f`'s mutable view exclusive: two `Buffer`s of one block (two holders that
    /// read it) never change it at once.
    pub(crate) fn edit<R>(&mut self, f: impl FnOnce(&mut [u8; SIZE]) -> R) -> R {
        self.edit_raw(f, false)
    }

    /// `edit`, marking the buffer uptodate first if `fresh` (a new block's first contents).
    fn edit_raw<R>(&mut self, f: impl FnOnce(&mut [u8; SIZE]) -> R, fresh: bool) -> R {
        // SAFETY: a referenced buffer head (type invariant); unlocked below.
        unsafe { bindings::rnwk_lock_buffer(self.bh.as_ptr()) };
        // SAFETY: SIZE bytes, mapped (type invariant); the buffer lock, held until after
        // `f`, excludes every other writer of this block (all go through `edit`) and its
        // write-out.
        let r = f(unsafe { &mut *self.data_ptr() });
        // SAFETY: locked above by this holder.
        unsafe {
            if fresh {
                bindings::rnwk_set_buffer_uptodate(self.bh.as_ptr());
            }
            bindings::rnwk_unlock_buffer(self.bh.as_ptr());
        }
        self.mark_dirty();
        r
    }

    /// Marks the buffer dirty: writeback (or [`Self::sync`]) writes it.
    pub(crate) fn mark_dirty(&self) {
        // SAFETY: a referenced buffer head (type invariant).
        unsafe { bindings::rnwk_mark_buffer_dirty(self.bh.as_ptr()) }
    }

    /// Writes the buffer now if dirty and waits.
    pub(crate) fn sync(&self) -> Result {
        // SAFETY: a referenced buffer head (type invariant).
        kernel::error::to_result(unsafe { bindings::rnwk_sync_dirty_buffer(self.bh.as_ptr()) })
    }
}

impl<const SIZE: usize> Drop for Buffer<SIZE> {
    fn drop(&mut self) {
        // SAFETY: the reference this value holds (type invariant), given back once.
        unsafe { bindings::rnwk_brelse(self.bh.as_ptr()) }
    }
}
