// SPDX-License-Identifier: GPL-2.0
//! The raw layer: bindgen's view of rnwfs_ffi.h, plus constants bindgen drops.

#[allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    missing_docs,
    unreachable_pub,
    improper_ctypes,
    clippy::all
)]
mod generated {
    include!("rnwfs_ffi_generated.rs");
}
pub(crate) use generated::*;
pub(crate) use kernel::bindings;

/// `d_type` values for `dir_emit`.
pub(crate) const DT_DIR: u32 = 4;
pub(crate) const DT_REG: u32 = 8;
pub(crate) const DT_LNK: u32 = 10;
