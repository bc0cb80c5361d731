// SPDX-License-Identifier: GPL-2.0
//! The kernel's C operation tables as the layer builds them in Rust.

/// An all-zero operation table or `file_system_type`: every callback absent, every field 0.
///
/// # Safety
///
/// `T` is a kernel operation table or `file_system_type`: its fields are nullable
/// pointers, optional function pointers, integers and lock class keys, for all of which
/// zero is a valid value (the one a static C table has for what it leaves out).
pub(crate) const unsafe fn zeroed<T>() -> T {
    // SAFETY: per the contract, all-zero is a valid `T`.
    unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
}
