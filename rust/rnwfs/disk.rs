// SPDX-License-Identifier: GPL-2.0
//! Reading and validating on-disk inodes and their extents (when an inode is loaded).

use crate::{
    ffi::bindings,
    format::{self, extent::EXTENTS_PER_BLOCK, Extent, ExtentBlock, Inode, Layout},
    vfs::Sb,
};
use kernel::prelude::*;

/// EFSCORRUPTED (EUCLEAN), what a filesystem returns for metadata that fails validation.
pub(crate) fn corrupted() -> Error {
    Error::from_errno(-(bindings::EUCLEAN as i32))
}

/// Reads and validates on-disk inode `ino`.
pub(crate) fn read_inode(sb: Sb, layout: &Layout, ino: u32) -> Result<Inode> {
    let (block, off) = layout.inode_location(ino).ok_or(corrupted())?;
    let buf = sb.read(block)?;
    match Inode::decode(ino, &buf.data()[off..]) {
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
pub(crate) fn extents(sb: Sb, layout: &Layout, ino: u32, inode: &Inode) -> Result<KVec<Extent>> {
    let mut all = KVec::with_capacity(inode.nextents as usize, GFP_KERNEL)?;
    all.extend_from_slice(inode.inline_extents(), GFP_KERNEL)?;
    if inode.extent_block != 0 {
        if !(layout.data_start..layout.total_blocks).contains(&inode.extent_block) {
            pr_err!("inode {}: extent block outside the data region\n", ino);
            return Err(corrupted());
        }
        let buf = sb.read(inode.extent_block)?;
        let mut more = KBox::new([Extent::default(); EXTENTS_PER_BLOCK], GFP_KERNEL)?;
        let n = ExtentBlock::decode(ino, buf.data(), &mut more).map_err(|e| {
            pr_err!("inode {}: extent block: {}\n", ino, e);
            corrupted()
        })?;
        if n != inode.nextents as usize - all.len() {
            pr_err!("inode {}: extent block holds {} extents, inode says {}\n", ino, n, inode.nextents);
            return Err(corrupted());
        }
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
