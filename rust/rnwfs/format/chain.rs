// SPDX-License-Identifier: GPL-2.0
//! Walking an inode's chain of extent blocks, as the kernel does when it loads an inode and
//! as fsck does: one definition of what a valid chain is. The walk does no I/O: the caller
//! reads each block [`ChainWalk::next_block`] names (the kernel through the buffer cache,
//! the tools from the device) and hands it to [`ChainWalk::step`].
//!
//! Every pointer comes from disk, so the walk trusts none of them: each must lie in the
//! data region, and the walk stops after the [`chain_length`] blocks the inode's extent
//! count needs (at most [`MAX_EXTENT_BLOCKS`]) whatever the pointers say. The last of
//! those blocks must end the chain (a 0 pointer), which a chain that loops never does.
//!
//! [`MAX_EXTENT_BLOCKS`]: super::extent::MAX_EXTENT_BLOCKS

use super::{
    extent::{chain_length, check_chain_block, Extent, ExtentBlock, EXTENTS_PER_BLOCK},
    inode::Inode,
    FormatError, Result, BLOCK_SIZE,
};

/// Where a walk along one inode's extent chain is.
pub struct ChainWalk {
    ino: u32,
    nextents: usize,
    /// The next block to read (0: none).
    next: u64,
    /// Blocks read so far.
    index: usize,
}

impl ChainWalk {
    /// A walk along the chain of inode `ino` (decoded, so its extent count is at most
    /// `MAX_EXTENTS` and it has a chain exactly when it needs one).
    pub fn new(ino: u32, inode: &Inode) -> Self {
        Self {
            ino,
            nextents: inode.nextents as usize,
            next: inode.extent_block,
            index: 0,
        }
    }

    /// The pointer the walk follows next (for messages).
    pub fn pointer(&self) -> u64 {
        self.next
    }

    /// The block to read next, None when the chain has ended; an error when the pointer
    /// leaves the data region [data_start, total_blocks) or the chain goes on beyond the
    /// blocks the inode's extent count needs.
    pub fn next_block(&self, data_start: u64, total_blocks: u64) -> Result<Option<u64>> {
        if self.next == 0 {
            return Ok(None);
        }
        if !(data_start..total_blocks).contains(&self.next) {
            return Err(FormatError::BadField(
                "extent block outside the data region",
            ));
        }
        if self.index >= chain_length(self.nextents) {
            return Err(FormatError::BadField(
                "extent chain longer than the inode's extent count",
            ));
        }
        Ok(Some(self.next))
    }

    /// Decodes `block`, the one [`ChainWalk::next_block`] named, into `out`: checks its
    /// magic, owner, checksum and count against the inode and its place in the chain, and
    /// returns the extents it holds (not yet validated: see [`Extent::validate`]).
    pub fn step<'a>(
        &mut self,
        block: &[u8; BLOCK_SIZE],
        out: &'a mut [Extent; EXTENTS_PER_BLOCK],
    ) -> Result<&'a [Extent]> {
        let (n, following) = ExtentBlock::decode(self.ino, block, out)?;
        check_chain_block(self.index, self.nextents, n, following)?;
        self.index += 1;
        self.next = following;
        // n <= EXTENTS_PER_BLOCK: ExtentBlock::decode refuses larger counts.
        out.get(..n)
            .ok_or(FormatError::BadField("extent block: count too large"))
    }
}
