// SPDX-License-Identifier: GPL-2.0
//! Mutations: random bytes, and field-aware ones that set a field of a known structure to
//! a value decoders get wrong (0, 1, the maxima and their neighbours, 2^31, 2^32, 2^51, the
//! device's size, the data region's bounds, the field's own value nudged), then, most of
//! the time, recompute the checksums so the mutated fields reach the checks behind them.

use crate::{
    input::{extent_param, extent_param_fields, Input, Kind},
    rng::Rng,
    seal,
};
use rnwfs_format::{
    dirent::DIRENT_SIZE,
    extent::{EXTENTS_PER_BLOCK, EXTENT_BLOCK_MAGIC},
    inode::{INODES_PER_BLOCK, INODE_SIZE, MAX_EXTENTS},
    Layout, Superblock, BLOCK_SIZE,
};

/// Where things are in the seed an input came from (mutations aim at them).
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub layout: Option<Layout>,
    /// Blocks of the seed image holding extent blocks and directory blocks.
    pub extent_blocks: Vec<u64>,
    pub dir_blocks: Vec<u64>,
}

impl Context {
    /// Finds the layout and the structures of a seed image.
    pub fn of_image(image: &[u8]) -> Self {
        let block = |b: u64| image.get(b as usize * BLOCK_SIZE..(b as usize + 1) * BLOCK_SIZE);
        let layout = block(0)
            .and_then(|b| b.try_into().ok())
            .and_then(|b| Superblock::decode(b, (image.len() / BLOCK_SIZE) as u64).ok())
            .map(|sb| sb.layout);
        let mut ctx = Self {
            layout,
            ..Default::default()
        };
        let data_start = layout.map_or(1, |l| l.data_start);
        for b in data_start..(image.len() / BLOCK_SIZE) as u64 {
            let Some(blk) = block(b) else { break };
            if blk[..4] == EXTENT_BLOCK_MAGIC.to_le_bytes() {
                ctx.extent_blocks.push(b);
            } else if blk[4] == 2 && blk[5] == 1 && blk[8] == b'.' {
                ctx.dir_blocks.push(b); // starts with "."
            }
        }
        ctx
    }

    /// Values that matter for this filesystem: its size and its regions' bounds.
    fn landmarks(&self) -> Vec<u64> {
        let Some(l) = self.layout else {
            return vec![64, 256, 4096];
        };
        vec![
            l.total_blocks,
            l.data_start,
            l.inode_table_start,
            l.inode_table_blocks,
            l.bitmap_blocks,
            l.inode_count as u64,
        ]
    }
}

/// Field offsets and widths of each structure (Documentation/rnwfs.rst).
const SUPERBLOCK_FIELDS: &[(usize, usize)] = &[
    (8, 4),
    (12, 4),
    (16, 4),
    (20, 4),
    (24, 4),
    (28, 4),
    (32, 8),
    (40, 8),
    (48, 8),
    (56, 8),
    (64, 8),
    (72, 8),
    (80, 8),
    (88, 4),
    (92, 4),
    (96, 4),
    (100, 4),
    (104, 8),
    (112, 8),
];
const INODE_FIELDS: &[(usize, usize)] = &[
    (0, 2),
    (2, 2),
    (4, 4),
    (8, 4),
    (12, 4),
    (16, 8),
    (24, 8),
    (32, 4),
    (36, 8),
    (44, 4),
    (48, 8),
    (56, 4),
    (60, 4),
    (64, 4),
    (72, 8),
];
const INODE_EXTENTS_AT: usize = 80;
const EXTENT_FIELDS: &[(usize, usize)] = &[(0, 8), (8, 8), (16, 4), (20, 4)];
const EXTENT_SIZE: usize = 24;
const EXTENT_BLOCK_FIELDS: &[(usize, usize)] = &[(0, 4), (4, 4), (8, 4), (16, 8)];
const EXTENT_BLOCK_HEADER: usize = 24;
const DIRENT_FIELDS: &[(usize, usize)] = &[(0, 4), (4, 1), (5, 1), (8, 1), (9, 1), (10, 1)];

const INTERESTING: &[u64] = &[
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    15,
    16,
    17,
    31,
    32,
    55,
    56,
    57,
    63,
    64,
    65,
    127,
    128,
    169,
    170,
    176,
    255,
    256,
    1023,
    1024,
    4095,
    4096,
    4097,
    32767,
    32768,
    32769,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0x40_0000,
    0x40_0001,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
    1 << 32,
    (1 << 32) + 1,
    (1 << 51) - 1,
    1 << 51,
    (1 << 51) + 1,
    i64::MAX as u64,
    1 << 63,
    u64::MAX - 1,
    u64::MAX,
    1_000_000_000,
    999_999_999,
];

fn width_max(width: usize) -> u64 {
    if width >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * width)) - 1
    }
}

fn get(b: &[u8], at: usize, width: usize) -> u64 {
    let mut v = [0u8; 8];
    if let Some(src) = at.checked_add(width).and_then(|end| b.get(at..end)) {
        v[..width].copy_from_slice(src);
    }
    u64::from_le_bytes(v)
}

/// Writes `v`'s low `width` bytes at `at` (nothing if that is outside `b`).
fn put(b: &mut [u8], at: usize, width: usize, v: u64) {
    if let Some(dst) = at.checked_add(width).and_then(|end| b.get_mut(at..end)) {
        dst.copy_from_slice(&v.to_le_bytes()[..width]);
    }
}

/// A value for a field of `width` bytes now holding `current`.
fn interesting(width: usize, current: u64, ctx: &Context, rng: &mut Rng) -> u64 {
    let max = width_max(width);
    let v = match rng.below(6) {
        0 | 1 => INTERESTING[rng.index(INTERESTING.len())],
        2 => {
            let marks = ctx.landmarks();
            let m = marks[rng.index(marks.len())];
            m.wrapping_add(rng.below(5)).wrapping_sub(2)
        }
        3 => current.wrapping_add(rng.below(33)).wrapping_sub(16),
        4 => max - rng.below(3),
        _ => rng.next_u64(),
    };
    v & max
}

fn set_field(b: &mut [u8], base: usize, (at, width): (usize, usize), ctx: &Context, rng: &mut Rng) {
    let at = base + at;
    let v = interesting(width, get(b, at, width), ctx, rng);
    put(b, at, width, v);
}

/// Makes the extent at `next` continue the one at `cur` in the file and on the device,
/// after a gap of a few blocks, often with a large length: what merging arithmetic (two
/// neighbours and the extent that fills the gap between them) gets wrong.
fn continue_extent(b: &mut [u8], cur: usize, next: usize, rng: &mut Rng) {
    if rng.one_in(2) {
        let len = *rng
            .pick(&[
                0x7fff_ffffu64,
                0x8000_0000,
                0x8000_0001,
                0xffff_fffe,
                0xffff_ffff,
            ])
            .unwrap_or(&1);
        put(b, cur + 16, 4, len);
    }
    let (logical, physical, len) = (get(b, cur, 8), get(b, cur + 8, 8), get(b, cur + 16, 4));
    let gap = rng.below(3);
    put(b, next, 8, logical.wrapping_add(len).wrapping_add(gap));
    put(b, next + 8, 8, physical.wrapping_add(len).wrapping_add(gap));
    if rng.one_in(2) {
        put(b, next + 16, 4, get(b, cur + 16, 4));
    }
}

/// A field-aware mutation of one block holding a structure of `kind`.
fn mutate_fields(kind: Kind, b: &mut [u8], ctx: &Context, rng: &mut Rng) {
    match kind {
        Kind::Superblock => {
            let f = SUPERBLOCK_FIELDS[rng.index(SUPERBLOCK_FIELDS.len())];
            set_field(b, 0, f, ctx, rng);
        }
        Kind::InodeBlock => {
            let slot = rng.index(INODES_PER_BLOCK) * INODE_SIZE;
            if rng.one_in(8) {
                // Often the last two in use, so that the extents stay in order.
                let used = (get(b, slot + 64, 4) as usize).clamp(2, 7);
                let cur = if rng.one_in(2) {
                    used - 2
                } else {
                    rng.index(6)
                };
                let e = slot + INODE_EXTENTS_AT + cur * EXTENT_SIZE;
                continue_extent(b, e, e + EXTENT_SIZE, rng);
            } else if rng.one_in(3) {
                let e = slot + INODE_EXTENTS_AT + rng.index(7) * EXTENT_SIZE;
                set_field(
                    b,
                    e,
                    EXTENT_FIELDS[rng.index(EXTENT_FIELDS.len())],
                    ctx,
                    rng,
                );
            } else {
                set_field(
                    b,
                    slot,
                    INODE_FIELDS[rng.index(INODE_FIELDS.len())],
                    ctx,
                    rng,
                );
            }
        }
        Kind::ExtentBlock => {
            if rng.one_in(8) {
                let used = (get(b, 4, 4) as usize).clamp(2, EXTENTS_PER_BLOCK);
                let cur = if rng.one_in(2) {
                    used - 2
                } else {
                    rng.index(EXTENTS_PER_BLOCK - 1)
                };
                let e = EXTENT_BLOCK_HEADER + cur * EXTENT_SIZE;
                continue_extent(b, e, e + EXTENT_SIZE, rng);
            } else if rng.one_in(3) {
                set_field(
                    b,
                    0,
                    EXTENT_BLOCK_FIELDS[rng.index(EXTENT_BLOCK_FIELDS.len())],
                    ctx,
                    rng,
                );
            } else {
                let e = EXTENT_BLOCK_HEADER + rng.index(EXTENTS_PER_BLOCK) * EXTENT_SIZE;
                set_field(
                    b,
                    e,
                    EXTENT_FIELDS[rng.index(EXTENT_FIELDS.len())],
                    ctx,
                    rng,
                );
            }
        }
        Kind::DirBlock => {
            let slot = rng.index(BLOCK_SIZE / DIRENT_SIZE) * DIRENT_SIZE;
            let (at, width) = DIRENT_FIELDS[rng.index(DIRENT_FIELDS.len())];
            if at >= 8 && rng.one_in(2) {
                // Name bytes: the ones names may not hold, and the ones "." and ".." do.
                put(
                    b,
                    slot + at + rng.index(48),
                    1,
                    *rng.pick(b"/\0.a").unwrap_or(&b'/') as u64,
                );
            } else {
                set_field(b, slot, (at, width), ctx, rng);
            }
        }
        Kind::Image => {}
    }
}

/// A record-sized copy within the block: an extent, an entry or an inode slot duplicated.
fn copy_record(kind: Kind, b: &mut [u8], rng: &mut Rng) {
    let (start, size) = match kind {
        Kind::InodeBlock => (0, INODE_SIZE),
        Kind::ExtentBlock => (EXTENT_BLOCK_HEADER, EXTENT_SIZE),
        Kind::DirBlock => (0, DIRENT_SIZE),
        _ => (0, 8),
    };
    let count = (b.len().saturating_sub(start)) / size;
    let (from, to) = (
        start + rng.index(count) * size,
        start + rng.index(count) * size,
    );
    if from + size <= b.len() && to + size <= b.len() {
        b.copy_within(from..from + size, to);
    }
}

/// Random-byte mutations of any block.
fn mutate_bytes(b: &mut [u8], ctx: &Context, rng: &mut Rng) {
    if b.is_empty() {
        return;
    }
    // Most structures live in the first bytes; aim there more often.
    let span = if rng.one_in(2) {
        b.len().min(512)
    } else {
        b.len()
    };
    let at = rng.index(span);
    match rng.below(7) {
        0 => b[at] ^= 1 << rng.below(8),
        1 => b[at] = rng.next_u64() as u8,
        2 => {
            let width = *rng.pick(&[1usize, 2, 4, 8]).unwrap_or(&4);
            let v = interesting(width, get(b, at, width), ctx, rng);
            put(b, at, width, v);
        }
        3 => {
            let width = *rng.pick(&[2usize, 4, 8]).unwrap_or(&4);
            let v = get(b, at, width).wrapping_add(rng.below(9)).wrapping_sub(4);
            put(b, at, width, v);
        }
        4 => {
            let len = 1 + rng.index(64);
            let from = rng.index(b.len());
            let n = len.min(b.len() - from).min(b.len() - at);
            b.copy_within(from..from + n, at);
        }
        5 => {
            let n = (1 + rng.index(32)).min(b.len() - at);
            b[at..at + n].fill(if rng.one_in(2) { 0 } else { 0xff });
        }
        _ => {
            let n = (1 + rng.index(16)).min(b.len() - at);
            for x in &mut b[at..at + n] {
                *x = rng.next_u64() as u8;
            }
        }
    }
}

fn mutate_block(kind: Kind, b: &mut [u8], ctx: &Context, rng: &mut Rng) {
    match rng.below(8) {
        0..=3 => mutate_fields(kind, b, ctx, rng),
        4 => copy_record(kind, b, rng),
        _ => mutate_bytes(b, ctx, rng),
    }
}

/// Recomputes the checksums of a block holding `kind` (`first_ino`: an inode block's).
fn seal_block(kind: Kind, b: &mut [u8], first_ino: u32) {
    match kind {
        Kind::Superblock => seal::superblock(b),
        Kind::InodeBlock => seal::inode_block(b, first_ino),
        Kind::ExtentBlock => seal::extent_block(b),
        Kind::DirBlock | Kind::Image => {}
    }
}

/// The parameter's mutations: device sizes, inode numbers, chain positions.
fn mutate_param(input: &mut Input, ctx: &Context, rng: &mut Rng) {
    let marks = ctx.landmarks();
    let near = |rng: &mut Rng| {
        marks[rng.index(marks.len())]
            .wrapping_add(rng.below(5))
            .wrapping_sub(2)
    };
    input.param = match input.kind {
        Kind::Superblock => match rng.below(3) {
            0 => near(rng),
            1 => INTERESTING[rng.index(INTERESTING.len())],
            _ => rng.next_u64(),
        },
        Kind::InodeBlock => {
            let any = rng.next_u64() & 0xffff_ffff;
            *rng.pick(&[0, 1, 17, u32::MAX as u64 - 15, u32::MAX as u64, any])
                .unwrap_or(&1)
        }
        Kind::ExtentBlock => {
            let (owner, nextents, index) = extent_param_fields(input.param);
            match rng.below(3) {
                0 => extent_param(
                    *rng.pick(&[0, 1, 5, u32::MAX]).unwrap_or(&owner),
                    nextents as u64,
                    index as u64,
                ),
                1 => {
                    let n = *rng
                        .pick(&[
                            0,
                            7,
                            8,
                            175,
                            176,
                            177,
                            178,
                            179,
                            345,
                            MAX_EXTENTS as u64,
                            MAX_EXTENTS as u64 + 1,
                            0xF_FFFF,
                        ])
                        .unwrap_or(&8);
                    extent_param(owner, n, index as u64)
                }
                _ => extent_param(
                    owner,
                    nextents as u64,
                    *rng.pick(&[0, 1, 2, 3, 1023, 1024, 0xFFF]).unwrap_or(&0),
                ),
            }
        }
        Kind::DirBlock | Kind::Image => input.param,
    };
}

/// The role a block of the seed image has, for aiming and sealing.
fn pick_image_block(ctx: &Context, blocks: u64, rng: &mut Rng) -> (u64, Kind, u32) {
    let random = |rng: &mut Rng| (rng.below(blocks), Kind::DirBlock, 0);
    let Some(l) = ctx.layout else {
        return random(rng);
    };
    match rng.below(10) {
        0 | 1 => (0, Kind::Superblock, 0),
        2..=4 => {
            let i = rng.below(l.inode_table_blocks.min(4)); // the seeds' inodes are at the start
            (
                l.inode_table_start + i,
                Kind::InodeBlock,
                (i * INODES_PER_BLOCK as u64 + 1) as u32,
            )
        }
        5 | 6 if !ctx.extent_blocks.is_empty() => (
            ctx.extent_blocks[rng.index(ctx.extent_blocks.len())],
            Kind::ExtentBlock,
            0,
        ),
        5..=7 if !ctx.dir_blocks.is_empty() => (
            ctx.dir_blocks[rng.index(ctx.dir_blocks.len())],
            Kind::DirBlock,
            0,
        ),
        8 => (l.bitmap_start, Kind::DirBlock, 0), // bytes only: the bitmap has no fields
        _ => random(rng),
    }
}

fn mutate_image(image: &mut Vec<u8>, ctx: &Context, rng: &mut Rng, seal: bool) {
    let blocks = (image.len() / BLOCK_SIZE) as u64;
    if blocks == 0 || rng.one_in(40) {
        // The device shrinks or grows under the filesystem.
        let delta = (1 + rng.index(4)) * BLOCK_SIZE;
        let len = if rng.one_in(2) {
            image.len().saturating_sub(delta)
        } else {
            image.len() + delta
        };
        image.resize(len, 0);
        return;
    }
    if rng.one_in(20) {
        // A whole block copied over another: a chain or directory block in two places.
        let (from, to) = (
            rng.below(blocks) as usize * BLOCK_SIZE,
            rng.below(blocks) as usize * BLOCK_SIZE,
        );
        image.copy_within(from..from + BLOCK_SIZE, to);
        return;
    }
    let (b, kind, first_ino) = pick_image_block(ctx, blocks, rng);
    let at = b as usize * BLOCK_SIZE;
    let Some(block) = image.get_mut(at..at + BLOCK_SIZE) else {
        return;
    };
    mutate_block(kind, block, ctx, rng);
    if seal {
        seal_block(kind, block, first_ino);
        seal::extent_block(block); // whatever now carries the magic
    }
}

/// Applies a few mutations to `input` (a copy of a seed), sealing most of the time.
pub fn mutate(input: &mut Input, ctx: &Context, rng: &mut Rng) {
    let seal = !rng.one_in(16);
    let mut n = 1;
    while n < 8 && rng.one_in(2) {
        n += 1;
    }
    for _ in 0..n {
        if input.kind == Kind::Image {
            mutate_image(&mut input.data, ctx, rng, seal);
            continue;
        }
        if rng.one_in(8) {
            mutate_param(input, ctx, rng);
            continue;
        }
        mutate_block(input.kind, &mut input.data, ctx, rng);
    }
    if seal && input.kind != Kind::Image {
        let first_ino = input.param as u32;
        seal_block(input.kind, &mut input.data, first_ino);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnwfs_format::FormatError;

    /// Sealing is what lets mutations reach the field checks: most mutated superblocks
    /// must fail for a reason other than their checksum.
    #[test]
    fn sealed_mutations_reach_the_field_checks() {
        let seeds = crate::seeds::builtin().unwrap();
        let (_, sb) = seeds.iter().find(|(n, _)| n == "superblock").unwrap();
        let ctx = Context::of_image(&crate::seeds::populated_image().unwrap().image);
        let mut rng = Rng::new(7);
        let (mut checksum, mut other) = (0, 0);
        for _ in 0..2000 {
            let mut input = sb.clone();
            mutate(&mut input, &ctx, &mut rng);
            let block: &[u8; BLOCK_SIZE] = input.data.as_slice().try_into().unwrap();
            match Superblock::decode(block, input.param) {
                Err(FormatError::BadChecksum) => checksum += 1,
                Err(_) => other += 1,
                Ok(_) => {}
            }
        }
        assert!(
            other > 1000 && checksum < 300,
            "{other} field errors, {checksum} checksum errors"
        );
    }

    #[test]
    fn the_seed_image_context_finds_its_structures() {
        let p = crate::seeds::populated_image().unwrap();
        let ctx = Context::of_image(&p.image);
        assert_eq!(ctx.extent_blocks, p.chain.to_vec());
        assert!(
            ctx.dir_blocks.contains(&p.sub_block) && ctx.dir_blocks.len() == 2,
            "{:?}",
            ctx.dir_blocks
        );
        assert!(ctx.layout.is_some());
    }
}
