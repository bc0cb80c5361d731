// SPDX-License-Identifier: GPL-2.0
//! Crafted extents, inodes and directory entries with valid checksums (anyone can
//! recompute one): each holds a value no valid one has, and decoding must refuse it with an
//! error naming the problem, never panic or index out of bounds.

use crate::{
    dirent::DirEntry,
    extent::{self, Extent, MAX_FILE_BLOCKS},
    inode::{Inode, INLINE_EXTENTS, MAX_EXTENTS, MAX_FILE_SIZE, S_IFDIR, S_IFREG},
    FormatError,
};

/// A device of this many blocks, data from block 100.
const DEVICE: u64 = 262_144;

pub(crate) fn extent(logical: u64, physical: u64, len: u32) -> Extent {
    Extent {
        logical,
        physical,
        len,
        flags: 0,
    }
}

/// A regular file with `nextents` extents, its chain (if any) starting at `first`.
pub(crate) fn chained_inode(nextents: u32, first: u64) -> Inode {
    let mut i = Inode {
        mode: S_IFREG | 0o644,
        links: 1,
        nextents,
        extent_block: first,
        ..Default::default()
    };
    for (n, e) in i.extents.iter_mut().enumerate() {
        *e = extent(n as u64, 1000 + n as u64, 1);
    }
    i
}

#[test]
fn extent_near_the_top_of_the_device_range_is_refused() {
    let outside = Err(FormatError::BadField("extent outside the data region"));
    assert_eq!(extent(0, u64::MAX - 1, 5).validate(100, DEVICE), outside); // end_physical overflowed
    assert_eq!(
        extent(0, u64::MAX, u32::MAX).validate(100, u64::MAX),
        outside
    );
    assert_eq!(extent(0, DEVICE - 1, 2).validate(100, DEVICE), outside);
    assert_eq!(extent(0, DEVICE - 2, 2).validate(100, DEVICE), Ok(()));
}

#[test]
fn extent_beyond_the_largest_file_is_refused() {
    let beyond = Err(FormatError::BadField(
        "extent beyond the largest file offset",
    ));
    assert_eq!(extent(u64::MAX - 1, 100, 5).validate(100, DEVICE), beyond);
    assert_eq!(
        extent(MAX_FILE_BLOCKS, 100, 1).validate(100, DEVICE),
        beyond
    );
    assert_eq!(
        extent(MAX_FILE_BLOCKS - 1, 100, 2).validate(100, DEVICE),
        beyond
    );
    assert_eq!(
        extent(MAX_FILE_BLOCKS - 1, 100, 1).validate(100, DEVICE),
        Ok(())
    );
    // Its last byte is the largest loff_t.
    assert_eq!((MAX_FILE_BLOCKS << 12) - 1, i64::MAX as u64);
}

#[test]
fn extent_order_check_never_overflows() {
    let last = extent(u64::MAX - 1, 100, 5); // its end overflowed
    assert!(extent::validate_order(&[last, extent(0, 200, 1)]).is_err());
    assert!(
        extent::validate_order(&[extent(0, 200, 1), last]).is_ok(),
        "ordered; validate() refuses it"
    );
}

#[test]
fn chain_block_beyond_the_chain_is_refused() {
    // nextents - before underflowed for an index past the chain's end.
    let beyond = Err(FormatError::BadField(
        "extent block: beyond the chain the inode needs",
    ));
    assert_eq!(
        extent::check_chain_block(5, INLINE_EXTENTS + 1, 1, 0),
        beyond
    );
    assert_eq!(
        extent::check_chain_block(usize::MAX, MAX_EXTENTS, 1, 0),
        beyond
    );
    assert_eq!(extent::check_chain_block(0, 0, 0, 0), beyond);
    assert_eq!(
        extent::check_chain_block(0, INLINE_EXTENTS + 1, 1, 0),
        Ok(())
    );
}

fn encoded(inode: &Inode, ino: u32) -> [u8; 256] {
    let mut slot = [0u8; 256];
    inode.encode(ino, &mut slot);
    slot
}

#[test]
fn inode_with_size_beyond_loff_t_is_refused() {
    let mut i = chained_inode(1, 0);
    i.size = MAX_FILE_SIZE + 1; // a negative i_size
    let beyond = Err(FormatError::BadField(
        "inode: size beyond the largest file size",
    ));
    assert_eq!(Inode::decode(5, &encoded(&i, 5)), beyond);
    i.size = u64::MAX;
    assert_eq!(Inode::decode(5, &encoded(&i, 5)), beyond);
    i.size = MAX_FILE_SIZE;
    assert_eq!(Inode::decode(5, &encoded(&i, 5)), Ok(i));
}

#[test]
fn inode_with_too_many_extents_is_refused() {
    let mut i = chained_inode(u32::MAX, 500);
    assert_eq!(
        Inode::decode(5, &encoded(&i, 5)),
        Err(FormatError::BadField("inode: too many extents"))
    );
    i.nextents = MAX_EXTENTS as u32 + 1;
    assert_eq!(
        Inode::decode(5, &encoded(&i, 5)),
        Err(FormatError::BadField("inode: too many extents"))
    );
}

#[test]
fn inode_without_a_type_but_not_free_is_refused() {
    let i = Inode {
        links: 1,
        size: 7,
        ..Default::default()
    };
    assert_eq!(
        Inode::decode(5, &encoded(&i, 5)),
        Err(FormatError::BadField(
            "inode: no file type but the slot is not free"
        ))
    );
}

#[test]
fn directory_with_fewer_than_two_links_is_refused() {
    // "." and its entry in the parent: one link is a crafted count an rmdir would take to 0.
    let refused = Err(FormatError::BadField(
        "inode: directory with fewer than two links",
    ));
    let mut d = Inode {
        mode: S_IFDIR | 0o755,
        links: 1,
        size: 4096,
        ..Default::default()
    };
    assert_eq!(Inode::decode(5, &encoded(&d, 5)), refused);
    d.links = 2;
    assert_eq!(Inode::decode(5, &encoded(&d, 5)), Ok(d));
    let f = Inode {
        mode: S_IFREG | 0o644,
        links: 1,
        ..Default::default()
    };
    assert_eq!(
        Inode::decode(5, &encoded(&f, 5)),
        Ok(f),
        "one link is a file's usual count"
    );
}

#[test]
fn short_slots_are_refused() {
    assert_eq!(
        Inode::decode(5, &[1u8; 255]),
        Err(FormatError::BadField("inode: slot shorter than an inode"))
    );
    assert_eq!(
        DirEntry::decode(&[1u8; 63]),
        Err(FormatError::BadField("dirent: slot shorter than an entry"))
    );
}

#[test]
fn dirent_name_length_past_the_entry_is_refused() {
    let mut slot = [0u8; 64];
    DirEntry::dot(3).encode(&mut slot);
    for len in [57u8, 58, 200, 255] {
        slot[5] = len;
        assert_eq!(
            DirEntry::decode(&slot),
            Err(FormatError::BadField("dirent: bad name length")),
            "{len}"
        );
    }
}
