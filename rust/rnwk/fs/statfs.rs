// SPDX-License-Identifier: GPL-2.0
//! statfs(2)'s answer: what a filesystem counts, written into the caller's `kstatfs`.

use super::SuperBlock;
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};

/// What a filesystem reports to statfs(2), in its blocks and inodes.
pub(crate) struct Statfs {
    /// The filesystem's magic number (`f_type`).
    pub(crate) magic: u32,
    pub(crate) blocks: u64,
    pub(crate) free_blocks: u64,
    /// Free blocks unprivileged users may allocate.
    pub(crate) available_blocks: u64,
    pub(crate) files: u64,
    pub(crate) free_files: u64,
    /// The longest name.
    pub(crate) name_len: u32,
}

/// The `kstatfs` a `->statfs` call fills, for the call.
///
/// # Invariants
///
/// `buf` points to the caller's zeroed `kstatfs`, writable for `'a` (made only from the
/// callback's argument).
#[repr(transparent)]
pub(crate) struct StatfsOut<'a> {
    buf: NonNull<bindings::kstatfs>,
    _object: PhantomData<&'a mut bindings::kstatfs>,
}

impl StatfsOut<'_> {
    /// Answers for a filesystem on the block device of `sb`: the block size is the super
    /// block's, the filesystem id the device number.
    pub(crate) fn fill(self, sb: SuperBlock<'_>, s: &Statfs) {
        // SAFETY: the super block is live (its type invariant).
        let fsid = unsafe { bindings::rnwk_sb_bdev_fsid(sb.as_ptr()) };
        // SAFETY: `buf` is the caller's, ours to write for the call (type invariant).
        let buf = unsafe { &mut *self.buf.as_ptr() };
        buf.f_type = s.magic as _;
        buf.f_bsize = sb.block_size() as _;
        buf.f_blocks = s.blocks;
        buf.f_bfree = s.free_blocks;
        buf.f_bavail = s.available_blocks;
        buf.f_files = s.files;
        buf.f_ffree = s.free_files;
        buf.f_namelen = s.name_len as _;
        buf.f_fsid = fsid;
    }
}

from_callback_arg!(StatfsOut, buf, bindings::kstatfs);
