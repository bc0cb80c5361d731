// SPDX-License-Identifier: GPL-2.0
//! The raw layer: bindgen's view of rnwfs_ffi.h.

#[allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    missing_docs,
    unreachable_pub,
    improper_ctypes,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]
mod generated {
    include!("rnwfs_ffi_generated.rs");
}
pub(crate) use generated::*;
