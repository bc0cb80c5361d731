// SPDX-License-Identifier: GPL-2.0
//! The raw layer: bindgen's view of rnwblk_ffi.h (+ configfs.h) and the block-layer constants
//! bindgen drops because the C macros cast with `__force`. Nothing above the safe wrappers
//! (store, tag_set, disk, request) uses this module.

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
    include!("rnwblk_ffi_generated.rs");
}
pub(crate) use generated::*;
pub(crate) use kernel::bindings;

/// `blk_status_t` values (include/linux/blk_types.h).
pub(crate) type BlkStatus = bindings::blk_status_t;
pub(crate) const BLK_STS_OK: BlkStatus = 0;
pub(crate) const BLK_STS_NOTSUPP: BlkStatus = 1;
pub(crate) const BLK_STS_IOERR: BlkStatus = 10;
pub(crate) const BLK_STS_AGAIN: BlkStatus = 12;
pub(crate) const BLK_STS_RESOURCE: BlkStatus = 9;

/// `enum req_op` values.
pub(crate) const REQ_OP_READ: u32 = 0;
pub(crate) const REQ_OP_WRITE: u32 = 1;
pub(crate) const REQ_OP_FLUSH: u32 = 2;
pub(crate) const REQ_OP_DISCARD: u32 = 3;
pub(crate) const REQ_OP_WRITE_ZEROES: u32 = 9;

/// `REQ_OP_MASK`, `REQ_NOWAIT` (blk_opf_t) and `RQF_QUIET` (req_flags_t).
pub(crate) const REQ_OP_MASK: u32 = (1 << bindings::REQ_OP_BITS) - 1;
pub(crate) const REQ_NOWAIT: u32 = 1 << bindings::req_flag_bits___REQ_NOWAIT;
pub(crate) const RQF_QUIET: u32 = 1 << bindings::__RQF_QUIET;

/// `BLK_FEAT_*` (blk_features_t).
pub(crate) const BLK_FEAT_WRITE_CACHE: u32 = 1 << 0;
pub(crate) const BLK_FEAT_FUA: u32 = 1 << 1;

/// `enum hctx_type`.
pub(crate) const HCTX_TYPE_POLL: u32 = 2;
pub(crate) const HCTX_MAX_TYPES: u32 = 3;

pub(crate) const BLK_MQ_F_SHOULD_MERGE: u32 = 1 << 0;
pub(crate) const SECTOR_SHIFT: u32 = 9;
