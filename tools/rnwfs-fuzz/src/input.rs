// SPDX-License-Identifier: GPL-2.0
//! What the fuzzer feeds the decoders, and how an input is kept in a file (the seed corpus,
//! saved crashes): a header naming the kind and its parameter, then the bytes, trailing
//! zeros trimmed; images sparse (only their non-zero blocks), so the corpus stays small.

use rnwfs_format::BLOCK_SIZE;
use std::{fmt, io};

/// Largest image a file may describe (the fuzzer's images are far smaller).
pub const MAX_IMAGE_BLOCKS: u64 = 4096;
const MAGIC: &[u8; 8] = b"RNWFUZZ1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Block 0; `param`: the device's size in blocks.
    Superblock,
    /// A block of the inode table; `param`: the number of its first inode.
    InodeBlock,
    /// One block of an extent chain; `param`: owner (bits 0-31), the inode's extent count
    /// (bits 32-51) and the block's index in the chain (bits 52-63).
    ExtentBlock,
    /// A directory block (64 entries); `param` unused.
    DirBlock,
    /// A whole filesystem image (the device is exactly its blocks); `param` unused.
    Image,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Superblock,
        Kind::InodeBlock,
        Kind::ExtentBlock,
        Kind::DirBlock,
        Kind::Image,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Superblock => "superblock",
            Kind::InodeBlock => "inodes",
            Kind::ExtentBlock => "extent-block",
            Kind::DirBlock => "dir-block",
            Kind::Image => "image",
        }
    }

    fn code(self) -> u8 {
        self as u8
    }

    fn from_code(c: u8) -> Option<Self> {
        Self::ALL.get(c as usize).copied()
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub kind: Kind,
    pub param: u64,
    /// One block for every kind but Image, whose length is the device size.
    pub data: Vec<u8>,
}

/// `param` of an extent block input.
pub fn extent_param(owner: u32, nextents: u64, index: u64) -> u64 {
    owner as u64 | (nextents & 0xF_FFFF) << 32 | (index & 0xFFF) << 52
}

/// (owner, extent count, index) from an extent block input's `param`.
pub fn extent_param_fields(param: u64) -> (u32, usize, usize) {
    (
        param as u32,
        ((param >> 32) & 0xF_FFFF) as usize,
        (param >> 52) as usize,
    )
}

fn trimmed(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1);
    &b[..end]
}

fn bad(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("not a fuzzer input: {what}"),
    )
}

/// Takes `n` bytes from the front of `rest`.
fn take<'a>(rest: &mut &'a [u8], n: usize) -> io::Result<&'a [u8]> {
    if rest.len() < n {
        return Err(bad("truncated"));
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

fn le_u64(b: &[u8]) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&b[..8]);
    u64::from_le_bytes(v)
}

impl Input {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(MAGIC);
        out.push(self.kind.code());
        out.extend_from_slice(&self.param.to_le_bytes());
        if self.kind != Kind::Image {
            out.extend_from_slice(trimmed(&self.data));
            return out;
        }
        out.extend_from_slice(&((self.data.len() / BLOCK_SIZE) as u64).to_le_bytes());
        for (n, block) in self.data.chunks_exact(BLOCK_SIZE).enumerate() {
            let t = trimmed(block);
            if !t.is_empty() {
                out.extend_from_slice(&(n as u64).to_le_bytes());
                out.extend_from_slice(&(t.len() as u16).to_le_bytes());
                out.extend_from_slice(t);
            }
        }
        out
    }

    pub fn decode(file: &[u8]) -> io::Result<Self> {
        let mut rest = file;
        if take(&mut rest, 8)? != MAGIC {
            return Err(bad("bad magic"));
        }
        let kind = Kind::from_code(take(&mut rest, 1)?[0]).ok_or_else(|| bad("unknown kind"))?;
        let param = le_u64(take(&mut rest, 8)?);
        if kind != Kind::Image {
            if rest.len() > BLOCK_SIZE {
                return Err(bad("block longer than a block"));
            }
            let mut data = vec![0u8; BLOCK_SIZE];
            data[..rest.len()].copy_from_slice(rest);
            return Ok(Self { kind, param, data });
        }
        let blocks = le_u64(take(&mut rest, 8)?);
        if blocks > MAX_IMAGE_BLOCKS {
            return Err(bad("image too large"));
        }
        let mut data = vec![0u8; blocks as usize * BLOCK_SIZE];
        while !rest.is_empty() {
            let n = le_u64(take(&mut rest, 8)?);
            let l = take(&mut rest, 2)?;
            let len = u16::from_le_bytes([l[0], l[1]]) as usize;
            if n >= blocks || len > BLOCK_SIZE {
                return Err(bad("block record out of range"));
            }
            let at = n as usize * BLOCK_SIZE;
            data[at..at + len].copy_from_slice(take(&mut rest, len)?);
        }
        Ok(Self { kind, param, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_round_trip_through_their_file_form() {
        let mut image = vec![0u8; 8 * BLOCK_SIZE];
        image[3 * BLOCK_SIZE + 17] = 9;
        image[7 * BLOCK_SIZE + 10] = 1;
        let mut block = vec![0u8; BLOCK_SIZE];
        block[100] = 5;
        for input in [
            Input {
                kind: Kind::Image,
                param: 0,
                data: image,
            },
            Input {
                kind: Kind::Superblock,
                param: 1234,
                data: block.clone(),
            },
            Input {
                kind: Kind::ExtentBlock,
                param: extent_param(7, 200, 1),
                data: block,
            },
        ] {
            let file = input.encode();
            assert!(file.len() < 200, "sparse: {} bytes", file.len());
            assert_eq!(Input::decode(&file).unwrap(), input);
        }
        assert_eq!(extent_param_fields(extent_param(7, 200, 1)), (7, 200, 1));
    }

    #[test]
    fn damaged_files_are_errors() {
        let good = Input {
            kind: Kind::Image,
            param: 0,
            data: vec![1u8; 2 * BLOCK_SIZE],
        }
        .encode();
        for cut in 0..good.len() {
            let _ = Input::decode(&good[..cut]); // never a panic
        }
        assert!(Input::decode(b"RNWFUZZ1\x09").is_err());
        let mut huge = good.clone();
        huge[17..25].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(Input::decode(&huge).is_err());
    }
}
