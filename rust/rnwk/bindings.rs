// SPDX-License-Identifier: GPL-2.0
//! The layer's raw view of C: the kernel's bindings, bindgen's declarations of rnwk_ffi.h
//! (the layer's own C wrappers), and the constants bindgen drops because their C macros
//! cast with `__force`. Private to the layer: `mod bindings` is not `pub` in `rnwk`, so no
//! policy module can name anything here.

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
    include!("rnwk_ffi_generated.rs");
}
pub(crate) use generated::*;
// kernel::bindings has an opaque `kstatfs`; the layer's (statfs.h) is the real one.
#[allow(unused_imports)] // used by `fs`, which rnwblk does not compile in
pub(crate) use generated::kstatfs;
// kernel::bindings has an opaque `fs_context`; the layer's (fs_context.h) is the real one.
#[allow(unused_imports)] // used by `fs`, which rnwblk does not compile in
pub(crate) use generated::{fs_context, fs_parameter, fs_parameter_spec};
// kernel::bindings has an opaque `iomap_ops` too; the layer's (iomap.h) is the real one.
#[allow(unused_imports)] // used by `iomap`, which rnwblk does not compile in
pub(crate) use generated::iomap_ops;
pub(crate) use kernel::bindings::*;

/// `blk_status_t` values (include/linux/blk_types.h).
pub(crate) const BLK_STS_OK: blk_status_t = 0;
pub(crate) const BLK_STS_NOTSUPP: blk_status_t = 1;
pub(crate) const BLK_STS_RESOURCE: blk_status_t = 9;
pub(crate) const BLK_STS_IOERR: blk_status_t = 10;
pub(crate) const BLK_STS_AGAIN: blk_status_t = 12;
pub(crate) const BLK_STS_DEV_RESOURCE: blk_status_t = 13;

/// `enum req_op` values.
pub(crate) const REQ_OP_READ: u32 = 0;
pub(crate) const REQ_OP_WRITE: u32 = 1;
pub(crate) const REQ_OP_FLUSH: u32 = 2;
pub(crate) const REQ_OP_DISCARD: u32 = 3;
pub(crate) const REQ_OP_WRITE_ZEROES: u32 = 9;

/// `REQ_OP_MASK`, `REQ_NOWAIT` (blk_opf_t) and `RQF_QUIET` (req_flags_t).
pub(crate) const REQ_OP_MASK: u32 = (1 << REQ_OP_BITS) - 1;
pub(crate) const REQ_NOWAIT: u32 = 1 << req_flag_bits___REQ_NOWAIT;
/// `REQ_SYNC`, `REQ_IDLE`, `REQ_FUA` (blk_opf_t): a write someone waits for, nothing else
/// coming after it, and on stable media when it completes.
#[allow(dead_code)] // rnwfs's (writethrough bios)
pub(crate) const REQ_SYNC: u32 = 1 << req_flag_bits___REQ_SYNC;
#[allow(dead_code)] // rnwfs's
pub(crate) const REQ_IDLE: u32 = 1 << req_flag_bits___REQ_IDLE;
#[allow(dead_code)] // rnwfs's
pub(crate) const REQ_FUA: u32 = 1 << req_flag_bits___REQ_FUA;
pub(crate) const RQF_QUIET: u32 = 1 << __RQF_QUIET;

/// `BLK_FEAT_*` (blk_features_t).
pub(crate) const BLK_FEAT_WRITE_CACHE: u32 = 1 << 0;
pub(crate) const BLK_FEAT_FUA: u32 = 1 << 1;

/// `enum hctx_type`.
pub(crate) const HCTX_TYPE_DEFAULT: u32 = 0;
pub(crate) const HCTX_TYPE_POLL: u32 = 2;
pub(crate) const HCTX_MAX_TYPES: u32 = 3;

/// `GFP_NOIO` (`__GFP_RECLAIM`) and `__GFP_NOFAIL` (include/linux/gfp_types.h), built from
/// the bit numbers bindgen does see.
pub(crate) const GFP_NOIO: gfp_t =
    (1 << ___GFP_DIRECT_RECLAIM_BIT) | (1 << ___GFP_KSWAPD_RECLAIM_BIT);
pub(crate) const __GFP_NOFAIL: gfp_t = 1 << ___GFP_NOFAIL_BIT;

/// `XA_PRESENT` (include/linux/xarray.h): `xa_find()` for any entry.
pub(crate) const XA_PRESENT: xa_mark_t = 8;

pub(crate) const BLK_MQ_F_SHOULD_MERGE: u32 = 1 << 0;
pub(crate) const SECTOR_SHIFT: u32 = 9;
