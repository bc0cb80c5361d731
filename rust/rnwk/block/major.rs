// SPDX-License-Identifier: GPL-2.0
//! A dynamically allocated block major, released on drop.

use crate::rnwk::bindings;
use kernel::{error::to_result, prelude::*, str::CStr};

/// A registered block major number.
///
/// # Invariants
///
/// `number` was registered under `name` by `register_blkdev` and is unregistered only in
/// `drop`.
pub(crate) struct Major {
    number: u32,
    name: &'static CStr,
}

impl Major {
    /// Registers a new major named `name` (shown in /proc/devices). May sleep.
    pub(crate) fn register(name: &'static CStr) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated and static, as register_blkdev keeps the pointer.
        let ret = unsafe { bindings::rnwk_register_blkdev(name.as_char_ptr()) };
        to_result(ret.min(0))?;
        // INVARIANT: a positive return is the major just registered under `name`.
        Ok(Self {
            number: ret as u32,
            name,
        })
    }

    pub(crate) fn number(&self) -> u32 {
        self.number
    }
}

impl Drop for Major {
    fn drop(&mut self) {
        // SAFETY: by the type invariant, registered under this name and not yet released.
        unsafe { bindings::unregister_blkdev(self.number, self.name.as_char_ptr()) };
    }
}
