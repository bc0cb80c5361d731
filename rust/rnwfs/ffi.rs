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
    // The layer's bindings (rnwk::bindings) declare iomap.h too, with types of their own:
    // rnwfs_ffi.h's writethrough declarations name iomap.h's types (until issue 16
    // replaces that engine), so both declare the same functions.
    clashing_extern_declarations,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]
mod generated {
    include!("rnwfs_ffi_generated.rs");
}
pub(crate) use generated::*;
pub(crate) use kernel::bindings;
