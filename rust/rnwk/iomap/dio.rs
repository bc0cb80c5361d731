// SPDX-License-Identifier: GPL-2.0
//! `DioIter`: the iteration of a direct I/O, as its `->submit_io` sees it.

use crate::rnwk::bindings;
use core::{ffi::c_void, marker::PhantomData, ptr::NonNull};

/// The `iomap_iter` of a direct I/O being submitted, for the call.
///
/// # Invariants
///
/// `iter` points to the live iteration of the direct I/O whose bio is being submitted, for
/// `'a` (made only from the `->submit_io` callback's argument, [`Self::from_raw`]).
#[repr(transparent)]
pub(crate) struct DioIter<'a> {
    iter: NonNull<bindings::iomap_iter>,
    _object: PhantomData<&'a bindings::iomap_iter>,
}

impl DioIter<'_> {
    /// # Safety
    ///
    /// `iter` is the live iteration of a direct I/O whose bio is being submitted, for `'a`.
    pub(super) unsafe fn from_raw(iter: *const bindings::iomap_iter) -> Self {
        // INVARIANT: per the contract.
        Self {
            // SAFETY: per the contract, a valid (so non-null) pointer. It stays `const` to
            // us: the handle only reads through it.
            iter: unsafe { NonNull::new_unchecked(iter.cast_mut()) },
            _object: PhantomData,
        }
    }

    /// Whether the I/O is a nowait one (`IOMAP_NOWAIT`).
    pub(crate) fn is_nowait(&self) -> bool {
        // SAFETY: a live iteration (type invariant); its flags do not change during the call.
        unsafe { (*self.iter.as_ptr()).flags & bindings::IOMAP_NOWAIT != 0 }
    }

    /// The `private` pointer given to `iomap_dio_rw` (null if none): typed by the tables'
    /// callbacks (`OperationsVTable`), which know what the layer's calls put there.
    pub(super) fn private(&self) -> *mut c_void {
        // SAFETY: a live iteration (type invariant).
        unsafe { (*self.iter.as_ptr()).private }
    }
}
