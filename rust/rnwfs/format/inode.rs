// SPDX-License-Identifier: GPL-2.0
//! 256-byte inodes, 16 to a block; inode numbers start at 1 (the root directory).

use super::{
    bytes::*,
    crc32c,
    extent::{Extent, EXTENTS_PER_BLOCK, EXTENT_SIZE, MAX_EXTENT_BLOCKS},
    FormatError, Result,
};

pub const INODE_SIZE: usize = 256;
pub const INODES_PER_BLOCK: usize = super::BLOCK_SIZE / INODE_SIZE;
pub const INLINE_EXTENTS: usize = 7;
pub const MAX_EXTENTS: usize = INLINE_EXTENTS + EXTENTS_PER_BLOCK * MAX_EXTENT_BLOCKS;
/// Largest file size: the kernel's `MAX_LFS_FILESIZE` (`s_maxbytes`). A larger size would
/// be a negative `i_size`.
pub const MAX_FILE_SIZE: u64 = i64::MAX as u64;

/// Per-file writethrough (Documentation/writethrough.rst): persisted, set by ioctl.
pub const INODE_FLAG_WRITETHROUGH: u32 = 1;
pub const KNOWN_INODE_FLAGS: u32 = INODE_FLAG_WRITETHROUGH;

/// `S_IFMT` file types rnwfs stores.
pub const S_IFMT: u16 = 0o170000;
pub const S_IFREG: u16 = 0o100000;
pub const S_IFDIR: u16 = 0o040000;
pub const S_IFLNK: u16 = 0o120000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timestamp {
    pub sec: i64,
    pub nsec: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Inode {
    /// 0: the slot is free.
    pub mode: u16,
    pub links: u16,
    pub uid: u32,
    pub gid: u32,
    pub flags: u32,
    pub size: u64,
    pub atime: Timestamp,
    pub mtime: Timestamp,
    pub ctime: Timestamp,
    pub generation: u32,
    /// Extents in use: the first `min(nextents, 7)` are `extents`, the rest in the chain
    /// of extent blocks that starts at `extent_block`.
    pub nextents: u32,
    pub extent_block: u64,
    pub extents: [Extent; INLINE_EXTENTS],
}

const O_MODE: usize = 0;
const O_LINKS: usize = 2;
const O_UID: usize = 4;
const O_GID: usize = 8;
const O_FLAGS: usize = 12;
const O_SIZE: usize = 16;
const O_ATIME: usize = 24;
const O_MTIME: usize = 36;
const O_CTIME: usize = 48;
const O_GENERATION: usize = 60;
const O_NEXTENTS: usize = 64;
const O_EXTENT_BLOCK: usize = 72;
const O_EXTENTS: usize = 80;
const O_CHECKSUM: usize = INODE_SIZE - 4;

fn put_time(b: &mut [u8], at: usize, t: Timestamp) {
    put_i64(b, at, t.sec);
    put_u32(b, at + 8, t.nsec);
}

fn get_time(b: &[u8], at: usize) -> Timestamp {
    Timestamp {
        sec: get_i64(b, at),
        nsec: get_u32(b, at + 8),
    }
}

impl Inode {
    pub fn is_free(&self) -> bool {
        self.mode == 0
    }

    pub fn file_type(&self) -> u16 {
        self.mode & S_IFMT
    }

    pub fn is_dir(&self) -> bool {
        self.file_type() == S_IFDIR
    }

    /// Encodes inode `ino` into its 256-byte slot; the checksum covers the inode number,
    /// so a slot copied to the wrong place fails verification.
    pub fn encode(&self, ino: u32, b: &mut [u8]) {
        let b = &mut b[..INODE_SIZE];
        b.fill(0);
        put_u16(b, O_MODE, self.mode);
        put_u16(b, O_LINKS, self.links);
        put_u32(b, O_UID, self.uid);
        put_u32(b, O_GID, self.gid);
        put_u32(b, O_FLAGS, self.flags);
        put_u64(b, O_SIZE, self.size);
        put_time(b, O_ATIME, self.atime);
        put_time(b, O_MTIME, self.mtime);
        put_time(b, O_CTIME, self.ctime);
        put_u32(b, O_GENERATION, self.generation);
        put_u32(b, O_NEXTENTS, self.nextents);
        put_u64(b, O_EXTENT_BLOCK, self.extent_block);
        for (i, e) in self.extents.iter().enumerate() {
            e.encode(&mut b[O_EXTENTS + i * EXTENT_SIZE..]);
        }
        let crc = !crc32c::update(!ino, &b[..O_CHECKSUM]);
        put_u32(b, O_CHECKSUM, crc);
    }

    /// Decodes inode `ino` from its slot. An all-zero slot is a free inode; anything else
    /// must carry a valid checksum and sane fields.
    pub fn decode(ino: u32, b: &[u8]) -> Result<Self> {
        let b = b
            .get(..INODE_SIZE)
            .ok_or(FormatError::BadField("inode: slot shorter than an inode"))?;
        if b.iter().all(|&x| x == 0) {
            return Ok(Self::default());
        }
        if get_u32(b, O_CHECKSUM) != !crc32c::update(!ino, &b[..O_CHECKSUM]) {
            return Err(FormatError::BadChecksum);
        }
        // A free slot is all zeros (the allocator takes only those): a mode-0 slot with
        // anything in it is neither free nor in use.
        if get_u16(b, O_MODE) == 0 {
            return Err(FormatError::BadField(
                "inode: no file type but the slot is not free",
            ));
        }
        let mut extents = [Extent::default(); INLINE_EXTENTS];
        for (i, e) in extents.iter_mut().enumerate() {
            *e = Extent::decode(&b[O_EXTENTS + i * EXTENT_SIZE..]);
        }
        let inode = Self {
            mode: get_u16(b, O_MODE),
            links: get_u16(b, O_LINKS),
            uid: get_u32(b, O_UID),
            gid: get_u32(b, O_GID),
            flags: get_u32(b, O_FLAGS),
            size: get_u64(b, O_SIZE),
            atime: get_time(b, O_ATIME),
            mtime: get_time(b, O_MTIME),
            ctime: get_time(b, O_CTIME),
            generation: get_u32(b, O_GENERATION),
            nextents: get_u32(b, O_NEXTENTS),
            extent_block: get_u64(b, O_EXTENT_BLOCK),
            extents,
        };
        inode.validate()?;
        Ok(inode)
    }

    /// Field checks that need nothing but the inode.
    pub fn validate(&self) -> Result {
        if self.is_free() {
            return Ok(());
        }
        if !matches!(self.file_type(), S_IFREG | S_IFDIR | S_IFLNK) {
            return Err(FormatError::BadField("inode: unknown file type"));
        }
        if self.flags & !KNOWN_INODE_FLAGS != 0 {
            return Err(FormatError::BadField("inode: unknown flags"));
        }
        if self.links == 0 {
            return Err(FormatError::BadField("inode in use with no links"));
        }
        // "." and the entry in its parent: a directory with fewer would lose its last link
        // to its first subdirectory's rmdir, or be freed while it is still in use.
        if self.is_dir() && self.links < 2 {
            return Err(FormatError::BadField(
                "inode: directory with fewer than two links",
            ));
        }
        if self.size > MAX_FILE_SIZE {
            return Err(FormatError::BadField(
                "inode: size beyond the largest file size",
            ));
        }
        if self.nextents as usize > MAX_EXTENTS {
            return Err(FormatError::BadField("inode: too many extents"));
        }
        if (self.nextents as usize > INLINE_EXTENTS) != (self.extent_block != 0) {
            return Err(FormatError::BadField(
                "inode: extent block does not match the extent count",
            ));
        }
        if self.timestamps().iter().any(|t| t.nsec >= 1_000_000_000) {
            return Err(FormatError::BadField(
                "inode: timestamp nanoseconds out of range",
            ));
        }
        Ok(())
    }

    fn timestamps(&self) -> [Timestamp; 3] {
        [self.atime, self.mtime, self.ctime]
    }

    /// The inline extents in use.
    pub fn inline_extents(&self) -> &[Extent] {
        &self.extents[..(self.nextents as usize).min(INLINE_EXTENTS)]
    }
}
