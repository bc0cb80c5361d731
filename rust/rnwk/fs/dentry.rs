// SPDX-License-Identifier: GPL-2.0
//! `DentryRef`: a borrowed dentry.

use super::{InodeRef, OwnedInode, SuperBlock};
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::prelude::*;

/// A dentry, live for `'a`.
///
/// # Invariants
///
/// `dentry` points to a dentry that stays live for `'a` (made only from a callback's
/// argument).
#[repr(transparent)]
pub(crate) struct DentryRef<'a> {
    dentry: NonNull<bindings::dentry>,
    _object: PhantomData<&'a bindings::dentry>,
}

impl<'a> DentryRef<'a> {
    /// The dentry's inode, if it is positive (the VFS keeps it for the call).
    pub(crate) fn inode(&self) -> Option<InodeRef<'a>> {
        // SAFETY: the dentry is live for `'a` (type invariant); the operations this handle
        // is given to hold the parent's or the inode's i_rwsem, so `d_inode` does not change
        // and its inode stays.
        unsafe {
            let inode = (*self.dentry.as_ptr()).d_inode;
            (!inode.is_null()).then(|| InodeRef::from_raw(inode))
        }
    }

    /// The dentry's name. Stable for `'a`: the namespace operations this handle is given to
    /// hold the parent directory's i_rwsem, which keeps the name from changing.
    pub(crate) fn name(&self) -> &'a [u8] {
        let mut len = 0u32;
        // SAFETY: the dentry is live for `'a` (type invariant) and its name does not change
        // (above); the name is `len` readable bytes.
        unsafe {
            let name = bindings::rnwk_dentry_name(self.dentry.as_ptr(), &mut len);
            core::slice::from_raw_parts(name, len as usize)
        }
    }

    pub(super) fn as_ptr(&self) -> *mut bindings::dentry {
        self.dentry.as_ptr()
    }

    /// The super block of the dentry's filesystem, which outlives it.
    pub(crate) fn super_block(&self) -> SuperBlock<'a> {
        // SAFETY: the dentry is live for `'a` (type invariant); `d_sb` never changes and
        // the super block outlives its dentries.
        unsafe { SuperBlock::from_raw((*self.dentry.as_ptr()).d_sb) }
    }

    /// `->lookup`'s answer for this dentry: `inode` (whose reference the dentry, or an alias
    /// of it, takes) or, for `None`, a negative dentry (`d_splice_alias`). The lookup
    /// trampoline's only: `d_splice_alias` wants the unhashed dentry of the lookup.
    pub(super) fn splice_alias(&self, inode: Option<OwnedInode<'_>>) -> LookupResult {
        let inode = inode.map_or(core::ptr::null_mut(), OwnedInode::into_raw);
        // INVARIANT: what `d_splice_alias` returns.
        // SAFETY: the dentry of a `->lookup` call (type invariant); the reference, if any, is
        // given to it (`d_splice_alias` consumes it also on failure).
        LookupResult(unsafe { bindings::d_splice_alias(inode, self.as_ptr()) })
    }
}

/// `->lookup`'s answer: null (the caller's dentry was used), another dentry (an alias), or
/// an error pointer.
///
/// # Invariants
///
/// Made only by [`DentryRef::splice_alias`] or from an error.
#[repr(transparent)]
#[must_use = "an alias dentry carries a reference the VFS must get"]
pub(crate) struct LookupResult(*mut bindings::dentry);

impl LookupResult {
    pub(super) fn into_raw(self) -> *mut bindings::dentry {
        self.0
    }
}

impl From<Error> for LookupResult {
    fn from(e: Error) -> Self {
        // INVARIANT: an error pointer.
        Self(e.to_ptr())
    }
}

from_callback_arg!(DentryRef, dentry, bindings::dentry);

/// The negative dentry a `->create`, `->mkdir`, `->symlink` or `->link` call is to make
/// positive, for the call: the layer's trampolines check it is negative before the
/// filesystem runs, so naming an inode with it ([`NewInode::instantiate`](super::NewInode::instantiate),
/// [`Self::instantiate`]) cannot fail after the filesystem changed anything.
///
/// # Invariants
///
/// `dentry` is negative, and is the dentry of the call in progress, whose parent's i_rwsem
/// the VFS holds exclusively, so it stays negative until the filesystem instantiates it.
pub(crate) struct NegativeDentry<'a> {
    dentry: DentryRef<'a>,
}

impl<'a> NegativeDentry<'a> {
    /// The dentry of a namespace call that creates a name, if negative (EEXIST otherwise:
    /// the VFS passes a negative one).
    pub(super) fn of(dentry: DentryRef<'a>) -> Result<Self> {
        if dentry.inode().is_some() {
            return Err(EEXIST);
        }
        // INVARIANT: negative, the call's dentry (the trampolines make it from theirs).
        Ok(Self { dentry })
    }

    /// The dentry.
    pub(crate) fn get(&self) -> &DentryRef<'a> {
        &self.dentry
    }

    pub(super) fn as_ptr(&self) -> *mut bindings::dentry {
        self.dentry.as_ptr()
    }

    /// Names `inode` (an existing inode getting one more link, `->link`): the dentry takes
    /// the reference (`d_instantiate`). The caller has added the link to the inode and its
    /// directory.
    pub(crate) fn instantiate(self, inode: OwnedInode<'_>) {
        // SAFETY: a negative dentry of the call (type invariant); the reference is given to
        // it.
        unsafe { bindings::d_instantiate(self.as_ptr(), inode.into_raw()) }
    }
}
