// SPDX-License-Identifier: GPL-2.0
//! Directories: blocks of 64-byte entries, 64 to a block. Entry 0 of block 0 is ".",
//! entry 1 is "..". A free entry has inode number 0.

use super::{bytes::*, FormatError, Result, BLOCK_SIZE};

pub const DIRENT_SIZE: usize = 64;
pub const DIRENTS_PER_BLOCK: usize = BLOCK_SIZE / DIRENT_SIZE;
pub const NAME_MAX: usize = 56;

/// File types in directory entries (ext4's FT_* numbering).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Regular = 1,
    Directory = 2,
    Symlink = 7,
}

impl FileType {
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            1 => Some(Self::Regular),
            2 => Some(Self::Directory),
            7 => Some(Self::Symlink),
            _ => None,
        }
    }

    /// The type an inode of `mode` has.
    pub fn from_mode(mode: u16) -> Option<Self> {
        match mode & super::inode::S_IFMT {
            super::inode::S_IFREG => Some(Self::Regular),
            super::inode::S_IFDIR => Some(Self::Directory),
            super::inode::S_IFLNK => Some(Self::Symlink),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub ino: u32,
    pub file_type: FileType,
    name_len: u8,
    name: [u8; NAME_MAX],
}

impl DirEntry {
    /// A new entry; EINVAL-like errors for names the format cannot hold.
    pub fn new(ino: u32, file_type: FileType, name: &[u8]) -> Result<Self> {
        if ino == 0 {
            return Err(FormatError::BadField("directory entry for inode 0"));
        }
        validate_name(name)?;
        let mut buf = [0u8; NAME_MAX];
        buf[..name.len()].copy_from_slice(name);
        Ok(Self {
            ino,
            file_type,
            name_len: name.len() as u8,
            name: buf,
        })
    }

    /// The "." entry of directory `ino`.
    pub fn dot(ino: u32) -> Self {
        Self::special(ino, b".")
    }

    /// The ".." entry of a directory whose parent is `parent`.
    pub fn dotdot(parent: u32) -> Self {
        Self::special(parent, b"..")
    }

    fn special(ino: u32, name: &[u8]) -> Self {
        let mut buf = [0u8; NAME_MAX];
        buf[..name.len()].copy_from_slice(name);
        Self {
            ino,
            file_type: FileType::Directory,
            name_len: name.len() as u8,
            name: buf,
        }
    }

    pub fn name(&self) -> &[u8] {
        &self.name[..self.name_len as usize]
    }

    pub fn encode(&self, b: &mut [u8]) {
        let b = &mut b[..DIRENT_SIZE];
        b.fill(0);
        put_u32(b, 0, self.ino);
        b[4] = self.file_type as u8;
        b[5] = self.name_len;
        b[8..8 + NAME_MAX].copy_from_slice(&self.name);
    }

    /// Decodes an entry slot: `Ok(None)` for a free slot.
    pub fn decode(b: &[u8]) -> Result<Option<Self>> {
        let b = b
            .get(..DIRENT_SIZE)
            .ok_or(FormatError::BadField("dirent: slot shorter than an entry"))?;
        let ino = get_u32(b, 0);
        if ino == 0 {
            return Ok(None);
        }
        let file_type =
            FileType::from_u8(b[4]).ok_or(FormatError::BadField("dirent: bad file type"))?;
        let len = b[5] as usize;
        if len == 0 || len > NAME_MAX {
            return Err(FormatError::BadField("dirent: bad name length"));
        }
        if b[8 + len..8 + NAME_MAX].iter().any(|&c| c != 0) {
            return Err(FormatError::BadField("dirent: garbage after the name"));
        }
        let mut name = [0u8; NAME_MAX];
        name.copy_from_slice(&b[8..8 + NAME_MAX]);
        let e = Self {
            ino,
            file_type,
            name_len: len as u8,
            name,
        };
        if e.name() != b"." && e.name() != b".." {
            validate_name(e.name())?;
        }
        Ok(Some(e))
    }
}

/// A name a directory can hold: 1..=56 bytes, no '/' or NUL, not "." or "..".
pub fn validate_name(name: &[u8]) -> Result {
    if name.is_empty() || name.len() > NAME_MAX {
        return Err(FormatError::BadField("name length must be 1..56 bytes"));
    }
    if name.contains(&b'/') || name.contains(&0) {
        return Err(FormatError::BadField("name contains '/' or NUL"));
    }
    if name == b"." || name == b".." {
        return Err(FormatError::BadField("name is '.' or '..'"));
    }
    Ok(())
}
