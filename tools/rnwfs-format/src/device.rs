// SPDX-License-Identifier: GPL-2.0
//! Whole-block I/O on a block device or image file, for mkfs and fsck; or on an image held
//! in memory, so that tests and the fuzzer run both tools without touching the disk.

use crate::BLOCK_SIZE;
use std::{
    format,
    fs::{File, OpenOptions},
    io::{self, Seek, SeekFrom},
    os::unix::fs::FileExt,
    path::Path,
    sync::Mutex,
    vec::Vec,
};

enum Backing {
    File(File),
    /// A Mutex, not a RefCell: writes through `&self` like the file, and `Device` stays Sync.
    Memory(Mutex<Vec<u8>>),
}

pub struct Device {
    backing: Backing,
    blocks: u64,
}

pub type Block = [u8; BLOCK_SIZE];

impl Device {
    /// Opens `path` (read-write if `write`); its size in whole blocks is the device size.
    pub fn open(path: &Path, write: bool) -> io::Result<Self> {
        let mut file = OpenOptions::new().read(true).write(write).open(path)?;
        let bytes = file.seek(SeekFrom::End(0))?;
        Ok(Self {
            backing: Backing::File(file),
            blocks: bytes / BLOCK_SIZE as u64,
        })
    }

    /// A device over `image` (its whole blocks; a partial last block is not part of it).
    pub fn memory(image: Vec<u8>) -> Self {
        let blocks = (image.len() / BLOCK_SIZE) as u64;
        Self {
            backing: Backing::Memory(Mutex::new(image)),
            blocks,
        }
    }

    /// The image of a memory device (None for a file).
    pub fn into_image(self) -> Option<Vec<u8>> {
        match self.backing {
            Backing::File(_) => None,
            Backing::Memory(m) => Some(
                m.into_inner()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            ),
        }
    }

    pub fn blocks(&self) -> u64 {
        self.blocks
    }

    /// Byte offset of `block`: an error, not an overflow, for a block number read from a
    /// corrupt image, and an error for a block beyond the device.
    fn offset(&self, block: u64) -> io::Result<u64> {
        if block >= self.blocks {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("block {block} beyond the device"),
            ));
        }
        // Cannot overflow: `blocks` came from a byte size.
        Ok(block * BLOCK_SIZE as u64)
    }

    pub fn read(&self, block: u64, buf: &mut Block) -> io::Result<()> {
        let at = self.offset(block)?;
        match &self.backing {
            Backing::File(f) => f.read_exact_at(buf, at),
            Backing::Memory(m) => {
                let image = m
                    .lock()
                    .map_err(|_| io::Error::other("memory device poisoned"))?;
                // In range: at + BLOCK_SIZE <= blocks * BLOCK_SIZE <= image.len().
                buf.copy_from_slice(&image[at as usize..at as usize + BLOCK_SIZE]);
                Ok(())
            }
        }
    }

    pub fn write(&self, block: u64, buf: &Block) -> io::Result<()> {
        let at = self.offset(block)?;
        match &self.backing {
            Backing::File(f) => f.write_all_at(buf, at),
            Backing::Memory(m) => {
                let mut image = m
                    .lock()
                    .map_err(|_| io::Error::other("memory device poisoned"))?;
                image[at as usize..at as usize + BLOCK_SIZE].copy_from_slice(buf);
                Ok(())
            }
        }
    }

    pub fn sync(&self) -> io::Result<()> {
        match &self.backing {
            Backing::File(f) => f.sync_all(),
            Backing::Memory(_) => Ok(()),
        }
    }
}
