// SPDX-License-Identifier: GPL-2.0
//! Test helper (not a user tool): adds a regular file "file" (inode 2) and a symlink "link"
//! (inode 3) to the root of a freshly made rnwfs, consistently (fsck stays clean), so that
//! tests can check that the kernel reads an image it did not write itself.
//!   rnwfs-craft DEVICE

use rnwfs_format::{
    device::{Block, Device},
    inode::{Inode, S_IFLNK, S_IFREG},
    DirEntry, Extent, FileType, Superblock, BLOCK_SIZE,
};

fn main() -> std::io::Result<()> {
    let path = std::env::args().nth(1).expect("usage: rnwfs-craft DEVICE");
    let dev = Device::open(path.as_ref(), true)?;
    let mut b: Block = [0u8; BLOCK_SIZE];
    dev.read(0, &mut b)?;
    let mut sb = Superblock::decode(&b, dev.blocks()).expect("not a valid rnwfs");
    let l = sb.layout;
    let root_block = l.data_start;
    let add = |ino: u32,
               mode: u16,
               size: u64,
               block: u64,
               name: &[u8],
               ft: FileType,
               slot: usize|
     -> std::io::Result<()> {
        let mut inode = Inode {
            mode,
            links: 1,
            size,
            nextents: 1,
            ..Default::default()
        };
        inode.extents[0] = Extent {
            logical: 0,
            physical: block,
            len: 1,
            flags: 0,
        };
        let (ib, off) = l.inode_location(ino).expect("inode in range");
        let mut blk: Block = [0u8; BLOCK_SIZE];
        dev.read(ib, &mut blk)?;
        inode.encode(ino, &mut blk[off..]);
        dev.write(ib, &blk)?;
        let (bb, bit) = l.bitmap_location(block);
        dev.read(bb, &mut blk)?;
        blk[bit / 8] |= 1 << (bit % 8);
        dev.write(bb, &blk)?;
        dev.read(block, &mut blk)?;
        blk.fill(b'x');
        dev.write(block, &blk)?;
        dev.read(root_block, &mut blk)?;
        DirEntry::new(ino, ft, name)
            .expect("valid name")
            .encode(&mut blk[slot * 64..]);
        dev.write(root_block, &blk)
    };
    add(
        2,
        S_IFREG | 0o644,
        100,
        root_block + 1,
        b"file",
        FileType::Regular,
        2,
    )?;
    add(
        3,
        S_IFLNK | 0o777,
        4,
        root_block + 2,
        b"link",
        FileType::Symlink,
        3,
    )?;
    sb.free_blocks -= 2;
    sb.free_inodes -= 2;
    sb.encode(&mut b);
    dev.write(0, &b)?;
    dev.sync()
}
