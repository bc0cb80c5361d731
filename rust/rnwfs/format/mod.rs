// SPDX-License-Identifier: GPL-2.0
//! The rnwfs on-disk format, version 2: the one definition shared by the kernel module
//! (`mod format;` in rnwfs_main.rs) and the userspace tools (tools/rnwfs-format). Pure
//! `core`: layout, little-endian encode/decode, validation and checksums, no I/O and no
//! allocation. Documentation/rnwfs.rst describes the format in prose.
//!
//! Blocks are 4 KiB: block 0 holds the superblock, then the block allocation bitmap, then
//! the inode table (256-byte inodes), then data. Files map blocks with extents (seven in
//! the inode, the rest in a chain of extent blocks); directories are arrays of 64-byte
//! entries.
//!
//! Decoding trusts nothing it reads: a checksum anyone can recompute is no defence, and the
//! kernel builds with overflow checks, where an overflow is a BUG(). Every sum, product and
//! index derived from a field read from disk is checked, and a value no valid structure
//! holds is a [`FormatError`] naming it, never a panic (tools/rnwfs-fuzz tries).
#![forbid(unsafe_code)]

mod bytes;
pub mod chain;
pub mod crc32c;
pub mod dirent;
pub mod extent;
pub mod extent_map;
pub mod inode;
pub mod layout;
pub mod superblock;

pub use dirent::{DirEntry, FileType};
pub use extent::{Extent, ExtentBlock};
pub use inode::Inode;
pub use layout::Layout;
pub use superblock::{State, Superblock};

/// Every block, on disk and in the page cache.
pub const BLOCK_SIZE: usize = 4096;
pub const BLOCK_SHIFT: u32 = 12;

/// Why a structure was refused. Each names what is wrong, for mount errors and fsck.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatError {
    BadMagic,
    UnsupportedVersion(u32),
    UnsupportedFeatures(u32),
    BadBlockSize(u32),
    BadChecksum,
    BadState(u32),
    /// The geometry does not add up (regions overlap, exceed the device, …).
    BadGeometry(&'static str),
    /// A field holds a value no valid structure has.
    BadField(&'static str),
    TooSmall,
}

impl FormatError {
    /// A human-readable description (no allocation: the kernel prints it too).
    pub fn describe(&self) -> &'static str {
        match self {
            Self::BadMagic => "bad magic: not an rnwfs filesystem",
            Self::UnsupportedVersion(_) => "unsupported format version",
            Self::UnsupportedFeatures(_) => "unsupported incompatible features",
            Self::BadBlockSize(_) => "unsupported block size",
            Self::BadChecksum => "checksum mismatch",
            Self::BadState(_) => "invalid state field",
            Self::BadGeometry(what) => what,
            Self::BadField(what) => what,
            Self::TooSmall => "device too small for rnwfs",
        }
    }
}

impl core::fmt::Display for FormatError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::UnsupportedVersion(v) => write!(f, "unsupported format version {v}"),
            Self::UnsupportedFeatures(v) => write!(f, "unsupported incompatible features {v:#x}"),
            Self::BadBlockSize(v) => write!(f, "unsupported block size {v}"),
            Self::BadState(v) => write!(f, "invalid state {v}"),
            other => f.write_str(other.describe()),
        }
    }
}

pub type Result<T = ()> = core::result::Result<T, FormatError>;
