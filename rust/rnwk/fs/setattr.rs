// SPDX-License-Identifier: GPL-2.0
//! An attribute change in progress (`->setattr`): the mount's idmapping ([`MntIdmap`]) and
//! the change ([`Iattr`]).

use super::{DentryRef, InodeRef};
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::prelude::*;

/// The idmapping of the mount an operation goes through, for the call.
///
/// # Invariants
///
/// `idmap` points to the mount's live idmapping for `'a` (made only from a callback's
/// argument).
#[repr(transparent)]
pub(crate) struct MntIdmap<'a> {
    idmap: NonNull<bindings::mnt_idmap>,
    _object: PhantomData<&'a bindings::mnt_idmap>,
}

/// The attribute change of a `->setattr` call, for the call.
///
/// # Invariants
///
/// `attr` points to the caller's live `iattr` for `'a` (made only from the callback's
/// argument).
#[repr(transparent)]
pub(crate) struct Iattr<'a> {
    attr: NonNull<bindings::iattr>,
    _object: PhantomData<&'a mut bindings::iattr>,
}

impl MntIdmap<'_> {
    pub(super) fn as_ptr(&self) -> *mut bindings::mnt_idmap {
        self.idmap.as_ptr()
    }
}

impl Iattr<'_> {
    /// The new size, if the change sets one (`ATTR_SIZE`). A negative one (which
    /// [`Self::prepare`] refuses) reads as `u64::MAX`.
    pub(crate) fn new_size(&self) -> Option<u64> {
        // SAFETY: a live iattr (type invariant); `ia_size` is the field `ATTR_SIZE` says is
        // set.
        unsafe {
            let attr = self.attr.as_ptr();
            ((*attr).ia_valid & bindings::RNWK_ATTR_SIZE != 0)
                .then(|| u64::try_from((*attr).ia_size).unwrap_or(u64::MAX))
        }
    }

    /// `setattr_prepare`: whether the caller may make the change to `dentry`'s inode
    /// (permissions, limits, a size the filesystem can hold), through `idmap`.
    pub(crate) fn prepare(&self, idmap: &MntIdmap<'_>, dentry: &DentryRef<'_>) -> Result {
        // SAFETY: live objects of this call (the type invariants).
        kernel::error::to_result(unsafe {
            bindings::setattr_prepare(idmap.idmap.as_ptr(), dentry.as_ptr(), self.attr.as_ptr())
        })
    }

    /// `setattr_copy`: makes the change's other attributes (mode, owners, times) the
    /// inode's, in memory. The caller holds i_rwsem, as `->setattr`'s caller does.
    pub(crate) fn copy_to(&self, idmap: &MntIdmap<'_>, inode: InodeRef<'_>) {
        // SAFETY: live objects of this call (the type invariants).
        unsafe { bindings::setattr_copy(idmap.idmap.as_ptr(), inode.as_ptr(), self.attr.as_ptr()) }
    }
}

from_callback_arg!(MntIdmap, idmap, bindings::mnt_idmap);
from_callback_arg!(Iattr, attr, bindings::iattr);
