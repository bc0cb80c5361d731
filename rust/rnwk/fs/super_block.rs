// SPDX-License-Identifier: GPL-2.0
//! `SuperBlock`: a borrowed super block.

use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{prelude::*, str::CStr};

/// A super block, live for `'a`.
///
/// # Invariants
///
/// `sb` points to a super block that stays live for `'a` (made only from a callback's
/// argument or from a live inode, see the module documentation of [`crate::rnwk::fs`]).
#[repr(transparent)]
#[derive(Clone, Copy)]
pub(crate) struct SuperBlock<'a> {
    sb: NonNull<bindings::super_block>,
    _object: PhantomData<&'a bindings::super_block>,
}

// SAFETY: a super block is shared by every task using the filesystem. The handle's methods
// read fields set before the filesystem is reachable, or call kernel functions that
// synchronise themselves (the block size is set only while the super block is being set
// up, when nothing else reaches it).
unsafe impl Send for SuperBlock<'_> {}
// SAFETY: as above.
unsafe impl Sync for SuperBlock<'_> {}

impl<'a> SuperBlock<'a> {
    /// # Safety
    ///
    /// `sb` points to a super block that stays live for `'a`.
    pub(crate) unsafe fn from_raw(sb: *mut bindings::super_block) -> Self {
        // INVARIANT: per the contract.
        Self {
            // SAFETY: per the contract, `sb` points to a live super block, never at null.
            sb: unsafe { NonNull::new_unchecked(sb) },
            _object: PhantomData,
        }
    }

    /// The device's name (`s_id`, e.g. `rnwblk0`), set before the filesystem is set up.
    pub(crate) fn id(&self) -> &'a CStr {
        // SAFETY: the super block is live for `'a` (type invariant); `s_id` is a
        // NUL-terminated array that does not change once the super block is set up.
        unsafe { CStr::from_char_ptr((*self.sb.as_ptr()).s_id.as_ptr()) }
    }

    /// The filesystem's block size in bytes.
    pub(crate) fn block_size(&self) -> u64 {
        // SAFETY: the super block is live (type invariant); set at mount, then fixed.
        unsafe { (*self.sb.as_ptr()).s_blocksize as u64 }
    }

    /// The filesystem's block device (set before the filesystem is set up, held open for
    /// as long as the super block).
    pub(in crate::rnwk) fn bdev(&self) -> *mut bindings::block_device {
        // SAFETY: the super block is live (type invariant).
        unsafe { (*self.sb.as_ptr()).s_bdev }
    }

    /// The size of the filesystem's device, in bytes.
    pub(crate) fn device_bytes(&self) -> u64 {
        // SAFETY: the device of a live super block (`bdev`).
        unsafe { bindings::rnwk_bdev_nr_bytes(self.bdev()) }
    }

    /// Forgets the buffer-cache copies of blocks [block, block + len) (in the filesystem's
    /// block size): they are about to hold file data, written with bios.
    pub(crate) fn forget_block_aliases(&self, block: u64, len: u64) {
        // SAFETY: the device of a live super block (`bdev`).
        unsafe { bindings::rnwk_clean_bdev_aliases(self.bdev(), block, len) }
    }

    /// Writes zeros to blocks [block, block + len) (in the filesystem's block size) and
    /// waits. Sleeps. EINVAL for a range past what sectors can address.
    pub(crate) fn zero_blocks(&self, block: u64, len: u64) -> Result {
        let sectors_per_block = self.block_size() >> bindings::SECTOR_SHIFT;
        let sector = block.checked_mul(sectors_per_block).ok_or(EINVAL)?;
        let sectors = len.checked_mul(sectors_per_block).ok_or(EINVAL)?;
        // SAFETY: the device of a live super block (`bdev`).
        kernel::error::to_result(unsafe {
            bindings::rnwk_blkdev_zeroout_nofs(self.bdev(), sector, sectors)
        })
    }

    /// Writes the device's dirty buffers (the filesystem's metadata) and waits, then
    /// flushes the device's volatile cache. Sleeps.
    pub(crate) fn sync_device(&self) -> Result {
        // SAFETY: the device of a live super block (`bdev`).
        kernel::error::to_result(unsafe { bindings::sync_blockdev(self.bdev()) })?;
        // SAFETY: as above.
        kernel::error::to_result(unsafe { bindings::blkdev_issue_flush(self.bdev()) })
    }

    /// Sets the filesystem's block size (`sb_set_blocksize`), while the super block is being
    /// set up, before any buffer is read; false if the device's logical block size is
    /// larger.
    pub(crate) fn set_block_size(&self, size: u32) -> bool {
        let Ok(size) = i32::try_from(size) else {
            return false;
        };
        // SAFETY: a live super block (type invariant).
        unsafe { bindings::sb_set_blocksize(self.sb.as_ptr(), size) != 0 }
    }

    /// Whether the super block has its `dio_done` workqueue (made once, kept until it goes).
    pub(crate) fn has_dio_done_wq(&self) -> bool {
        // SAFETY: a live super block (type invariant); the pointer is set once, racily read
        // as the VFS reads it (`sb_init_dio_done_wq` publishes it with cmpxchg).
        unsafe { !(*self.sb.as_ptr()).s_dio_done_wq.is_null() }
    }

    /// Makes sure the super block has its `dio_done` workqueue (where the completions of
    /// async direct I/O that need process context run), creating it if not. Sleeps.
    pub(crate) fn ensure_dio_done_wq(&self) -> Result {
        // SAFETY: a live super block (type invariant); `sb_init_dio_done_wq` copes with a
        // racing creator (it keeps the first).
        unsafe {
            if !(*self.sb.as_ptr()).s_dio_done_wq.is_null() {
                return Ok(());
            }
            kernel::error::to_result(bindings::sb_init_dio_done_wq(self.sb.as_ptr()))
        }
    }

    /// The filesystem info `F` gave the super block ([`super::NewSuperBlock::set_info`]):
    /// `None` before it was given, or if the super block is not `F`'s.
    pub(crate) fn fs_info<F: super::FileSystem>(&self) -> Option<&'a F::SbInfo> {
        if !super::fs_type::owns::<F>(*self) {
            return None;
        }
        // SAFETY: `F`'s super block, whose `s_fs_info` is null or the `KBox<F::SbInfo>`
        // `set_info::<F>` gave it, freed only by `kill_sb::<F>` once the VFS is done with
        // the super block, so after `'a` (the super block is live for `'a`).
        unsafe {
            let info = (*self.sb.as_ptr()).s_fs_info.cast::<F::SbInfo>();
            info.as_ref()
        }
    }

    /// The largest file size (`s_maxbytes`), set at mount.
    pub(crate) fn max_bytes(&self) -> i64 {
        // SAFETY: the super block is live (type invariant).
        unsafe { (*self.sb.as_ptr()).s_maxbytes }
    }

    /// The raw pointer, for the layer's own calls: not to be used past `'a`.
    pub(in crate::rnwk) fn as_ptr(&self) -> *mut kernel::bindings::super_block {
        self.sb.as_ptr()
    }
}
