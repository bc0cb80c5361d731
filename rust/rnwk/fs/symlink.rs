// SPDX-License-Identifier: GPL-2.0
//! Symlink bodies: the target `->symlink` is given ([`SymlinkTarget`]), and the body
//! `->get_link` hands back ([`DelayedCall`], [`LinkBody`]).

use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::ffi::c_char;
use kernel::prelude::*;

/// The target of a symlink being created, for the `->symlink` call.
///
/// # Invariants
///
/// `target` points to a NUL-terminated string live for `'a` (made only from the callback's
/// argument).
#[repr(transparent)]
pub(crate) struct SymlinkTarget<'a> {
    target: NonNull<c_char>,
    _object: PhantomData<&'a [u8]>,
}

impl<'a> SymlinkTarget<'a> {
    /// The target's bytes, without the NUL.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        // SAFETY: a NUL-terminated string live for `'a` (type invariant).
        unsafe { core::ffi::CStr::from_ptr(self.target.as_ptr().cast()) }.to_bytes()
    }
}

/// What a path walk runs when it is done with a symlink body, for the `->get_link` call.
///
/// # Invariants
///
/// `done` points to the walk's live `delayed_call` for `'a` (made only from the callback's
/// argument), not yet set.
#[repr(transparent)]
pub(crate) struct DelayedCall<'a> {
    done: NonNull<bindings::delayed_call>,
    _object: PhantomData<&'a mut bindings::delayed_call>,
}

/// `->get_link`'s answer: a symlink body the walk frees, or an error.
///
/// # Invariants
///
/// `body` is an error pointer, or a NUL-terminated kmalloc'ed string that the walk's
/// delayed call frees.
#[repr(transparent)]
#[must_use = "a symlink body is the walk's to free"]
pub(crate) struct LinkBody {
    body: *const c_char,
}

impl DelayedCall<'_> {
    /// Hands `body` (without a NUL: one is added) to the walk, which frees it when done.
    pub(crate) fn give(self, mut body: KVec<u8>) -> LinkBody {
        if let Err(e) = body.push(0, GFP_KERNEL) {
            return LinkBody::from(Error::from(e));
        }
        let (body, _, _) = body.into_raw_parts();
        // SAFETY: the walk's delayed call, set once (`self` is consumed); `body` is a
        // kmalloc'ed allocation (KVec's allocator) that `kfree_link` frees.
        unsafe { bindings::rnwk_set_delayed_call_kfree_link(self.done.as_ptr(), body.cast()) };
        // INVARIANT: NUL-terminated (above), freed by the delayed call.
        LinkBody { body: body.cast() }
    }
}

impl LinkBody {
    pub(super) fn into_raw(self) -> *const c_char {
        self.body
    }
}

impl From<Error> for LinkBody {
    fn from(e: Error) -> Self {
        // INVARIANT: an error pointer.
        Self {
            body: e.to_ptr::<c_char>().cast_const(),
        }
    }
}

from_callback_arg!(DelayedCall, done, bindings::delayed_call);
from_callback_arg!(SymlinkTarget, target, c_char);
