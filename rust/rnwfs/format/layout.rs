// SPDX-License-Identifier: GPL-2.0
//! Where each region sits, derived from the device size and the inode count.

use super::{inode::INODES_PER_BLOCK, FormatError, Result, BLOCK_SIZE};

/// Bits per bitmap block.
pub const BITS_PER_BLOCK: u64 = (BLOCK_SIZE * 8) as u64;
/// Fewest blocks a filesystem may have (metadata plus some room for data).
pub const MIN_BLOCKS: u64 = 64;
/// Default inode density: one inode per this many bytes of device.
pub const BYTES_PER_INODE: u64 = 16384;
pub const MAX_INODES: u32 = 1 << 22;
pub const MIN_INODES: u32 = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub total_blocks: u64,
    pub bitmap_start: u64,
    pub bitmap_blocks: u64,
    pub inode_table_start: u64,
    pub inode_table_blocks: u64,
    pub inode_count: u32,
    pub data_start: u64,
}

impl Layout {
    /// The layout mkfs makes for `total_blocks`, with `inodes` inodes (None: the default
    /// density). The inode count is rounded up to fill the table's last block.
    pub fn new(total_blocks: u64, inodes: Option<u32>) -> Result<Self> {
        if total_blocks < MIN_BLOCKS {
            return Err(FormatError::TooSmall);
        }
        let want = inodes.unwrap_or_else(|| {
            // Blocks per inode rather than bytes: no multiplication to overflow.
            let n = total_blocks / (BYTES_PER_INODE / BLOCK_SIZE as u64);
            n.clamp(MIN_INODES as u64, MAX_INODES as u64) as u32
        });
        if !(MIN_INODES..=MAX_INODES).contains(&want) {
            return Err(FormatError::BadField("inode count out of range"));
        }
        let inode_table_blocks = (want as u64).div_ceil(INODES_PER_BLOCK as u64);
        let bitmap_blocks = total_blocks.div_ceil(BITS_PER_BLOCK);
        let l = Self {
            total_blocks,
            bitmap_start: 1,
            bitmap_blocks,
            inode_table_start: 1 + bitmap_blocks,
            inode_table_blocks,
            inode_count: (inode_table_blocks * INODES_PER_BLOCK as u64) as u32,
            data_start: 1 + bitmap_blocks + inode_table_blocks,
        };
        l.validate()?;
        Ok(l)
    }

    /// Checks a layout read from disk: regions in order, inside the device, each exactly
    /// the size its contents need (what [`Layout::new`] makes). Every value may be anything
    /// (the checksum is no defence), so each sum is checked before it is compared: a layout
    /// that passes has no sum of its fields that overflows, a bitmap that covers the device
    /// and nothing more, and an inode table of at most [`MAX_INODES`] inodes, which bounds
    /// what the kernel reads and pins at mount and what fsck scans.
    pub fn validate(&self) -> Result {
        let g = FormatError::BadGeometry;
        if self.total_blocks < MIN_BLOCKS {
            return Err(FormatError::TooSmall);
        }
        if self.bitmap_start != 1 {
            return Err(g("bitmap does not follow the superblock"));
        }
        if self.bitmap_blocks != self.total_blocks.div_ceil(BITS_PER_BLOCK) {
            return Err(g("bitmap size does not match the device"));
        }
        if self.bitmap_start.checked_add(self.bitmap_blocks) != Some(self.inode_table_start) {
            return Err(g("inode table does not follow the bitmap"));
        }
        if !(MIN_INODES..=MAX_INODES).contains(&self.inode_count) {
            return Err(g("inode count out of range"));
        }
        if self.inode_table_blocks != (self.inode_count as u64).div_ceil(INODES_PER_BLOCK as u64) {
            return Err(g("inode table size does not match the inode count"));
        }
        if self.inode_table_start.checked_add(self.inode_table_blocks) != Some(self.data_start) {
            return Err(g("data does not follow the inode table"));
        }
        if self.data_start >= self.total_blocks {
            return Err(g("metadata exceeds the device"));
        }
        Ok(())
    }

    /// Blocks that hold metadata (all below `data_start`).
    pub fn metadata_blocks(&self) -> u64 {
        self.data_start
    }

    /// Blocks of the data region: the most that can be free (a superblock counting more
    /// is refused, and the kernel never counts past it).
    pub fn data_blocks(&self) -> u64 {
        self.total_blocks.saturating_sub(self.data_start)
    }

    /// The most inodes that can be free: all but the root directory's.
    pub fn max_free_inodes(&self) -> u32 {
        self.inode_count.saturating_sub(1)
    }

    /// Block and byte offset within it of inode `ino` (1-based); None if out of range (or,
    /// for a layout that was never validated, if the block number overflows).
    pub fn inode_location(&self, ino: u32) -> Option<(u64, usize)> {
        if ino == 0 || ino > self.inode_count {
            return None;
        }
        let slot = (ino - 1) as u64;
        let block = self
            .inode_table_start
            .checked_add(slot / INODES_PER_BLOCK as u64)?;
        Some((
            block,
            (slot % INODES_PER_BLOCK as u64) as usize * super::inode::INODE_SIZE,
        ))
    }

    /// Bitmap block and bit within it for `block`, a block of a validated layout's device
    /// (below `total_blocks`: the sum then stays below `data_start`).
    pub fn bitmap_location(&self, block: u64) -> (u64, usize) {
        (
            self.bitmap_start + block / BITS_PER_BLOCK,
            (block % BITS_PER_BLOCK) as usize,
        )
    }
}
