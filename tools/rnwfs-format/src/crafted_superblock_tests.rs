// SPDX-License-Identifier: GPL-2.0
//! Crafted superblocks with valid checksums (anyone can recompute one): each holds a value
//! no valid superblock has, and decoding must refuse it with an error naming the problem,
//! never panic. The kernel builds with overflow checks, where an overflow is a BUG().

use crate::{
    layout::{Layout, MAX_INODES},
    superblock::Superblock,
    FormatError, BLOCK_SIZE,
};

const DEVICE: u64 = 262_144;

fn superblock() -> Superblock {
    Superblock::new(
        Layout::new(DEVICE, None).unwrap(),
        [7; 16],
        [0; 32],
        1_700_000_000,
    )
}

/// Encodes `sb` (so with a valid checksum) and decodes it again.
fn reencoded(sb: &Superblock) -> Result<Superblock, FormatError> {
    let mut block = [0u8; BLOCK_SIZE];
    sb.encode(&mut block);
    Superblock::decode(&block, DEVICE)
}

fn geometry(what: &'static str) -> Result<Superblock, FormatError> {
    Err(FormatError::BadGeometry(what))
}

#[test]
fn superblock_with_huge_bitmap_is_refused() {
    let mut sb = superblock();
    sb.layout.bitmap_blocks = u64::MAX; // 1 + u64::MAX overflowed
    assert_eq!(
        reencoded(&sb),
        geometry("bitmap size does not match the device")
    );
    // Consistent in itself but larger than the device needs: the kernel would pin it all.
    let mut sb = superblock();
    sb.layout.bitmap_blocks += 1;
    sb.layout.inode_table_start += 1;
    sb.layout.data_start += 1;
    assert_eq!(
        reencoded(&sb),
        geometry("bitmap size does not match the device")
    );
}

#[test]
fn superblock_with_huge_inode_table_is_refused() {
    let mut sb = superblock();
    sb.layout.inode_table_blocks = u64::MAX / 8; // times 16 inodes overflowed
    assert_eq!(
        reencoded(&sb),
        geometry("inode table size does not match the inode count")
    );
    let mut sb = superblock();
    sb.layout.inode_table_blocks = u64::MAX; // inode_table_start + it overflowed
    sb.layout.data_start = 0;
    assert_eq!(
        reencoded(&sb),
        geometry("inode table size does not match the inode count")
    );
}

#[test]
fn superblock_region_sums_that_overflow_are_refused() {
    let mut sb = superblock();
    sb.layout.inode_table_start = u64::MAX;
    assert_eq!(
        reencoded(&sb),
        geometry("inode table does not follow the bitmap")
    );
    let mut sb = superblock();
    sb.layout.data_start = u64::MAX;
    assert_eq!(
        reencoded(&sb),
        geometry("data does not follow the inode table")
    );
    let mut sb = superblock();
    sb.layout.total_blocks = u64::MAX;
    assert_eq!(
        reencoded(&sb),
        geometry("bitmap size does not match the device")
    );
}

#[test]
fn superblock_inode_count_must_fit_its_table_and_limits() {
    for count in [0, 1, MAX_INODES + 16, u32::MAX] {
        let mut sb = superblock();
        sb.layout.inode_count = count;
        assert_eq!(
            reencoded(&sb),
            geometry("inode count out of range"),
            "{count}"
        );
    }
    let mut sb = superblock();
    sb.layout.inode_count -= 16; // a table block too many
    assert_eq!(
        reencoded(&sb),
        geometry("inode table size does not match the inode count")
    );
}

#[test]
fn superblock_free_counts_beyond_what_exists_are_refused() {
    let mut sb = superblock();
    sb.free_blocks = u64::MAX;
    assert_eq!(
        reencoded(&sb),
        Err(FormatError::BadField(
            "free block count exceeds data blocks"
        ))
    );
    let mut sb = superblock();
    sb.free_inodes = u32::MAX;
    assert_eq!(
        reencoded(&sb),
        Err(FormatError::BadField("free inode count exceeds inodes"))
    );
}

/// The kernel caps the free counts it keeps at Layout::data_blocks and max_free_inodes (a
/// crafted count may disagree with the bitmap, and every free then adds one): those maxima
/// are the decoder's own limits, so a capped count always mounts again, one more never.
#[test]
fn the_free_count_caps_are_the_decoders_limits() {
    let l = superblock().layout;
    let mut sb = superblock();
    sb.free_blocks = l.data_blocks();
    sb.free_inodes = l.max_free_inodes();
    assert_eq!(reencoded(&sb), Ok(sb));
    sb.free_blocks += 1;
    assert_eq!(
        reencoded(&sb),
        Err(FormatError::BadField(
            "free block count exceeds data blocks"
        ))
    );
    let mut sb = superblock();
    sb.free_inodes = l.max_free_inodes() + 1;
    assert_eq!(
        reencoded(&sb),
        Err(FormatError::BadField("free inode count exceeds inodes"))
    );
    assert_eq!(
        (l.data_blocks(), l.max_free_inodes()),
        (DEVICE - l.data_start, l.inode_count - 1)
    );
}

#[test]
fn inode_location_never_overflows() {
    let mut l = Layout::new(DEVICE, None).unwrap();
    l.inode_table_start = u64::MAX; // never validated
    assert_eq!(l.inode_location(17), None);
}
