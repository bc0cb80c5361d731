// SPDX-License-Identifier: GPL-2.0
//! The wall clock.

use crate::rnwk::bindings;

/// Seconds since the epoch, now (`ktime_get_real_seconds`). Any context.
pub(crate) fn real_seconds() -> i64 {
    // SAFETY: reads the clock; callable from any context.
    unsafe { bindings::ktime_get_real_seconds() }
}
