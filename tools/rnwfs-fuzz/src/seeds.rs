// SPDX-License-Identifier: GPL-2.0
//! The built-in seeds: a fresh filesystem from mkfs and a populated one (files with inline
//! and chained extents, an unwritten extent, a hard link, a symlink, a subdirectory, an
//! empty file), both fsck-clean, and the structures cut out of them. `rnwfs-fuzz
//! --write-corpus DIR` writes them; tools/rnwfs-fuzz/corpus/ is that output.

use crate::input::{extent_param, Input, Kind};
use mkfs_rnwfs::{mkfs, Options};
use rnwfs_format::{
    device::{Block, Device},
    dirent::DIRENT_SIZE,
    extent::{EXTENTS_PER_BLOCK, EXTENT_UNWRITTEN},
    inode::{Inode, Timestamp, INLINE_EXTENTS, S_IFDIR, S_IFLNK, S_IFREG},
    superblock::ROOT_INO,
    DirEntry, Extent, ExtentBlock, FileType, Superblock, BLOCK_SIZE,
};
use std::io;

pub const FRESH_BLOCKS: u64 = 64;
pub const POPULATED_BLOCKS: u64 = 256;
/// The chained file's extents: seven inline, a full extent block and two more.
const CHAINED_EXTENTS: usize = INLINE_EXTENTS + EXTENTS_PER_BLOCK + 2;

fn options() -> Options {
    Options {
        label: Some("fuzz".into()),
        uuid: Some([0x5a; 16]),
        now: Some(1_700_000_000),
        ..Default::default()
    }
}

fn formatted(blocks: u64) -> io::Result<(Device, Superblock)> {
    let dev = Device::memory(vec![0u8; blocks as usize * BLOCK_SIZE]);
    let sb = mkfs(&dev, &options()).map_err(|e| io::Error::other(e.to_string()))?;
    Ok((dev, sb))
}

pub fn fresh_image() -> io::Result<Vec<u8>> {
    let (dev, _) = formatted(FRESH_BLOCKS)?;
    dev.into_image()
        .ok_or_else(|| io::Error::other("not a memory device"))
}

/// Adds inodes, blocks and entries to a fresh filesystem, keeping the bitmap and the free
/// counts right.
struct Builder {
    dev: Device,
    sb: Superblock,
    next_block: u64,
}

impl Builder {
    fn edit(&self, b: u64, f: impl FnOnce(&mut Block)) -> io::Result<()> {
        let mut block = [0u8; BLOCK_SIZE];
        self.dev.read(b, &mut block)?;
        f(&mut block);
        self.dev.write(b, &block)
    }

    fn alloc(&mut self) -> io::Result<u64> {
        let b = self.next_block;
        self.next_block += 1;
        let (bb, bit) = self.sb.layout.bitmap_location(b);
        self.edit(bb, |blk| blk[bit / 8] |= 1 << (bit % 8))?;
        self.sb.free_blocks -= 1;
        Ok(b)
    }

    fn put_inode(&mut self, ino: u32, inode: &Inode) -> io::Result<()> {
        let (b, off) = self
            .sb
            .layout
            .inode_location(ino)
            .ok_or_else(|| io::Error::other("no such inode"))?;
        self.edit(b, |blk| inode.encode(ino, &mut blk[off..]))?;
        self.sb.free_inodes -= 1;
        Ok(())
    }

    fn entry(
        &self,
        dir_block: u64,
        slot: usize,
        ino: u32,
        t: FileType,
        name: &[u8],
    ) -> io::Result<()> {
        let e = DirEntry::new(ino, t, name).map_err(|e| io::Error::other(e.to_string()))?;
        self.edit(dir_block, |blk| e.encode(&mut blk[slot * DIRENT_SIZE..]))
    }
}

fn t(sec: i64, nsec: u32) -> Timestamp {
    Timestamp { sec, nsec }
}

fn file(mode: u16, links: u16, size: u64, extents: &[Extent]) -> Inode {
    let mut i = Inode {
        mode,
        links,
        size,
        uid: 1000,
        gid: 100,
        atime: t(1_700_000_100, 1),
        mtime: t(1_700_000_200, 999_999_999),
        ctime: t(1_700_000_300, 500),
        generation: 7,
        nextents: extents.len() as u32,
        ..Default::default()
    };
    for (slot, e) in i.extents.iter_mut().zip(extents) {
        *slot = *e;
    }
    i
}

fn ext(logical: u64, physical: u64, len: u32, flags: u32) -> Extent {
    Extent {
        logical,
        physical,
        len,
        flags,
    }
}

/// The populated image, where its structures are.
pub struct Populated {
    pub image: Vec<u8>,
    /// The chained file's extent blocks.
    pub chain: [u64; 2],
    pub sub_block: u64,
}

pub fn populated_image() -> io::Result<Populated> {
    let (dev, sb) = formatted(POPULATED_BLOCKS)?;
    let root_block = sb.layout.data_start;
    let mut b = Builder {
        dev,
        sb,
        next_block: root_block + 1,
    };

    // Inode 2, "file" and "file2": two links, an unwritten extent, holes.
    let d0 = b.alloc()?;
    b.alloc()?; // d0's second block
    let (d1, d2) = (b.alloc()?, b.alloc()?);
    let extents = [
        ext(0, d0, 2, 0),
        ext(5, d1, 1, EXTENT_UNWRITTEN),
        ext(9, d2, 1, 0),
    ];
    b.put_inode(2, &file(S_IFREG | 0o644, 2, 9 * 4096 + 100, &extents))?;

    // Inode 3, "link" -> "file".
    let target = b.alloc()?;
    b.edit(target, |blk| blk[..4].copy_from_slice(b"file"))?;
    b.put_inode(3, &file(S_IFLNK | 0o777, 1, 4, &[ext(0, target, 1, 0)]))?;

    // Inode 4, "sub", holding inode 5 "inner", a file with an extent chain of two blocks.
    let sub_block = b.alloc()?;
    b.put_inode(
        4,
        &file(
            S_IFDIR | 0o755,
            2,
            BLOCK_SIZE as u64,
            &[ext(0, sub_block, 1, 0)],
        ),
    )?;
    b.edit(sub_block, |blk| {
        DirEntry::dot(4).encode(&mut blk[..]);
        DirEntry::dotdot(ROOT_INO).encode(&mut blk[DIRENT_SIZE..]);
    })?;
    b.entry(sub_block, 2, 5, FileType::Regular, b"inner")?;
    let mut chained = Vec::with_capacity(CHAINED_EXTENTS);
    for n in 0..CHAINED_EXTENTS as u64 {
        chained.push(ext(2 * n, b.alloc()?, 1, 0));
    }
    let chain = [b.alloc()?, b.alloc()?];
    let (first, second) = chained[INLINE_EXTENTS..].split_at(EXTENTS_PER_BLOCK);
    let encode = |extents: &[Extent], next: u64| -> io::Result<Block> {
        let mut blk = [0u8; BLOCK_SIZE];
        ExtentBlock::encode(5, extents, next, &mut blk)
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(blk)
    };
    b.dev.write(chain[0], &encode(first, chain[1])?)?;
    b.dev.write(chain[1], &encode(second, 0)?)?;
    let mut inner = file(
        S_IFREG | 0o600,
        1,
        (2 * CHAINED_EXTENTS as u64 - 1) * 4096,
        &chained[..INLINE_EXTENTS],
    );
    inner.nextents = CHAINED_EXTENTS as u32;
    inner.extent_block = chain[0];
    b.put_inode(5, &inner)?;

    // Inode 6, "empty": no blocks at all.
    b.put_inode(6, &file(S_IFREG | 0o644, 1, 0, &[]))?;

    // The root: ".", "..", then the entries; its link count gains the subdirectory.
    b.entry(root_block, 2, 2, FileType::Regular, b"file")?;
    b.entry(root_block, 3, 3, FileType::Symlink, b"link")?;
    b.entry(root_block, 4, 4, FileType::Directory, b"sub")?;
    b.entry(root_block, 5, 6, FileType::Regular, b"empty")?;
    b.entry(root_block, 7, 2, FileType::Regular, b"file2")?; // slot 6 stays free
    let (rb, off) =
        b.sb.layout
            .inode_location(ROOT_INO)
            .ok_or_else(|| io::Error::other("no root"))?;
    let mut blk = [0u8; BLOCK_SIZE];
    b.dev.read(rb, &mut blk)?;
    let mut root =
        Inode::decode(ROOT_INO, &blk[off..]).map_err(|e| io::Error::other(e.to_string()))?;
    root.links = 3;
    root.encode(ROOT_INO, &mut blk[off..]);
    b.dev.write(rb, &blk)?;

    let sb = b.sb;
    b.edit(0, |blk| sb.encode(blk))?;
    let image = b
        .dev
        .into_image()
        .ok_or_else(|| io::Error::other("not a memory device"))?;
    Ok(Populated {
        image,
        chain,
        sub_block,
    })
}

fn block_of(image: &[u8], b: u64) -> Vec<u8> {
    let at = b as usize * BLOCK_SIZE;
    image[at..at + BLOCK_SIZE].to_vec()
}

/// Every built-in seed, named.
pub fn builtin() -> io::Result<Vec<(String, Input)>> {
    let fresh = fresh_image()?;
    let Populated {
        image,
        chain,
        sub_block,
    } = populated_image()?;
    let sb = Superblock::decode(
        &block_of(&image, 0)
            .try_into()
            .map_err(|_| io::Error::other("block"))?,
        POPULATED_BLOCKS,
    )
    .map_err(|e| io::Error::other(e.to_string()))?;
    let l = sb.layout;
    let root_block = l.data_start;
    let mut seeds = vec![
        (
            "image-fresh".to_string(),
            Input {
                kind: Kind::Image,
                param: 0,
                data: fresh,
            },
        ),
        (
            "superblock".to_string(),
            Input {
                kind: Kind::Superblock,
                param: POPULATED_BLOCKS,
                data: block_of(&image, 0),
            },
        ),
        (
            "inodes".to_string(),
            Input {
                kind: Kind::InodeBlock,
                param: 1,
                data: block_of(&image, l.inode_table_start),
            },
        ),
        (
            "dir-root".to_string(),
            Input {
                kind: Kind::DirBlock,
                param: 0,
                data: block_of(&image, root_block),
            },
        ),
        (
            "dir-sub".to_string(),
            Input {
                kind: Kind::DirBlock,
                param: 0,
                data: block_of(&image, sub_block),
            },
        ),
    ];
    for (index, &b) in chain.iter().enumerate() {
        let param = extent_param(5, CHAINED_EXTENTS as u64, index as u64);
        seeds.push((
            format!("extent-block-{index}"),
            Input {
                kind: Kind::ExtentBlock,
                param,
                data: block_of(&image, b),
            },
        ));
    }
    seeds.push((
        "image-populated".to_string(),
        Input {
            kind: Kind::Image,
            param: 0,
            data: image,
        },
    ));
    Ok(seeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_images_are_clean() {
        for (name, image) in [
            ("fresh", fresh_image().unwrap()),
            ("populated", populated_image().unwrap().image),
        ] {
            let report = fsck_rnwfs::check(&Device::memory(image)).unwrap();
            assert!(report.problems.is_empty(), "{name}: {:#?}", report.problems);
        }
        let report = fsck_rnwfs::check(&Device::memory(populated_image().unwrap().image)).unwrap();
        assert_eq!(
            (report.files, report.directories, report.symlinks),
            (3, 2, 1)
        );
    }
}
