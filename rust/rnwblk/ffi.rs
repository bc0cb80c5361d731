// SPDX-License-Identifier: GPL-2.0
//! bindgen's view of rnwblk_ffi.h: what is not yet in the abstraction layer (rust/rnwk/),
//! used only by `params`.

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
    include!("rnwblk_ffi_generated.rs");
}
pub(crate) use generated::*;
