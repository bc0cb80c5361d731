// SPDX-License-Identifier: GPL-2.0
//! Extents map file blocks to device blocks: seven in the inode, the rest in a chain of
//! extent blocks of [`EXTENTS_PER_BLOCK`] each (the inode points at the first).

use super::{bytes::*, crc32c, FormatError, Result, BLOCK_SHIFT, BLOCK_SIZE};

pub const EXTENT_SIZE: usize = 24;
/// Allocated but never written: reads as zeros (fallocate preallocation).
pub const EXTENT_UNWRITTEN: u32 = 1;
pub const EXTENT_BLOCK_MAGIC: u32 = 0x584E_5752; // "RWNX"
/// magic, count, owner, checksum, next block.
const HEADER: usize = 24;
pub const EXTENTS_PER_BLOCK: usize = (BLOCK_SIZE - HEADER) / EXTENT_SIZE;
/// Longest chain: bounds a file's extent list (and its memory) at about 173,000 extents.
pub const MAX_EXTENT_BLOCKS: usize = 1024;
/// File blocks a file can have: every byte offset inside an extent fits a `loff_t` (the
/// kernel's `MAX_LFS_FILESIZE` is `i64::MAX`), so byte offsets computed from a valid extent
/// (`logical << BLOCK_SHIFT`) never overflow or turn negative.
pub const MAX_FILE_BLOCKS: u64 = (i64::MAX as u64 >> BLOCK_SHIFT) + 1;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extent {
    /// First file block.
    pub logical: u64,
    /// First device block.
    pub physical: u64,
    /// Blocks (never 0 in a used slot).
    pub len: u32,
    pub flags: u32,
}

impl Extent {
    /// The file block after the extent. Only for an extent that passed [`Extent::validate`]
    /// or that the kernel made: for one straight from disk the sum may overflow.
    pub fn end_logical(&self) -> u64 {
        self.logical + self.len as u64
    }

    /// The device block after the extent; as [`Extent::end_logical`], validated extents only.
    pub fn end_physical(&self) -> u64 {
        self.physical + self.len as u64
    }

    pub fn unwritten(&self) -> bool {
        self.flags & EXTENT_UNWRITTEN != 0
    }

    pub(crate) fn encode(&self, b: &mut [u8]) {
        put_u64(b, 0, self.logical);
        put_u64(b, 8, self.physical);
        put_u32(b, 16, self.len);
        put_u32(b, 20, self.flags);
    }

    pub(crate) fn decode(b: &[u8]) -> Self {
        Self {
            logical: get_u64(b, 0),
            physical: get_u64(b, 8),
            len: get_u32(b, 16),
            flags: get_u32(b, 20),
        }
    }

    /// Checks one extent against the data region [data_start, total_blocks). Its fields
    /// come from disk: the ends are computed with checked sums, so that an extent that
    /// passes has ends [`Extent::end_logical`] and [`Extent::end_physical`] can compute.
    pub fn validate(&self, data_start: u64, total_blocks: u64) -> Result {
        if self.len == 0 {
            return Err(FormatError::BadField("empty extent"));
        }
        if self.flags & !EXTENT_UNWRITTEN != 0 {
            return Err(FormatError::BadField("unknown extent flags"));
        }
        match self.physical.checked_add(self.len as u64) {
            Some(end) if self.physical >= data_start && end <= total_blocks => {}
            _ => return Err(FormatError::BadField("extent outside the data region")),
        }
        match self.logical.checked_add(self.len as u64) {
            Some(end) if end <= MAX_FILE_BLOCKS => {}
            _ => {
                return Err(FormatError::BadField(
                    "extent beyond the largest file offset",
                ))
            }
        }
        Ok(())
    }
}

/// Checks that extents are sorted by file block and do not overlap in the file. Safe on
/// extents not yet validated (an end that overflows is out of order).
pub fn validate_order(extents: &[Extent]) -> Result {
    for w in extents.windows(2) {
        match w[0].logical.checked_add(w[0].len as u64) {
            Some(end) if w[1].logical >= end => {}
            _ => return Err(FormatError::BadField("extents overlap or are out of order")),
        }
    }
    Ok(())
}

/// Extent blocks an inode needs for `nextents` extents.
pub fn chain_length(nextents: usize) -> usize {
    nextents
        .saturating_sub(super::inode::INLINE_EXTENTS)
        .div_ceil(EXTENTS_PER_BLOCK)
}

/// Checks block `index` of a chain for `nextents` extents: it holds `count` extents and
/// links to `next`. Every block but the last is full; only the last ends the chain, so a
/// chain that loops (never ends) is refused at the last block its extent count allows.
pub fn check_chain_block(index: usize, nextents: usize, count: usize, next: u64) -> Result {
    let blocks = chain_length(nextents);
    // Extents the inode has left for this block; none: the chain is longer than it needs.
    let left = index
        .checked_mul(EXTENTS_PER_BLOCK)
        .and_then(|n| n.checked_add(super::inode::INLINE_EXTENTS))
        .and_then(|before| nextents.checked_sub(before))
        .filter(|&left| left > 0)
        .ok_or(FormatError::BadField(
            "extent block: beyond the chain the inode needs",
        ))?;
    if count != left.min(EXTENTS_PER_BLOCK) {
        return Err(FormatError::BadField(
            "extent block: count does not match the inode",
        ));
    }
    if (next == 0) != (index + 1 == blocks) {
        return Err(FormatError::BadField(
            "extent block: chain length does not match the inode",
        ));
    }
    Ok(())
}

/// One block of an inode's extent chain.
pub struct ExtentBlock;

impl ExtentBlock {
    /// Encodes `extents` (at most [`EXTENTS_PER_BLOCK`]) owned by inode `ino`, followed
    /// by the chain's block `next` (0: the last).
    pub fn encode(ino: u32, extents: &[Extent], next: u64, block: &mut [u8; BLOCK_SIZE]) -> Result {
        if extents.len() > EXTENTS_PER_BLOCK {
            return Err(FormatError::BadField(
                "too many extents for an extent block",
            ));
        }
        block.fill(0);
        put_u32(block, 0, EXTENT_BLOCK_MAGIC);
        put_u32(block, 4, extents.len() as u32);
        put_u32(block, 8, ino);
        put_u64(block, 16, next);
        for (i, e) in extents.iter().enumerate() {
            e.encode(&mut block[HEADER + i * EXTENT_SIZE..]);
        }
        let crc = Self::checksum(ino, block);
        put_u32(block, 12, crc);
        Ok(())
    }

    /// Decodes the extents of inode `ino` into `out`; returns how many and the next block.
    pub fn decode(
        ino: u32,
        block: &[u8; BLOCK_SIZE],
        out: &mut [Extent; EXTENTS_PER_BLOCK],
    ) -> Result<(usize, u64)> {
        if get_u32(block, 0) != EXTENT_BLOCK_MAGIC {
            return Err(FormatError::BadField("extent block: bad magic"));
        }
        if get_u32(block, 8) != ino {
            return Err(FormatError::BadField(
                "extent block belongs to another inode",
            ));
        }
        if get_u32(block, 12) != Self::checksum(ino, block) {
            return Err(FormatError::BadChecksum);
        }
        let n = get_u32(block, 4) as usize;
        if n > EXTENTS_PER_BLOCK {
            return Err(FormatError::BadField("extent block: count too large"));
        }
        for (i, slot) in out.iter_mut().enumerate().take(n) {
            *slot = Extent::decode(&block[HEADER + i * EXTENT_SIZE..]);
        }
        Ok((n, get_u64(block, 16)))
    }

    /// CRC32C seeded with the owner, over the next pointer and the extents.
    fn checksum(ino: u32, block: &[u8; BLOCK_SIZE]) -> u32 {
        !crc32c::update(!ino, &block[16..])
    }
}
