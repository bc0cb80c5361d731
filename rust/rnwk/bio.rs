// SPDX-License-Identifier: GPL-2.0
//! Bios a filesystem is handed to submit.

use super::bindings;
use core::{marker::PhantomData, ptr::NonNull};

/// A bio built for the caller to submit (iomap's `->submit_io`): it may change the bio's
/// flags, then must submit it, which consumes the handle.
///
/// # Invariants
///
/// `bio` points to a fully built bio that is not submitted yet and is the holder's to
/// submit (made only from the `->submit_io` callback's argument, by the layer's callback).
#[repr(transparent)]
#[must_use = "a bio handed over for submission must be submitted"]
pub(crate) struct UnsubmittedBio<'a> {
    bio: NonNull<bindings::bio>,
    _object: PhantomData<&'a mut bindings::bio>,
}

impl UnsubmittedBio<'_> {
    /// # Safety
    ///
    /// `bio` is a fully built bio, not submitted, that the caller hands over to be
    /// submitted (iomap's `->submit_io` argument).
    pub(crate) unsafe fn from_raw(bio: *mut bindings::bio) -> Self {
        // INVARIANT: per the contract.
        Self {
            // SAFETY: per the contract, a valid (so non-null) pointer.
            bio: unsafe { NonNull::new_unchecked(bio) },
            _object: PhantomData,
        }
    }

    /// The bio's size in bytes.
    pub(crate) fn size(&self) -> u32 {
        // SAFETY: a built bio, not submitted (type invariant): nothing else changes it.
        unsafe { (*self.bio.as_ptr()).bi_iter.bi_size }
    }

    /// Whether the bio's device can refuse instead of blocking (`BLK_FEAT_NOWAIT`): only
    /// then does [`Self::set_nowait`] mean anything.
    pub(crate) fn device_supports_nowait(&self) -> bool {
        // SAFETY: a built bio has its device, live while I/O to it is being built.
        unsafe { bindings::rnwk_bdev_nowait((*self.bio.as_ptr()).bi_bdev) }
    }

    /// Marks the bio `REQ_NOWAIT`: a device that would block ends it with
    /// `BLK_STS_AGAIN` instead.
    pub(crate) fn set_nowait(&mut self) {
        // SAFETY: not submitted (type invariant): the holder may change its flags.
        unsafe { (*self.bio.as_ptr()).bi_opf |= bindings::REQ_NOWAIT };
    }

    /// Submits the bio; its completion goes where its builder said.
    pub(crate) fn submit(self) {
        // SAFETY: a built bio, not submitted, the holder's to submit (type invariant); the
        // handle is consumed, so it is submitted once.
        unsafe { bindings::submit_bio(self.bio.as_ptr()) }
    }
}
