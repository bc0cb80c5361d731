// SPDX-License-Identifier: GPL-2.0
//! fsck on crafted images (valid checksums, impossible values): each is reported as a
//! problem, never a panic, and a wide collision is one line, not one per block.

use fsck_rnwfs::check;
use mkfs_rnwfs::{mkfs, Options};
use rnwfs_format::{
    device::{Block, Device},
    inode::{Inode, S_IFREG},
    DirEntry, Extent, FileType, Superblock, BLOCK_SIZE,
};

const BLOCKS: u64 = 256;

/// A fresh filesystem in memory, edited by `craft`, then checked.
fn problems_after(craft: impl FnOnce(&Device, &Superblock)) -> Vec<String> {
    let dev = Device::memory(vec![0u8; BLOCKS as usize * BLOCK_SIZE]);
    let sb = mkfs(
        &dev,
        &Options {
            now: Some(1_700_000_000),
            ..Default::default()
        },
    )
    .unwrap();
    craft(&dev, &sb);
    check(&dev).unwrap().problems
}

fn edit(dev: &Device, b: u64, f: impl FnOnce(&mut Block)) {
    let mut block = [0u8; BLOCK_SIZE];
    dev.read(b, &mut block).unwrap();
    f(&mut block);
    dev.write(b, &block).unwrap();
}

/// Writes inode `ino` (checksummed) and an entry `name` for it in the root.
fn put_inode(dev: &Device, sb: &Superblock, ino: u32, name: &[u8], inode: &Inode) {
    let (b, off) = sb.layout.inode_location(ino).unwrap();
    edit(dev, b, |blk| inode.encode(ino, &mut blk[off..]));
    let slot = ino as usize; // 0 and 1 are "." and ".."
    edit(dev, sb.layout.data_start, |blk| {
        DirEntry::new(ino, FileType::Regular, name)
            .unwrap()
            .encode(&mut blk[slot * 64..])
    });
}

/// Writes inode 2, a regular file named "f" in the root.
fn put_file(dev: &Device, sb: &Superblock, inode: &Inode) {
    put_inode(dev, sb, 2, b"f", inode);
}

fn file(extent: Extent) -> Inode {
    let mut i = Inode {
        mode: S_IFREG | 0o644,
        links: 1,
        size: 4096,
        nextents: 1,
        ..Default::default()
    };
    i.extents[0] = extent;
    i
}

fn assert_found(problems: &[String], needle: &str) {
    assert!(
        problems.iter().any(|p| p.contains(needle)),
        "no problem mentioning {needle:?} in {problems:#?}"
    );
}

#[test]
fn superblock_with_huge_bitmap_is_a_problem() {
    let p = problems_after(|dev, sb| {
        let mut bad = *sb;
        bad.layout.bitmap_blocks = u64::MAX;
        edit(dev, 0, |blk| bad.encode(blk));
    });
    assert_eq!(
        p,
        vec!["superblock: bitmap size does not match the device".to_string()]
    );
}

#[test]
fn extent_at_the_top_of_the_block_range_is_a_problem() {
    let p = problems_after(|dev, sb| {
        put_file(
            dev,
            sb,
            &file(Extent {
                logical: 0,
                physical: u64::MAX - 1,
                len: 5,
                flags: 0,
            }),
        )
    });
    assert_found(&p, "inode 2: extent outside the data region");
}

#[test]
fn extent_beyond_the_largest_file_is_a_problem() {
    let p = problems_after(|dev, sb| {
        put_file(
            dev,
            sb,
            &file(Extent {
                logical: u64::MAX - 1,
                physical: sb.layout.data_start + 1,
                len: 5,
                flags: 0,
            }),
        )
    });
    assert_found(&p, "inode 2: extent beyond the largest file offset");
}

#[test]
fn chain_pointer_out_of_range_is_a_problem() {
    for first in [1, BLOCKS, u64::MAX] {
        let p = problems_after(|dev, sb| {
            let mut i = file(Extent {
                logical: 0,
                physical: sb.layout.data_start + 1,
                len: 1,
                flags: 0,
            });
            i.nextents = 8;
            i.extent_block = first;
            put_file(dev, sb, &i);
        });
        assert_found(
            &p,
            &format!("inode 2: extent block {first}: extent block outside the data region"),
        );
    }
}

#[test]
fn inode_size_beyond_loff_t_is_a_problem() {
    let p = problems_after(|dev, sb| {
        let mut i = file(Extent {
            logical: 0,
            physical: sb.layout.data_start + 1,
            len: 1,
            flags: 0,
        });
        i.size = u64::MAX;
        put_file(dev, sb, &i);
    });
    assert_found(&p, "inode 2: inode: size beyond the largest file size");
}

#[test]
fn typeless_inode_that_is_not_free_is_a_problem() {
    let p = problems_after(|dev, sb| {
        put_file(
            dev,
            sb,
            &Inode {
                links: 1,
                size: 9,
                ..Default::default()
            },
        )
    });
    assert_found(&p, "inode 2: inode: no file type but the slot is not free");
}

#[test]
fn wide_collision_is_one_line() {
    let p = problems_after(|dev, sb| {
        let first = sb.layout.data_start + 1;
        let whole = Extent {
            logical: 0,
            physical: first,
            len: (BLOCKS - first) as u32,
            flags: 0,
        };
        put_file(dev, sb, &file(whole));
        put_inode(dev, sb, 3, b"g", &file(whole));
    });
    let first = rnwfs_format::Layout::new(BLOCKS, None).unwrap().data_start + 1;
    let collisions: Vec<&String> = p
        .iter()
        .filter(|l| l.contains("claimed by inodes"))
        .collect();
    assert_eq!(
        collisions,
        vec![&format!(
            "block {first} claimed by inodes 2 and 3 (and {} more of its blocks)",
            BLOCKS - first - 1
        )],
        "{p:#?}"
    );
}

#[test]
fn device_shorter_than_the_filesystem_is_a_problem() {
    let dev = Device::memory(vec![0u8; BLOCKS as usize * BLOCK_SIZE]);
    mkfs(&dev, &Options::default()).unwrap();
    let mut image = dev.into_image().unwrap();
    image.truncate(image.len() - BLOCK_SIZE);
    let p = check(&Device::memory(image)).unwrap().problems;
    assert_eq!(
        p,
        vec!["superblock: filesystem larger than the device".to_string()]
    );
}
