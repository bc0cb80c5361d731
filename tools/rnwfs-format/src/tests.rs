// SPDX-License-Identifier: GPL-2.0
//! Round trips and corruption detection for every on-disk structure.

use crate::{
    crc32c,
    dirent::{self, DirEntry, FileType, NAME_MAX},
    extent::{self, Extent, ExtentBlock, EXTENTS_PER_BLOCK},
    inode::{Inode, Timestamp, INLINE_EXTENTS, S_IFDIR, S_IFREG},
    layout::{Layout, MIN_BLOCKS},
    superblock::{State, Superblock},
    FormatError, BLOCK_SIZE,
};

fn sample_superblock() -> (Superblock, [u8; BLOCK_SIZE]) {
    let layout = Layout::new(262_144, None).unwrap(); // 1 GiB
    let sb = Superblock::new(layout, [7; 16], [b'x'; 32], 1_700_000_000);
    let mut block = [0u8; BLOCK_SIZE];
    sb.encode(&mut block);
    (sb, block)
}

#[test]
fn crc32c_matches_the_standard_check_value() {
    assert_eq!(crc32c::checksum(b"123456789"), 0xE306_9283);
    assert_eq!(crc32c::checksum(b""), 0);
}

#[test]
fn layout_places_regions_in_order() {
    let l = Layout::new(262_144, None).unwrap();
    assert_eq!(l.bitmap_start, 1);
    assert_eq!(l.bitmap_blocks, 8); // 262144 / 32768
    assert_eq!(l.inode_table_start, 9);
    assert_eq!(l.inode_count, 65_536); // one per 16 KiB
    assert_eq!(l.inode_table_blocks, 4096);
    assert_eq!(l.data_start, 9 + 4096);
    assert_eq!(l.inode_location(1), Some((9, 0)));
    assert_eq!(l.inode_location(17), Some((10, 0)));
    assert_eq!(l.inode_location(0), None);
    assert_eq!(l.inode_location(65_537), None);
}

#[test]
fn layout_refuses_tiny_devices_and_odd_inode_counts() {
    assert_eq!(
        Layout::new(MIN_BLOCKS - 1, None),
        Err(FormatError::TooSmall)
    );
    assert!(Layout::new(1024, Some(1)).is_err());
    // More inode table than device.
    assert!(Layout::new(MIN_BLOCKS, Some(1 << 20)).is_err());
}

#[test]
fn superblock_round_trips() {
    let (sb, block) = sample_superblock();
    assert_eq!(Superblock::decode(&block, 262_144).unwrap(), sb);
}

#[test]
fn superblock_refuses_every_kind_of_damage() {
    let (_, good) = sample_superblock();
    let mut b = good;
    b[0] = b'X';
    assert_eq!(Superblock::decode(&b, 262_144), Err(FormatError::BadMagic));

    let mut b = good;
    b[200] ^= 1; // inside the checksummed area
    assert_eq!(
        Superblock::decode(&b, 262_144),
        Err(FormatError::BadChecksum)
    );

    // A device smaller than the filesystem.
    assert!(matches!(
        Superblock::decode(&good, 1000),
        Err(FormatError::BadGeometry(_))
    ));

    // Re-encoded (valid checksum) but inconsistent contents.
    let (sb, _) = sample_superblock();
    let mut bad = sb;
    bad.layout.data_start += 1;
    let mut b = [0u8; BLOCK_SIZE];
    bad.encode(&mut b);
    assert!(matches!(
        Superblock::decode(&b, 262_144),
        Err(FormatError::BadGeometry(_))
    ));

    let mut bad = sb;
    bad.free_blocks = bad.layout.total_blocks;
    bad.encode(&mut b);
    assert!(matches!(
        Superblock::decode(&b, 262_144),
        Err(FormatError::BadField(_))
    ));

    let mut bad = sb;
    bad.feature_incompat = 0x10;
    bad.encode(&mut b);
    assert_eq!(
        Superblock::decode(&b, 262_144),
        Err(FormatError::UnsupportedFeatures(0x10))
    );
}

#[test]
fn superblock_state_survives() {
    let (mut sb, _) = sample_superblock();
    sb.state = State::Dirty;
    let mut b = [0u8; BLOCK_SIZE];
    sb.encode(&mut b);
    assert_eq!(Superblock::decode(&b, 262_144).unwrap().state, State::Dirty);
}

fn sample_inode() -> Inode {
    let mut i = Inode {
        mode: S_IFREG | 0o644,
        links: 1,
        uid: 1000,
        gid: 100,
        size: 12_345,
        mtime: Timestamp {
            sec: 1_700_000_001,
            nsec: 999_999_999,
        },
        nextents: 2,
        ..Default::default()
    };
    i.extents[0] = Extent {
        logical: 0,
        physical: 5000,
        len: 2,
        flags: 0,
    };
    i.extents[1] = Extent {
        logical: 10,
        physical: 6000,
        len: 1,
        flags: extent::EXTENT_UNWRITTEN,
    };
    i
}

#[test]
fn inode_round_trips_and_binds_its_number() {
    let i = sample_inode();
    let mut slot = [0u8; 256];
    i.encode(42, &mut slot);
    assert_eq!(Inode::decode(42, &slot).unwrap(), i);
    // The same bytes in another slot fail: the checksum covers the inode number.
    assert_eq!(Inode::decode(43, &slot), Err(FormatError::BadChecksum));
    slot[20] ^= 0x80;
    assert_eq!(Inode::decode(42, &slot), Err(FormatError::BadChecksum));
}

#[test]
fn free_inode_slot_is_all_zeros() {
    assert!(Inode::decode(5, &[0u8; 256]).unwrap().is_free());
}

#[test]
fn inode_field_checks() {
    let mut i = sample_inode();
    i.mode = 0o010000 | 0o644; // a FIFO: not stored by rnwfs
    assert!(i.validate().is_err());
    let mut i = sample_inode();
    i.links = 0;
    assert!(i.validate().is_err());
    let mut i = sample_inode();
    i.nextents = 8; // needs an extent block
    assert!(i.validate().is_err());
    i.extent_block = 7000;
    assert!(i.validate().is_ok());
    let mut i = sample_inode();
    i.atime.nsec = 1_000_000_000;
    assert!(i.validate().is_err());
}

#[test]
fn extents_validate_against_the_data_region() {
    let e = Extent {
        logical: 0,
        physical: 100,
        len: 10,
        flags: 0,
    };
    assert!(e.validate(100, 110).is_ok());
    assert!(e.validate(101, 200).is_err());
    assert!(e.validate(0, 109).is_err());
    assert!(Extent { len: 0, ..e }.validate(0, 1000).is_err());
    assert!(Extent { flags: 4, ..e }.validate(0, 1000).is_err());
    let ordered = [e, Extent { logical: 10, ..e }];
    assert!(extent::validate_order(&ordered).is_ok());
    let overlapping = [e, Extent { logical: 9, ..e }];
    assert!(extent::validate_order(&overlapping).is_err());
}

#[test]
fn extent_block_round_trips_and_checks_owner() {
    let extents: std::vec::Vec<Extent> = (0..EXTENTS_PER_BLOCK as u64)
        .map(|n| Extent {
            logical: n * 2,
            physical: 1000 + n,
            len: 1,
            flags: 0,
        })
        .collect();
    let mut block = [0u8; BLOCK_SIZE];
    ExtentBlock::encode(9, &extents, 4242, &mut block).unwrap();
    let mut out = [Extent::default(); EXTENTS_PER_BLOCK];
    assert_eq!(
        ExtentBlock::decode(9, &block, &mut out).unwrap(),
        (EXTENTS_PER_BLOCK, 4242)
    );
    assert_eq!(&out[..], &extents[..]);
    assert!(ExtentBlock::decode(10, &block, &mut out).is_err());
    block[100] ^= 1;
    assert_eq!(
        ExtentBlock::decode(9, &block, &mut out),
        Err(FormatError::BadChecksum)
    );
    block[100] ^= 1;
    block[16] ^= 1; // the next pointer is covered too
    assert_eq!(
        ExtentBlock::decode(9, &block, &mut out),
        Err(FormatError::BadChecksum)
    );
}

#[test]
fn extent_chain_blocks_are_full_except_the_last() {
    let per = EXTENTS_PER_BLOCK;
    let nextents = INLINE_EXTENTS + 2 * per + 5;
    assert_eq!(extent::chain_length(INLINE_EXTENTS), 0);
    assert_eq!(extent::chain_length(INLINE_EXTENTS + 1), 1);
    assert_eq!(extent::chain_length(nextents), 3);
    assert!(extent::check_chain_block(0, nextents, per, 77).is_ok());
    assert!(extent::check_chain_block(2, nextents, 5, 0).is_ok());
    assert!(
        extent::check_chain_block(1, nextents, per - 1, 78).is_err(),
        "a short middle block"
    );
    assert!(
        extent::check_chain_block(1, nextents, per, 0).is_err(),
        "a chain that ends early"
    );
    assert!(
        extent::check_chain_block(2, nextents, 5, 79).is_err(),
        "a chain that goes on"
    );
}

#[test]
fn dirents_round_trip_and_refuse_bad_names() {
    let e = DirEntry::new(12, FileType::Regular, b"hello.txt").unwrap();
    let mut slot = [0u8; 64];
    e.encode(&mut slot);
    assert_eq!(DirEntry::decode(&slot).unwrap(), Some(e));
    assert_eq!(DirEntry::decode(&[0u8; 64]).unwrap(), None);

    let long = [b'a'; NAME_MAX];
    assert!(DirEntry::new(1, FileType::Regular, &long).is_ok());
    assert!(DirEntry::new(1, FileType::Regular, &[b'a'; NAME_MAX + 1]).is_err());
    for bad in [&b""[..], b"a/b", b".", b"..", b"a\0b"] {
        assert!(dirent::validate_name(bad).is_err(), "{bad:?}");
    }
    assert!(DirEntry::new(0, FileType::Regular, b"x").is_err());

    let mut slot = [0u8; 64];
    DirEntry::dot(3).encode(&mut slot);
    assert_eq!(DirEntry::decode(&slot).unwrap().unwrap().name(), b".");
    slot[5] = 60; // name length beyond the field
    assert!(DirEntry::decode(&slot).is_err());
}

#[test]
fn dirent_type_follows_mode() {
    assert_eq!(
        FileType::from_mode(S_IFDIR | 0o755),
        Some(FileType::Directory)
    );
    assert_eq!(FileType::from_mode(0o020644), None);
}
