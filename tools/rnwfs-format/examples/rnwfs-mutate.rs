// SPDX-License-Identifier: GPL-2.0
//! Test helper (not a user tool): changes one field of an rnwfs image's metadata and
//! recomputes that structure's checksum, so that a crafted image gets past the checksum
//! and reaches the field checks (a checksum is no defence against a hostile image).
//!   rnwfs-mutate DEVICE sb OFFSET SIZE VALUE         superblock byte OFFSET (block 0)
//!   rnwfs-mutate DEVICE inode INO OFFSET SIZE VALUE  byte OFFSET of inode INO's slot
//! SIZE is 1, 2, 4 or 8 (little-endian); VALUE is decimal or 0x-hex, taken modulo 2^(8*SIZE).

use rnwfs_format::{
    crc32c,
    device::{Block, Device},
    inode::INODE_SIZE,
    superblock::SUPERBLOCK_SIZE,
    Superblock, BLOCK_SIZE,
};
use std::process::ExitCode;

fn number(s: &str) -> Result<u64, String> {
    let parsed = match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    };
    parsed.map_err(|e| format!("bad number '{s}': {e}"))
}

/// Writes `value`'s low `size` bytes, little-endian, at `at` of `b`.
fn put(b: &mut [u8], at: usize, size: usize, value: u64) -> Result<(), String> {
    if !matches!(size, 1 | 2 | 4 | 8) {
        return Err(format!("size {size}: must be 1, 2, 4 or 8"));
    }
    let end = at
        .checked_add(size)
        .filter(|&e| e <= b.len())
        .ok_or(format!("offset {at} + {size} past the structure"))?;
    b[at..end].copy_from_slice(&value.to_le_bytes()[..size]);
    Ok(())
}

fn run(args: &[String]) -> Result<(), String> {
    let usage =
        "usage: rnwfs-mutate DEVICE sb OFFSET SIZE VALUE | DEVICE inode INO OFFSET SIZE VALUE";
    let path = args.first().ok_or(usage)?;
    let dev = Device::open(path.as_ref(), true).map_err(|e| format!("{path}: {e}"))?;
    let io = |e: std::io::Error| format!("{path}: {e}");
    let mut b: Block = [0u8; BLOCK_SIZE];
    dev.read(0, &mut b).map_err(io)?;
    match args.get(1).map(String::as_str) {
        Some("sb") if args.len() == 5 => {
            put(
                &mut b[..SUPERBLOCK_SIZE - 4],
                number(&args[2])? as usize,
                number(&args[3])? as usize,
                number(&args[4])?,
            )?;
            let crc = crc32c::checksum(&b[..SUPERBLOCK_SIZE - 4]);
            b[SUPERBLOCK_SIZE - 4..SUPERBLOCK_SIZE].copy_from_slice(&crc.to_le_bytes());
            dev.write(0, &b).map_err(io)
        }
        Some("inode") if args.len() == 6 => {
            let sb = Superblock::decode(&b, dev.blocks())
                .map_err(|e| format!("superblock: {}", e.describe()))?;
            let ino = u32::try_from(number(&args[2])?).map_err(|_| "inode number too large")?;
            let (block, off) = sb
                .layout
                .inode_location(ino)
                .ok_or(format!("no inode {ino}"))?;
            dev.read(block, &mut b).map_err(io)?;
            let slot = &mut b[off..off + INODE_SIZE];
            put(
                &mut slot[..INODE_SIZE - 4],
                number(&args[3])? as usize,
                number(&args[4])? as usize,
                number(&args[5])?,
            )?;
            // The inode checksum covers its number too (see format::inode).
            let crc = !crc32c::update(!ino, &slot[..INODE_SIZE - 4]);
            slot[INODE_SIZE - 4..].copy_from_slice(&crc.to_le_bytes());
            dev.write(block, &b).map_err(io)
        }
        _ => Err(usage.into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rnwfs-mutate: {e}");
            ExitCode::from(2)
        }
    }
}
