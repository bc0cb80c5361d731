// SPDX-License-Identifier: GPL-2.0
//! Space allocation: blocks from the bitmap (its blocks held in the buffer cache for the
//! whole mount, edited in place and written back with the other metadata) and inode slots
//! from the inode table, with the free counts the superblock records. One lock (the
//! super block's `alloc`) serialises both; nowait paths never get here.
#![deny(unsafe_code)]

use crate::{
    buffer::Buffer,
    format::{
        inode::{Inode, INODE_SIZE},
        layout::BITS_PER_BLOCK,
        Layout,
    },
    rnwk::fs::SuperBlock,
    vfs::Sb,
};
use kernel::prelude::*;

pub(crate) struct Allocator {
    layout: Layout,
    bitmap: KVec<Buffer>,
    /// The free counts: the superblock's, kept up to date. Only range-checked at mount (the
    /// bitmap is not counted), so a crafted count can disagree with the bitmap: they
    /// saturate at 0 and are capped at the geometry's maxima (Layout::data_blocks,
    /// max_free_inodes), so that no count the kernel writes back is one the next mount
    /// refuses.
    pub(crate) free_blocks: u64,
    pub(crate) free_inodes: u32,
    block_cursor: u64,
    inode_cursor: u32,
}

fn enospc() -> Error {
    ENOSPC
}

impl Allocator {
    pub(crate) fn load(
        sb: SuperBlock<'_>,
        layout: Layout,
        free_blocks: u64,
        free_inodes: u32,
    ) -> Result<Self> {
        let mut bitmap = KVec::with_capacity(layout.bitmap_blocks as usize, GFP_KERNEL)?;
        for i in 0..layout.bitmap_blocks {
            bitmap.push(Buffer::read(sb, layout.bitmap_start + i)?, GFP_KERNEL)?;
        }
        Ok(Self {
            layout,
            bitmap,
            free_blocks,
            free_inodes,
            block_cursor: layout.data_start,
            inode_cursor: 1,
        })
    }

    fn word(&self, b: u64) -> u64 {
        let (blk, bit) = self.layout.bitmap_location(b);
        let data = self.bitmap[(blk - self.layout.bitmap_start) as usize].data();
        let at = bit / 64 * 8;
        let mut w = [0u8; 8];
        w.copy_from_slice(&data[at..at + 8]);
        u64::from_le_bytes(w)
    }

    fn used(&self, b: u64) -> bool {
        self.word(b) & (1u64 << (b % 64)) != 0
    }

    fn set(&mut self, b: u64, used: bool) {
        let (blk, bit) = self.layout.bitmap_location(b);
        let buf = &mut self.bitmap[(blk - self.layout.bitmap_start) as usize];
        buf.edit(|data| {
            let byte = &mut data[bit / 8];
            if used {
                *byte |= 1 << (bit % 8);
            } else {
                *byte &= !(1 << (bit % 8));
            }
        });
    }

    fn mark_dirty(&self, start: u64, len: u64) {
        let first = self.layout.bitmap_location(start).0;
        let last = self.layout.bitmap_location(start + len - 1).0;
        for blk in first..=last {
            self.bitmap[(blk - self.layout.bitmap_start) as usize].mark_dirty();
        }
    }

    /// The first free block in [from, to), skipping full 64-block words.
    fn find_free(&self, from: u64, to: u64) -> Option<u64> {
        let mut b = from;
        while b < to {
            if b % 64 == 0 && b + 64 <= to && self.word(b) == u64::MAX {
                b += 64;
                continue;
            }
            if !self.used(b) {
                return Some(b);
            }
            b += 1;
        }
        None
    }

    /// Up to `want` contiguous free blocks, searching from `goal` (then from the start of
    /// the data region). Returns the first block and the count (at least 1).
    pub(crate) fn alloc_blocks(&mut self, goal: u64, want: u32) -> Result<(u64, u32)> {
        let (lo, hi) = (self.layout.data_start, self.layout.total_blocks);
        let goal = if (lo..hi).contains(&goal) {
            goal
        } else {
            self.block_cursor
        };
        let start = self
            .find_free(goal, hi)
            .or_else(|| self.find_free(lo, goal))
            .ok_or_else(enospc)?;
        let mut len = 1u32;
        while len < want && start + (len as u64) < hi && !self.used(start + len as u64) {
            len += 1;
        }
        for b in start..start + len as u64 {
            self.set(b, true);
        }
        self.mark_dirty(start, len as u64);
        self.free_blocks = self.free_blocks.saturating_sub(len as u64);
        self.block_cursor = start + len as u64;
        Ok((start, len))
    }

    pub(crate) fn free_blocks(&mut self, start: u64, len: u64) {
        if len == 0 || start < self.layout.data_start || start + len > self.layout.total_blocks {
            pr_err!("freeing blocks {}+{} outside the data region\n", start, len);
            return;
        }
        for b in start..start + len {
            if !self.used(b) {
                pr_err!("block {} freed twice\n", b);
                continue;
            }
            self.set(b, false);
            self.free_blocks = self
                .free_blocks
                .saturating_add(1)
                .min(self.layout.data_blocks());
        }
        self.mark_dirty(start, len);
    }

    /// Takes a free inode slot and writes `init` into it; returns its number.
    pub(crate) fn alloc_inode(&mut self, sb: Sb<'_>, init: &Inode) -> Result<u32> {
        let count = self.layout.inode_count;
        let mut ino = self.inode_cursor;
        let mut loaded: Option<(u64, Buffer)> = None;
        for _ in 0..count {
            ino = if ino >= count { 1 } else { ino + 1 };
            let (blk, off) = self.layout.inode_location(ino).ok_or(EINVAL)?;
            if loaded.as_ref().map(|(b, _)| *b) != Some(blk) {
                loaded = Some((blk, sb.read(blk)?));
            }
            let Some((_, buf)) = loaded.as_mut() else {
                continue;
            };
            if buf.data()[off..off + INODE_SIZE].iter().all(|&x| x == 0) {
                buf.edit(|data| init.encode(ino, &mut data[off..]));
                self.free_inodes = self.free_inodes.saturating_sub(1);
                self.inode_cursor = ino;
                return Ok(ino);
            }
        }
        Err(enospc())
    }

    /// Returns inode slot `ino` to the free pool (zeroes it on disk).
    pub(crate) fn free_inode(&mut self, sb: Sb<'_>, ino: u32) -> Result {
        let (blk, off) = self.layout.inode_location(ino).ok_or(EINVAL)?;
        let mut buf = sb.read(blk)?;
        buf.edit(|data| data[off..off + INODE_SIZE].fill(0));
        self.free_inodes = self
            .free_inodes
            .saturating_add(1)
            .min(self.layout.max_free_inodes());
        Ok(())
    }
}

const _: () = assert!(BITS_PER_BLOCK % 64 == 0);
