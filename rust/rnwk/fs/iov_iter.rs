// SPDX-License-Identifier: GPL-2.0
//! `IovIter`: the caller's data of a read or write.

use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};

/// The `iov_iter` of a read or write, for the call.
///
/// # Invariants
///
/// `iter` points to the live iterator of the read or write in progress, the callee's to
/// advance for `'a` (made only from a callback's argument).
#[repr(transparent)]
pub(crate) struct IovIter<'a> {
    iter: NonNull<bindings::iov_iter>,
    _object: PhantomData<&'a mut bindings::iov_iter>,
}

impl IovIter<'_> {
    /// The bytes left to copy.
    pub(crate) fn count(&self) -> usize {
        // SAFETY: a live iterator (type invariant).
        unsafe { bindings::rnwk_iov_iter_count(self.iter.as_ptr()) }
    }

    /// The raw pointer, for rnwfs' C (its iomap calls, the writethrough engine) and the
    /// kiocb methods here: valid for the call.
    pub(crate) fn as_ptr(&mut self) -> *mut kernel::bindings::iov_iter {
        self.iter.as_ptr()
    }
}
from_callback_arg!(IovIter, iter, bindings::iov_iter);
