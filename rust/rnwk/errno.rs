// SPDX-License-Identifier: GPL-2.0
//! Results as C callbacks return them.

use kernel::{ffi::c_int, prelude::*};

/// An operation's outcome as the kernel's callbacks return it: 0 or -errno.
pub(crate) fn status(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
