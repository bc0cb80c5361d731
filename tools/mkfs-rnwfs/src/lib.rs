// SPDX-License-Identifier: GPL-2.0
//! Writing a new, empty rnwfs: superblock, bitmap, inode table with the root directory,
//! and the root directory's block.

use rnwfs_format::{
    device::{Block, Device},
    inode::{Inode, Timestamp, S_IFDIR},
    layout::BITS_PER_BLOCK,
    superblock::{LABEL_LEN, ROOT_INO},
    DirEntry, Extent, Layout, Superblock, BLOCK_SIZE,
};
use std::{fmt, io};

#[derive(Default)]
pub struct Options {
    pub label: Option<String>,
    pub inodes: Option<u32>,
    pub uuid: Option<[u8; 16]>,
    /// Seconds since the epoch for every timestamp (tests pin it).
    pub now: Option<i64>,
}

#[derive(Debug)]
pub enum MkfsError {
    Io(io::Error),
    Format(rnwfs_format::FormatError),
    LabelTooLong,
}

impl fmt::Display for MkfsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::Format(e) => write!(f, "{e}"),
            Self::LabelTooLong => write!(f, "label longer than {LABEL_LEN} bytes"),
        }
    }
}

impl From<io::Error> for MkfsError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn random_uuid() -> [u8; 16] {
    let mut u = [0u8; 16];
    if let Ok(f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = (&f).read_exact(&mut u);
    }
    u
}

/// Formats `dev`; returns the superblock written.
pub fn mkfs(dev: &Device, opts: &Options) -> Result<Superblock, MkfsError> {
    let layout = Layout::new(dev.blocks(), opts.inodes).map_err(MkfsError::Format)?;
    let mut label = [0u8; LABEL_LEN];
    if let Some(l) = &opts.label {
        if l.len() > LABEL_LEN {
            return Err(MkfsError::LabelTooLong);
        }
        label[..l.len()].copy_from_slice(l.as_bytes());
    }
    let now = opts.now.unwrap_or_else(now);
    let sb = Superblock::new(layout, opts.uuid.unwrap_or_else(random_uuid), label, now);
    let root_block = layout.data_start;

    // Zero the bitmap and inode table (the superblock goes last: a half-made filesystem
    // never has a valid one).
    let zero: Block = [0u8; BLOCK_SIZE];
    for b in layout.bitmap_start..layout.data_start {
        dev.write(b, &zero)?;
    }
    // Bitmap: metadata and the root directory's block are in use (they come first).
    let used = layout.metadata_blocks() + 1;
    let mut block: Block = [0u8; BLOCK_SIZE];
    for i in 0..layout.bitmap_blocks {
        let first = i * BITS_PER_BLOCK;
        if first >= used {
            break;
        }
        block.fill(0);
        for bit in 0..(used - first).min(BITS_PER_BLOCK) as usize {
            block[bit / 8] |= 1 << (bit % 8);
        }
        dev.write(layout.bitmap_start + i, &block)?;
    }

    // Root directory: inode 1, one block holding "." and "..".
    let t = Timestamp { sec: now, nsec: 0 };
    let mut root = Inode {
        mode: S_IFDIR | 0o755,
        links: 2,
        size: BLOCK_SIZE as u64,
        atime: t,
        mtime: t,
        ctime: t,
        nextents: 1,
        ..Default::default()
    };
    root.extents[0] = Extent {
        logical: 0,
        physical: root_block,
        len: 1,
        flags: 0,
    };
    let (iblock, off) = layout.inode_location(ROOT_INO).ok_or(MkfsError::Format(
        rnwfs_format::FormatError::BadGeometry("no room for the root inode"),
    ))?;
    dev.read(iblock, &mut block)?;
    root.encode(ROOT_INO, &mut block[off..]);
    dev.write(iblock, &block)?;

    let mut dir: Block = [0u8; BLOCK_SIZE];
    DirEntry::dot(ROOT_INO).encode(&mut dir[0..]);
    DirEntry::dotdot(ROOT_INO).encode(&mut dir[64..]);
    dev.write(root_block, &dir)?;

    dev.sync()?;
    sb.encode(&mut block);
    dev.write(0, &block)?;
    dev.sync()?;
    Ok(sb)
}
