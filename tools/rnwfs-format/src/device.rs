// SPDX-License-Identifier: GPL-2.0
//! Whole-block I/O on a block device or image file, for mkfs and fsck.

use crate::BLOCK_SIZE;
use std::{
    fs::{File, OpenOptions},
    io::{self, Seek, SeekFrom},
    os::unix::fs::FileExt,
    path::Path,
};

pub struct Device {
    file: File,
    blocks: u64,
}

pub type Block = [u8; BLOCK_SIZE];

impl Device {
    /// Opens `path` (read-write if `write`); its size in whole blocks is the device size.
    pub fn open(path: &Path, write: bool) -> io::Result<Self> {
        let mut file = OpenOptions::new().read(true).write(write).open(path)?;
        let bytes = file.seek(SeekFrom::End(0))?;
        Ok(Self { file, blocks: bytes / BLOCK_SIZE as u64 })
    }

    pub fn blocks(&self) -> u64 {
        self.blocks
    }

    pub fn read(&self, block: u64, buf: &mut Block) -> io::Result<()> {
        self.file.read_exact_at(buf, block * BLOCK_SIZE as u64)
    }

    pub fn write(&self, block: u64, buf: &Block) -> io::Result<()> {
        self.file.write_all_at(buf, block * BLOCK_SIZE as u64)
    }

    pub fn sync(&self) -> io::Result<()> {
        self.file.sync_all()
    }
}
