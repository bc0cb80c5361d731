// SPDX-License-Identifier: GPL-2.0
//! Results as C callbacks return them, and the errors 6.12's `kernel::error::code` lacks.

use kernel::{ffi::c_int, prelude::*};

/// An operation's outcome as the kernel's callbacks return it: 0 or -errno.
pub(crate) fn status(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// ENAMETOOLONG (6.12's `kernel::error::code` does not declare it, nor the errors below).
pub(crate) fn name_too_long() -> Error {
    Error::from_errno(-(crate::rnwk::bindings::ENAMETOOLONG as i32))
}

/// ENOTEMPTY: a directory that still has entries.
pub(crate) fn not_empty() -> Error {
    Error::from_errno(-(crate::rnwk::bindings::ENOTEMPTY as i32))
}

/// EUCLEAN (EFSCORRUPTED): what a filesystem returns for metadata that fails validation.
pub(crate) fn corrupted() -> Error {
    Error::from_errno(-(crate::rnwk::bindings::EUCLEAN as i32))
}

/// EOPNOTSUPP: an operation (a mode of it) the filesystem does not implement.
pub(crate) fn not_supported() -> Error {
    Error::from_errno(-(crate::rnwk::bindings::EOPNOTSUPP as i32))
}
