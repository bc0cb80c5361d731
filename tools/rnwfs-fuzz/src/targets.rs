// SPDX-License-Identifier: GPL-2.0
//! Runs an input through every decoder and check that applies to its kind: the format's
//! decoders and validators (with round trips: what a decoder accepts, its encoder must
//! write back the same), the module's mount and inode load (kernel.rs), and fsck. Any panic
//! (an overflow, an index out of bounds, a broken round trip) is a failure.

use rnwfs_format::{
    chain::ChainWalk,
    dirent::{self, DirEntry, FileType, DIRENT_SIZE},
    extent::{self, Extent, ExtentBlock, EXTENTS_PER_BLOCK},
    inode::{Inode, INODE_SIZE},
    Layout, Superblock, BLOCK_SIZE,
};
use rnwfs_fuzz::input::{extent_param_fields, Input, Kind};

/// Data regions extents are checked against: a small device, and everything.
const REGIONS: [(u64, u64); 3] = [(6, 256), (1, u64::MAX), (0, 0)];

/// What a run found, for the statistics: whether the input's main decoder accepted it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Refused,
}

/// Runs every target for `input`.
pub fn run(input: &Input) -> Verdict {
    let Ok(block): Result<&[u8; BLOCK_SIZE], _> = input.data.as_slice().try_into() else {
        return match input.kind {
            Kind::Image => image(&input.data),
            _ => Verdict::Refused, // mutations keep blocks whole; a corpus file cannot be
        };
    };
    match input.kind {
        Kind::Superblock => superblock(block, input.param),
        Kind::InodeBlock => inode_block(block, input.param as u32),
        Kind::ExtentBlock => extent_block(block, input.param),
        Kind::DirBlock => dir_block(block),
        Kind::Image => image(&input.data),
    }
}

fn verdict<T, E>(r: &Result<T, E>) -> Verdict {
    if r.is_ok() {
        Verdict::Accepted
    } else {
        Verdict::Refused
    }
}

fn superblock(block: &[u8; BLOCK_SIZE], device_blocks: u64) -> Verdict {
    let decoded = Superblock::decode(block, device_blocks);
    let _ = Superblock::decode(block, u64::MAX);
    if let Ok(sb) = &decoded {
        let l = sb.layout;
        assert_eq!(l.validate(), Ok(()), "a decoded layout must validate");
        let _ = (
            l.inode_location(1),
            l.inode_location(l.inode_count),
            l.inode_location(u32::MAX),
        );
        let _ = (l.bitmap_location(l.total_blocks - 1), l.metadata_blocks());
        let mut again = [0u8; BLOCK_SIZE];
        sb.encode(&mut again);
        assert_eq!(
            Superblock::decode(&again, device_blocks).as_ref(),
            Ok(sb),
            "superblock round trip"
        );
    }
    // mkfs's computations for a device of any size and any -N.
    let total = device_blocks;
    let inodes = u32::from_le_bytes([block[88], block[89], block[90], block[91]]);
    for wanted in [None, Some(inodes)] {
        if let Ok(l) = Layout::new(total, wanted) {
            assert_eq!(l.validate(), Ok(()), "mkfs made a layout it would refuse");
            let sb = Superblock::new(l, [0; 16], [0; 32], 0);
            let mut b = [0u8; BLOCK_SIZE];
            sb.encode(&mut b);
            assert_eq!(
                Superblock::decode(&b, total),
                Ok(sb),
                "mkfs's superblock does not decode"
            );
        }
    }
    verdict(&decoded)
}

fn inode_block(block: &[u8; BLOCK_SIZE], first_ino: u32) -> Verdict {
    let mut accepted = Verdict::Accepted;
    for (i, slot) in block.chunks_exact(INODE_SIZE).enumerate() {
        let ino = first_ino.wrapping_add(i as u32);
        let _ = Inode::decode(ino, &slot[..slot[0] as usize % (INODE_SIZE + 1)]);
        let decoded = Inode::decode(ino, slot);
        if decoded.is_err() {
            accepted = Verdict::Refused;
        }
        let Ok(inode) = decoded else { continue };
        let _ = (
            inode.is_dir(),
            inode.file_type(),
            FileType::from_mode(inode.mode),
        );
        for (data_start, total) in REGIONS {
            for e in inode.inline_extents() {
                let _ = e.validate(data_start, total);
            }
            let _ = ChainWalk::new(ino, &inode).next_block(data_start, total);
        }
        let _ = extent::validate_order(inode.inline_extents());
        crate::kernel::edit_list(inode.inline_extents(), 1, u64::MAX, hash(slot));
        let _ = extent::chain_length(inode.nextents as usize);
        let mut again = [0u8; INODE_SIZE];
        inode.encode(ino, &mut again);
        if !inode.is_free() {
            assert_eq!(
                Inode::decode(ino, &again),
                Ok(inode),
                "inode {ino} round trip"
            );
        }
    }
    accepted
}

fn extent_block(block: &[u8; BLOCK_SIZE], param: u64) -> Verdict {
    let (owner, nextents, index) = extent_param_fields(param);
    let mut out = [Extent::default(); EXTENTS_PER_BLOCK];
    let Ok((n, next)) = ExtentBlock::decode(owner, block, &mut out) else {
        return Verdict::Refused;
    };
    let extents = out[..n].to_vec();
    let _ = extent::check_chain_block(index, nextents, n, next);
    for (data_start, total) in REGIONS {
        for e in &extents {
            let _ = e.validate(data_start, total);
        }
    }
    let _ = extent::validate_order(&extents);
    // The module's edits on such a list, in a device large enough for any of its extents.
    crate::kernel::edit_list(&extents, 1, u64::MAX, hash(block) ^ param);
    // The walk's view: this block as the first of the chain of an inode with `nextents`.
    let inode = Inode {
        nextents: nextents as u32,
        extent_block: 1,
        ..Default::default()
    };
    let _ = ChainWalk::new(owner, &inode).step(block, &mut out);
    let mut again = [0u8; BLOCK_SIZE];
    assert_eq!(
        ExtentBlock::encode(owner, &extents, next, &mut again),
        Ok(())
    );
    let mut back = [Extent::default(); EXTENTS_PER_BLOCK];
    assert_eq!(
        ExtentBlock::decode(owner, &again, &mut back),
        Ok((n, next)),
        "extent block round trip"
    );
    assert_eq!(back[..n], extents[..], "extent block round trip");
    Verdict::Accepted
}

fn dir_block(block: &[u8; BLOCK_SIZE]) -> Verdict {
    let mut accepted = Verdict::Accepted;
    for slot in block.chunks_exact(DIRENT_SIZE) {
        let _ = DirEntry::decode(&slot[..slot[7] as usize % (DIRENT_SIZE + 1)]);
        let _ = FileType::from_u8(slot[4]);
        let decoded = DirEntry::decode(slot);
        match decoded {
            Ok(Some(e)) => {
                let name = e.name();
                if dirent::validate_name(name).is_ok() {
                    let made = DirEntry::new(e.ino, e.file_type, name);
                    assert_eq!(made, Ok(e), "directory entry round trip");
                    let mut again = [0u8; DIRENT_SIZE];
                    e.encode(&mut again);
                    assert_eq!(
                        DirEntry::decode(&again),
                        Ok(Some(e)),
                        "directory entry round trip"
                    );
                }
            }
            Ok(None) => {}
            Err(_) => accepted = Verdict::Refused,
        }
    }
    accepted
}

/// A quick hash of an input's bytes, the seed of the edits kernel.rs tries on what it
/// loaded: the edits follow from the input, so a replay repeats them. (A CRC over a whole
/// image costs more than the rest of a run.)
fn hash(data: &[u8]) -> u64 {
    data.chunks(8).fold(0xcbf2_9ce4_8422_2325, |h, c| {
        let mut w = [0u8; 8];
        w[..c.len()].copy_from_slice(c);
        (h ^ u64::from_le_bytes(w))
            .wrapping_mul(0x0100_0000_01b3)
            .rotate_left(29)
    })
}

fn image(data: &[u8]) -> Verdict {
    crate::kernel::mount_and_load(data, hash(data));
    let dev = rnwfs_format::device::Device::memory(data.to_vec());
    match fsck_rnwfs::check(&dev) {
        Ok(report) if report.problems.is_empty() => Verdict::Accepted,
        _ => Verdict::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in seeds start valid for their kind: mutations start from inputs the
    /// decoders accept.
    #[test]
    fn structure_seeds_decode() {
        for (name, input) in rnwfs_fuzz::seeds::builtin().unwrap() {
            assert!(run(&input) == Verdict::Accepted, "{name} does not decode");
        }
    }
}
