// SPDX-License-Identifier: GPL-2.0
//! mkfs makes a clean filesystem; fsck finds each kind of damage done to one.

use fsck_rnwfs::check;
use mkfs_rnwfs::{mkfs, Options};
use rnwfs_format::{
    device::{Block, Device},
    inode::{Inode, S_IFREG},
    superblock::{State, ROOT_INO},
    DirEntry, Extent, FileType, Superblock, BLOCK_SIZE,
};
use std::{
    fs,
    path::PathBuf,
    sync::atomic::{AtomicU32, Ordering},
};

/// A fresh image of `blocks` blocks, formatted; removed on drop.
struct Image {
    path: PathBuf,
    dev: Device,
    sb: Superblock,
}

impl Image {
    fn new(blocks: u64) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "rnwfs-test-{}-{}.img",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let f = fs::File::create(&path).unwrap();
        f.set_len(blocks * BLOCK_SIZE as u64).unwrap();
        let dev = Device::open(&path, true).unwrap();
        let sb = mkfs(
            &dev,
            &Options {
                label: Some("test".into()),
                now: Some(1_700_000_000),
                ..Default::default()
            },
        )
        .unwrap();
        Self { path, dev, sb }
    }

    fn problems(&self) -> Vec<String> {
        check(&self.dev).unwrap().problems
    }

    fn read(&self, b: u64) -> Block {
        let mut block = [0u8; BLOCK_SIZE];
        self.dev.read(b, &mut block).unwrap();
        block
    }

    fn edit(&self, b: u64, f: impl FnOnce(&mut Block)) {
        let mut block = self.read(b);
        f(&mut block);
        self.dev.write(b, &block).unwrap();
    }

    fn inode(&self, ino: u32) -> Inode {
        let (b, off) = self.sb.layout.inode_location(ino).unwrap();
        Inode::decode(ino, &self.read(b)[off..]).unwrap()
    }

    fn put_inode(&self, ino: u32, inode: &Inode) {
        let (b, off) = self.sb.layout.inode_location(ino).unwrap();
        self.edit(b, |blk| inode.encode(ino, &mut blk[off..]));
    }

    fn put_sb(&self, sb: &Superblock) {
        self.edit(0, |blk| sb.encode(blk));
    }

    fn set_bitmap(&self, block: u64, used: bool) {
        let (b, bit) = self.sb.layout.bitmap_location(block);
        self.edit(b, |blk| {
            if used {
                blk[bit / 8] |= 1 << (bit % 8)
            } else {
                blk[bit / 8] &= !(1 << (bit % 8))
            }
        });
    }

    /// Adds a one-block regular file `name` as inode `ino` in the root, consistently.
    fn add_file(&self, ino: u32, name: &[u8], block: u64) {
        let mut inode = Inode {
            mode: S_IFREG | 0o644,
            links: 1,
            size: 100,
            nextents: 1,
            ..Default::default()
        };
        inode.extents[0] = Extent {
            logical: 0,
            physical: block,
            len: 1,
            flags: 0,
        };
        self.put_inode(ino, &inode);
        self.set_bitmap(block, true);
        let root_block = self.inode(ROOT_INO).extents[0].physical;
        let slot = 2 + ino as usize; // free slots after "." and ".."
        self.edit(root_block, |blk| {
            DirEntry::new(ino, FileType::Regular, name)
                .unwrap()
                .encode(&mut blk[slot * 64..])
        });
        let mut sb = Superblock::decode(&self.read(0), self.dev.blocks()).unwrap();
        sb.free_blocks -= 1;
        sb.free_inodes -= 1;
        self.put_sb(&sb);
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn assert_found(problems: &[String], needle: &str) {
    assert!(
        problems.iter().any(|p| p.contains(needle)),
        "no problem mentioning {needle:?} in {problems:#?}"
    );
}

#[test]
fn fresh_filesystem_is_clean() {
    let img = Image::new(4096);
    let report = check(&img.dev).unwrap();
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert_eq!(report.directories, 1);
    assert_eq!(report.used_blocks, img.sb.layout.data_start + 1);
}

#[test]
fn consistent_file_is_clean() {
    let img = Image::new(4096);
    img.add_file(5, b"a.txt", img.sb.layout.data_start + 10);
    assert_eq!(img.problems(), Vec::<String>::new());
}

#[test]
fn corrupt_superblock_is_reported() {
    let img = Image::new(4096);
    img.edit(0, |b| b[0] = b'Z');
    assert_found(&img.problems(), "bad magic");
    let img = Image::new(4096);
    img.edit(0, |b| b[100] ^= 0xff);
    assert_found(&img.problems(), "checksum");
}

#[test]
fn dirty_state_is_reported() {
    let img = Image::new(4096);
    let mut sb = img.sb;
    sb.state = State::Dirty;
    img.put_sb(&sb);
    assert_found(&img.problems(), "not cleanly unmounted");
}

#[test]
fn bitmap_disagreements_are_reported() {
    let img = Image::new(4096);
    img.set_bitmap(img.sb.layout.data_start + 50, true);
    assert_found(&img.problems(), "allocated in the bitmap but unused");
    let img = Image::new(4096);
    img.set_bitmap(img.sb.layout.data_start, false); // the root directory's block
    assert_found(&img.problems(), "in use but free in the bitmap");
}

#[test]
fn free_counts_are_checked() {
    let img = Image::new(4096);
    let mut sb = img.sb;
    sb.free_blocks -= 3;
    img.put_sb(&sb);
    assert_found(&img.problems(), "free blocks recorded");
}

#[test]
fn doubly_claimed_block_is_reported() {
    let img = Image::new(4096);
    let root_block = img.sb.layout.data_start;
    img.add_file(5, b"a", root_block + 20);
    let mut inode = img.inode(5);
    inode.extents[0].physical = root_block; // the root directory's block
    img.put_inode(5, &inode);
    assert_found(&img.problems(), "claimed by inodes 1 and 5");
}

#[test]
fn link_counts_are_checked() {
    let img = Image::new(4096);
    let mut root = img.inode(ROOT_INO);
    root.links = 3;
    img.put_inode(ROOT_INO, &root);
    assert_found(&img.problems(), "inode 1: link count 3 but 2 found");
}

#[test]
fn dangling_entry_and_orphan_are_reported() {
    let img = Image::new(4096);
    img.add_file(5, b"a", img.sb.layout.data_start + 20);
    // Point the entry at a free inode: dangling entry, and inode 5 becomes an orphan.
    let root_block = img.inode(ROOT_INO).extents[0].physical;
    img.edit(root_block, |b| {
        DirEntry::new(6, FileType::Regular, b"a")
            .unwrap()
            .encode(&mut b[7 * 64..])
    });
    let p = img.problems();
    assert_found(&p, "points to free or invalid inode 6");
    assert_found(&p, "inode 5: in use but not reachable");
}

#[test]
fn corrupt_inode_checksum_is_reported() {
    let img = Image::new(4096);
    let (b, off) = img.sb.layout.inode_location(ROOT_INO).unwrap();
    img.edit(b, |blk| blk[off + 20] ^= 1);
    assert_found(&img.problems(), "inode 1: checksum mismatch");
}

#[test]
fn extent_outside_data_region_is_reported() {
    let img = Image::new(4096);
    img.add_file(5, b"a", img.sb.layout.data_start + 20);
    let mut inode = img.inode(5);
    inode.extents[0].physical = 2; // the bitmap
    img.put_inode(5, &inode);
    assert_found(&img.problems(), "extent outside the data region");
}

#[test]
fn too_small_device_is_refused_by_mkfs() {
    let path = std::env::temp_dir().join(format!("rnwfs-small-{}.img", std::process::id()));
    fs::File::create(&path)
        .unwrap()
        .set_len(10 * BLOCK_SIZE as u64)
        .unwrap();
    let dev = Device::open(&path, true).unwrap();
    assert!(mkfs(&dev, &Options::default()).is_err());
    let _ = fs::remove_file(&path);
}
