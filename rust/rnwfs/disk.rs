// SPDX-License-Identifier: GPL-2.0
//! Reading and validating on-disk inodes and their extents (when an inode is loaded).
#![deny(unsafe_code)]

use crate::rnwk::errno;
use crate::{
    format::{
        chain::ChainWalk,
        extent::{self, EXTENTS_PER_BLOCK},
        Extent, FormatError, Inode, Layout,
    },
    vfs::Sb,
};
use kernel::prelude::*;

/// EFSCORRUPTED (EUCLEAN), what a filesystem returns for metadata that fails validation.
pub(crate) fn corrupted() -> Error {
    errno::corrupted()
}

/// Reads and validates on-disk inode `ino`.
pub(crate) fn read_inode(sb: Sb<'_>, layout: &Layout, ino: u32) -> Result<Inode> {
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

/// All extents of `inode` (inline ones, then its chain's) validated, and the chain. The
/// walk and every check are the format's (format::chain), the ones fsck runs: a chain
/// pointer outside the data region or a chain longer than the extent count needs is
/// refused before it is read, so a crafted chain costs at most MAX_EXTENT_BLOCKS reads.
pub(crate) fn extents(
    sb: Sb<'_>,
    layout: &Layout,
    ino: u32,
    inode: &Inode,
) -> Result<(KVVec<Extent>, KVVec<u64>)> {
    let nextents = inode.nextents as usize;
    let mut all = KVVec::with_capacity(nextents, GFP_KERNEL)?;
    all.extend_from_slice(inode.inline_extents(), GFP_KERNEL)?;
    let mut chain = KVVec::with_capacity(extent::chain_length(nextents), GFP_KERNEL)?;
    let mut more = KBox::new([Extent::default(); EXTENTS_PER_BLOCK], GFP_KERNEL)?;
    let mut walk = ChainWalk::new(ino, inode);
    let refuse = |walk: &ChainWalk, e: FormatError| {
        pr_err!("inode {}: extent block {}: {}\n", ino, walk.pointer(), e);
        corrupted()
    };
    while let Some(next) = walk
        .next_block(layout.data_start, layout.total_blocks)
        .map_err(|e| refuse(&walk, e))?
    {
        let buf = sb.read(next)?;
        let found = walk
            .step(buf.data(), &mut more)
            .map_err(|e| refuse(&walk, e))?;
        all.extend_from_slice(found, GFP_KERNEL)?;
        chain.push(next, GFP_KERNEL)?;
    }
    if all.len() != nextents {
        pr_err!(
            "inode {}: {} extents found, the inode says {}\n",
            ino,
            all.len(),
            nextents
        );
        return Err(corrupted());
    }
    for e in all.iter() {
        if let Err(err) = e.validate(layout.data_start, layout.total_blocks) {
            pr_err!("inode {}: {}\n", ino, err);
            return Err(corrupted());
        }
    }
    extent::validate_order(&all).map_err(|e| {
        pr_err!("inode {}: {}\n", ino, e);
        corrupted()
    })?;
    Ok((all, chain))
}
