// SPDX-License-Identifier: GPL-2.0
//! The mount entry point: sets a super block up (super_block.rs) with its writeback
//! completion (writeback.rs). Here, above both, so that the super block's module need not
//! name the writeback path, which uses super blocks.

use crate::{
    rnwk::fs::{FsContext, NewSuperBlock},
    super_block, vfs, writeback,
};

/// `get_tree_bdev`'s fill_super: `sb` is the super block being set up for the mount of
/// context `fc`.
#[no_mangle]
extern "C" fn rnwfs_fill_super(sb: NewSuperBlock<'_>, fc: FsContext<'_>) -> i32 {
    vfs::status(super_block::fill_super(
        &sb,
        &fc,
        writeback::unwritten_ioend_ended,
    ))
}
