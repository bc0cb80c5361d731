// SPDX-License-Identifier: GPL-2.0
//! `NewSuperBlock`: a super block being set up by `fill_super`.

use super::{fs_type, FileSystem, OwnedInode, SuperBlock};
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::prelude::*;

/// A super block being set up, for the `fill_super` call: what only setting up may do
/// (give it its root) is here; the rest is the [`SuperBlock`] it also is.
///
/// # Invariants
///
/// `sb` points to a super block being set up by this `fill_super` call, live for `'a`
/// (made only from the callback's argument): no other task reaches it yet.
#[repr(transparent)]
pub(crate) struct NewSuperBlock<'a> {
    sb: NonNull<bindings::super_block>,
    _object: PhantomData<&'a mut bindings::super_block>,
}

impl<'a> NewSuperBlock<'a> {
    /// The super block.
    pub(crate) fn get(&self) -> SuperBlock<'a> {
        // SAFETY: live for `'a` (type invariant).
        unsafe { SuperBlock::from_raw(self.sb.as_ptr()) }
    }

    /// Makes `root` the root of the filesystem (`d_make_root`, which takes the reference
    /// also when it fails: ENOMEM). Once only: EBUSY if the super block has a root.
    pub(crate) fn set_root(&self, root: OwnedInode<'_>) -> Result {
        if self.has_root() {
            return Err(EBUSY);
        }
        // SAFETY: `d_make_root` consumes the reference `root` owns.
        let dentry = unsafe { bindings::d_make_root(root.into_raw()) };
        if dentry.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: a super block only this call reaches (type invariant).
        unsafe { (*self.sb.as_ptr()).s_root = dentry };
        Ok(())
    }

    /// Gives the super block its filesystem info (`s_fs_info`; [`SuperBlock::fs_info`]
    /// returns it). Once only (EBUSY), and only for `F`'s own super block (EINVAL). The
    /// layer drops it once the VFS is done with the super block, also if the mount fails.
    pub(crate) fn set_info<F: FileSystem>(&self, info: KBox<F::SbInfo>) -> Result {
        if !fs_type::owns::<F>(self.get()) {
            return Err(EINVAL);
        }
        // SAFETY: a super block only this call reaches (type invariant). INVARIANT (of
        // `SuperBlock::fs_info`): `s_fs_info` of `F`'s super block is set only here, to a
        // `KBox<F::SbInfo>`, freed only by `kill_sb::<F>`.
        unsafe {
            if !(*self.sb.as_ptr()).s_fs_info.is_null() {
                return Err(EBUSY);
            }
            (*self.sb.as_ptr()).s_fs_info = KBox::into_raw(info).cast();
        }
        Ok(())
    }

    /// Sets the magic number statfs reports.
    pub(crate) fn set_magic(&self, magic: u64) {
        // SAFETY: a super block only this call reaches (type invariant).
        unsafe { (*self.sb.as_ptr()).s_magic = magic as _ };
    }

    /// Sets the most hard links an inode may have (`link(2)` refuses more: EMLINK).
    pub(crate) fn set_max_links(&self, max: u32) {
        // SAFETY: a super block only this call reaches (type invariant).
        unsafe { (*self.sb.as_ptr()).s_max_links = max };
    }

    /// Makes the mount read-only (`SB_RDONLY`), whatever the mount asked for.
    pub(crate) fn set_read_only(&self) {
        // SAFETY: a super block only this call reaches (type invariant).
        unsafe { (*self.sb.as_ptr()).s_flags |= bindings::RNWK_SB_RDONLY as kernel::ffi::c_ulong };
    }

    /// Whether [`Self::set_root`] succeeded: the VFS then tears the super block down
    /// through `->put_super` if the setup fails later, and not otherwise.
    pub(crate) fn has_root(&self) -> bool {
        // SAFETY: a super block only this call reaches (type invariant).
        unsafe { !(*self.sb.as_ptr()).s_root.is_null() }
    }
}

from_callback_arg!(NewSuperBlock, sb, bindings::super_block);
