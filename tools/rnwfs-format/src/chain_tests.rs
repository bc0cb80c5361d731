// SPDX-License-Identifier: GPL-2.0
//! Crafted extent chains with valid checksums: pointers out of range, a chain that loops,
//! one longer than its inode's extent count. The walk (format::chain) refuses each before it
//! reads a block it should not, and reads at most the blocks the extent count needs.

use crate::{
    chain::ChainWalk,
    crafted_record_tests::{chained_inode, extent},
    extent::{Extent, ExtentBlock, EXTENTS_PER_BLOCK},
    inode::INLINE_EXTENTS,
    FormatError, BLOCK_SIZE,
};

const DEVICE: u64 = 262_144;

/// An extent block of inode `ino` holding `count` one-block extents from file block `from`.
fn extent_block(ino: u32, from: u64, count: usize, next: u64) -> [u8; BLOCK_SIZE] {
    let extents: std::vec::Vec<Extent> = (from..from + count as u64)
        .map(|n| extent(n, 1000 + n, 1))
        .collect();
    let mut block = [0u8; BLOCK_SIZE];
    ExtentBlock::encode(ino, &extents, next, &mut block).unwrap();
    block
}

#[test]
fn chain_pointer_outside_the_data_region_is_refused() {
    let outside = Err(FormatError::BadField(
        "extent block outside the data region",
    ));
    for first in [1, 99, DEVICE, u64::MAX] {
        let walk = ChainWalk::new(5, &chained_inode(INLINE_EXTENTS as u32 + 1, first));
        assert_eq!(walk.next_block(100, DEVICE), outside, "{first}");
    }
    // A pointer inside a block that passed: the next one is checked the same way.
    let mut walk = ChainWalk::new(
        5,
        &chained_inode((INLINE_EXTENTS + 2 * EXTENTS_PER_BLOCK) as u32, 500),
    );
    assert_eq!(walk.next_block(100, DEVICE), Ok(Some(500)));
    let mut out = [Extent::default(); EXTENTS_PER_BLOCK];
    let block = extent_block(5, INLINE_EXTENTS as u64, EXTENTS_PER_BLOCK, u64::MAX);
    assert_eq!(
        walk.step(&block, &mut out).map(|e| e.len()),
        Ok(EXTENTS_PER_BLOCK)
    );
    assert_eq!(walk.next_block(100, DEVICE), outside);
}

#[test]
fn chain_that_loops_is_bounded_and_refused() {
    // Block 500 points at itself. The walk reads no more blocks than the extent count
    // needs, and the last of those must end the chain: a loop never does.
    let nextents = INLINE_EXTENTS + 2 * EXTENTS_PER_BLOCK;
    let inode = chained_inode(nextents as u32, 500);
    let block = extent_block(5, INLINE_EXTENTS as u64, EXTENTS_PER_BLOCK, 500);
    let mut walk = ChainWalk::new(5, &inode);
    let mut out = [Extent::default(); EXTENTS_PER_BLOCK];
    let mut reads = 0;
    let err = loop {
        match walk.next_block(100, DEVICE) {
            Ok(Some(_)) => {}
            Ok(None) => panic!("a looping chain ended"),
            Err(e) => break e,
        }
        reads += 1;
        if let Err(e) = walk.step(&block, &mut out) {
            break e;
        }
    };
    assert_eq!(reads, 2);
    assert_eq!(
        err,
        FormatError::BadField("extent block: chain length does not match the inode")
    );
}

#[test]
fn chain_longer_than_the_extent_count_is_refused() {
    // The inode needs one block, whose next pointer says the chain goes on.
    let inode = chained_inode(INLINE_EXTENTS as u32 + 3, 500);
    let mut walk = ChainWalk::new(5, &inode);
    let mut out = [Extent::default(); EXTENTS_PER_BLOCK];
    let block = extent_block(5, INLINE_EXTENTS as u64, 3, 501);
    assert_eq!(
        walk.step(&block, &mut out).map(|e| e.len()),
        Err(FormatError::BadField(
            "extent block: chain length does not match the inode"
        ))
    );
}
