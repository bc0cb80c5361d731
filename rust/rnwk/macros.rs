// SPDX-License-Identifier: GPL-2.0
//! The layer's macros (`#[macro_use]`: each module's list of layer parts names this first).

/// Gives a handle made only from a callback's argument the constructor the layer's
/// operation tables use: `from_raw`, for their trampolines (`fs`, `iomap`).
#[allow(unused_macros)] // rnwblk has no such handle
macro_rules! from_callback_arg {
    ($handle:ident, $field:ident, $raw:ty) => {
        impl<'a> $handle<'a> {
            /// # Safety
            ///
            /// `raw` is the argument of a callback that gives the guarantees of this handle's
            /// `# Invariants` for `'a`.
            pub(in crate::rnwk) unsafe fn from_raw(raw: *mut $raw) -> Self {
                Self {
                    // SAFETY: per the contract, a callback's argument, never null.
                    $field: unsafe { core::ptr::NonNull::new_unchecked(raw) },
                    _object: core::marker::PhantomData,
                }
            }
        }
    };
}
