// SPDX-License-Identifier: GPL-2.0
//! The driver's dynamically allocated block major, released on drop.

use kernel::{error::to_result, prelude::*, str::CStr};

extern "C" {
    // rnwblk_helpers.c: register_blkdev()/unregister_blkdev() are macros in 6.12.
    fn rnwblk_register_major(name: *const u8) -> i32;
    fn rnwblk_unregister_major(major: u32, name: *const u8);
}

pub(crate) struct Major {
    number: u32,
    name: &'static CStr,
}

impl Major {
    pub(crate) fn register(name: &'static CStr) -> Result<Self> {
        // SAFETY: `name` is a NUL-terminated static string, as register_blkdev keeps it.
        let ret = unsafe { rnwblk_register_major(name.as_char_ptr()) };
        to_result(ret.min(0))?;
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
        // SAFETY: registered in `register` under the same name.
        unsafe { rnwblk_unregister_major(self.number, self.name.as_char_ptr()) };
    }
}
