// SPDX-License-Identifier: GPL-2.0
//! `DentryRef`: a borrowed dentry.

use super::SuperBlock;
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};

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
    /// The super block of the dentry's filesystem, which outlives it.
    pub(crate) fn super_block(&self) -> SuperBlock<'a> {
        // SAFETY: the dentry is live for `'a` (type invariant); `d_sb` never changes and
        // the super block outlives its dentries.
        unsafe { SuperBlock::from_raw((*self.dentry.as_ptr()).d_sb) }
    }
}
