// SPDX-License-Identifier: GPL-2.0
//! `SuperBlock`: a borrowed super block.

use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::str::CStr;

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

// SAFETY: a super block is shared by every task using the filesystem; the handle only
// reads fields that are set before the filesystem is reachable.
unsafe impl Send for SuperBlock<'_> {}
// SAFETY: as above.
unsafe impl Sync for SuperBlock<'_> {}

impl<'a> SuperBlock<'a> {
    /// # Safety
    ///
    /// `sb` points to a super block that stays live for `'a`.
    pub(crate) unsafe fn from_raw(sb: *mut bindings::super_block) -> Self {
        // INVARIANT: per the contract (a live object is never at null).
        Self {
            sb: NonNull::from(
                // SAFETY: per the contract, `sb` points to a live super block.
                unsafe { &*sb },
            ),
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

    /// The largest file size (`s_maxbytes`), set at mount.
    pub(crate) fn max_bytes(&self) -> i64 {
        // SAFETY: the super block is live (type invariant).
        unsafe { (*self.sb.as_ptr()).s_maxbytes }
    }

    /// The raw pointer, for rnwfs code that still works on raw super blocks (vfs.rs, until
    /// its handles move here): it must not use it past `'a`.
    pub(crate) fn as_ptr(&self) -> *mut kernel::bindings::super_block {
        self.sb.as_ptr()
    }
}
