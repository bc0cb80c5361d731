// SPDX-License-Identifier: GPL-2.0
//! Reading filesystem blocks and on-disk inodes through the buffer cache.

use crate::{
    ffi::{self, bindings},
    format::{self, extent::EXTENTS_PER_BLOCK, Extent, ExtentBlock, Inode, Layout, BLOCK_SIZE},
};
use kernel::prelude::*;

/// A heap block buffer (4 KiB does not belong on the kernel stack).
pub(crate) type BlockBuf = KBox<[u8; BLOCK_SIZE]>;

pub(crate) fn block_buf() -> Result<BlockBuf> {
    Ok(KBox::new([0u8; BLOCK_SIZE], GFP_KERNEL)?)
}

/// EFSCORRUPTED (EUCLEAN), what a filesystem returns for metadata that fails validation.
pub(crate) fn corrupted() -> Error {
    Error::from_errno(-(bindings::EUCLEAN as i32))
}

/// Reads block `block` of the filesystem on `sb`.
pub(crate) fn read_block(sb: *mut bindings::super_block, block: u64, buf: &mut BlockBuf) -> Result {
    // SAFETY: `sb` is a live super block with its block size set; `buf` holds 4096 bytes.
    kernel::error::to_result(unsafe { ffi::rnwfs_read_block(sb, block, buf.as_mut_ptr().cast()) })
}

/// Reads and validates on-disk inode `ino`.
pub(crate) fn read_inode(sb: *mut bindings::super_block, layout: &Layout, ino: u32) -> Result<Inode> {
    let (block, off) = layout.inode_location(ino).ok_or(corrupted())?;
    let mut buf = block_buf()?;
    read_block(sb, block, &mut buf)?;
    match Inode::decode(ino, &buf[off..]) {
        Ok(inode) if !inode.is_free() => Ok(inode),
        Ok(_) => {
            pr_err!("inode {}: referenced but free\n", ino);
            Err(corrupted())
        }
        Err(e) => {
            pr_err!("inode {}: {}\n", ino, e);
            Err(corrupted())
        }
    }
}

/// All extents of `inode` (inline ones, then its extent block's), validated.
pub(crate) fn extents(sb: *mut bindings::super_block, layout: &Layout, ino: u32, inode: &Inode) -> Result<KVec<Extent>> {
    let mut all = KVec::with_capacity(inode.nextents as usize, GFP_KERNEL)?;
    all.extend_from_slice(inode.inline_extents(), GFP_KERNEL)?;
    if inode.extent_block != 0 {
        let mut buf = block_buf()?;
        read_block(sb, inode.extent_block, &mut buf)?;
        let mut more = KBox::new([Extent::default(); EXTENTS_PER_BLOCK], GFP_KERNEL)?;
        let n = ExtentBlock::decode(ino, &buf, &mut more).map_err(|e| {
            pr_err!("inode {}: extent block: {}\n", ino, e);
            corrupted()
        })?;
        all.extend_from_slice(&more[..n], GFP_KERNEL)?;
    }
    for e in all.iter() {
        if let Err(err) = e.validate(layout.data_start, layout.total_blocks) {
            pr_err!("inode {}: {}\n", ino, err);
            return Err(corrupted());
        }
    }
    format::extent::validate_order(&all).map_err(|_| corrupted())?;
    Ok(all)
}

/// The device block holding file block `logical`, if mapped (and written).
pub(crate) fn map(extents: &[Extent], logical: u64) -> Option<u64> {
    extents
        .iter()
        .find(|e| e.logical <= logical && logical < e.end_logical() && !e.unwritten())
        .map(|e| e.physical + (logical - e.logical))
}
