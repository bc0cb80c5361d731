// SPDX-License-Identifier: GPL-2.0
//! Mutations aimed at what a mount and a walk use and the decoders cannot judge alone: the
//! link count, size, type and extents of an inode in use, the inode and type a directory
//! entry names, an entry duplicated, the superblock's free counts, the bitmap bits of
//! blocks in use. The values are plausible (each structure still decodes, its checksum
//! recomputed), so the image gets past the mount and the inode loads to the namespace and
//! allocation code behind them. rnwfs_fuzz::mutate's blind mutations reach these fields
//! too, but rarely with a value the decoders accept.

use rnwfs_format::{
    dirent::{DIRENTS_PER_BLOCK, DIRENT_SIZE},
    inode::{INODE_SIZE, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG},
    DirEntry, Inode, Superblock, BLOCK_SIZE,
};
use rnwfs_fuzz::{rng::Rng, seal};

/// Where the structures in use are in a seed image.
#[derive(Default)]
pub struct Targets {
    /// Inodes in use: number, decoded, byte offset of the slot in the image.
    inodes: Vec<(u32, Inode, usize)>,
    /// Byte offsets of directory entry slots, with their directory and whether in use.
    dirents: Vec<(u32, usize, bool)>,
    /// Data blocks in use by files (their inline extents).
    used: Vec<u64>,
    bitmap_start: u64,
    data_start: u64,
    total_blocks: u64,
}

fn block_of(image: &[u8], b: u64) -> Option<&[u8]> {
    let at = usize::try_from(b).ok()?.checked_mul(BLOCK_SIZE)?;
    image.get(at..at.checked_add(BLOCK_SIZE)?)
}

impl Targets {
    pub fn of_image(image: &[u8]) -> Self {
        let Some(sb) = block_of(image, 0)
            .and_then(|b| <&[u8; BLOCK_SIZE]>::try_from(b).ok())
            .and_then(|b| Superblock::decode(b, (image.len() / BLOCK_SIZE) as u64).ok())
        else {
            return Self::default();
        };
        let l = sb.layout;
        let mut t = Self {
            bitmap_start: l.bitmap_start,
            data_start: l.data_start,
            total_blocks: l.total_blocks,
            ..Default::default()
        };
        for ino in 1..=l.inode_count {
            let Some((b, off)) = l.inode_location(ino) else {
                break;
            };
            let Some(at) = usize::try_from(b)
                .ok()
                .and_then(|b| b.checked_mul(BLOCK_SIZE))
                .and_then(|a| a.checked_add(off))
            else {
                break;
            };
            let Some(slot) = image.get(at..at + INODE_SIZE) else {
                break;
            };
            let Ok(inode) = Inode::decode(ino, slot) else {
                continue;
            };
            if inode.is_free() {
                continue;
            }
            for e in inode.inline_extents() {
                for p in e.physical..e.physical.saturating_add(e.len as u64).min(l.total_blocks) {
                    t.used.push(p);
                    if inode.is_dir() {
                        for s in 0..DIRENTS_PER_BLOCK {
                            let d = p as usize * BLOCK_SIZE + s * DIRENT_SIZE;
                            let used = image
                                .get(d..d + 4)
                                .is_some_and(|x| x.iter().any(|&c| c != 0));
                            t.dirents.push((ino, d, used));
                        }
                    }
                }
            }
            t.inodes.push((ino, inode, at));
        }
        t
    }

    pub fn is_empty(&self) -> bool {
        self.inodes.is_empty()
    }
}

fn put(b: &mut [u8], at: usize, width: usize, v: u64) {
    if let Some(dst) = at.checked_add(width).and_then(|end| b.get_mut(at..end)) {
        dst.copy_from_slice(&v.to_le_bytes()[..width]);
    }
}

/// A value 1 or 2 away from `v`, or one of `special`.
fn near(v: u64, special: &[u64], rng: &mut Rng) -> u64 {
    if rng.one_in(2) {
        if let Some(&s) = rng.pick(special) {
            return s;
        }
    }
    let d = 1 + rng.below(2);
    if rng.one_in(2) {
        v.wrapping_add(d)
    } else {
        v.wrapping_sub(d)
    }
}

/// One aimed mutation of `image`, whose structures `t` describes.
pub fn mutate(image: &mut [u8], t: &Targets, rng: &mut Rng) {
    let Some(&(ino, inode, at)) = rng.pick(&t.inodes) else {
        return;
    };
    match rng.below(10) {
        0..=2 => {
            // The link count: one too few for the names (dropped below zero by unlinks),
            // one too many, 1 for a directory, 0 or the maximum.
            let v = near(inode.links as u64, &[0, 1, 2, u16::MAX as u64], rng);
            put(image, at + 2, 2, v);
        }
        3 => {
            let bs = BLOCK_SIZE as u64;
            let v = near(
                inode.size,
                &[0, 1, bs - 1, bs, bs + 1, 2 * bs, 1 << 40, i64::MAX as u64],
                rng,
            );
            put(image, at + 16, 8, v);
        }
        4 => {
            // Another type (with the extents of this one).
            let ty = *rng.pick(&[S_IFREG, S_IFDIR, S_IFLNK]).unwrap_or(&S_IFREG);
            put(image, at, 2, ((inode.mode & !S_IFMT) | ty) as u64);
        }
        5 => {
            // An extent onto another file's block, the first data block, or one longer.
            let n = inode.inline_extents().len();
            if n == 0 {
                return;
            }
            let e = at + 80 + rng.index(n) * 24;
            match rng.below(3) {
                0 => put(image, e + 8, 8, *rng.pick(&t.used).unwrap_or(&t.data_start)),
                1 => put(image, e + 8, 8, t.data_start),
                _ => put(
                    image,
                    e + 16,
                    4,
                    near(inode.extents[0].len as u64, &[1, 2], rng),
                ),
            }
        }
        6 => {
            // The extent count against what the inode and its chain hold.
            put(
                image,
                at + 64,
                4,
                near(inode.nextents as u64, &[0, 7, 8], rng),
            );
        }
        7 | 8 => return dirent(image, t, rng),
        _ => return counts(image, t, rng),
    }
    if let Some(slot) = image.get_mut(at..at + INODE_SIZE) {
        seal::inode(slot, ino);
    }
}

/// A directory entry naming another inode (in use, free, the directory itself, the root)
/// or another type, or copied into a free slot (two entries of one name).
fn dirent(image: &mut [u8], t: &Targets, rng: &mut Rng) {
    let used: Vec<(u32, usize)> = t
        .dirents
        .iter()
        .filter(|d| d.2)
        .map(|d| (d.0, d.1))
        .collect();
    let Some(&(dir, at)) = rng.pick(&used) else {
        return;
    };
    let Some(slot) = image.get(at..at + DIRENT_SIZE) else {
        return;
    };
    // "." and "..": their inode numbers only.
    let special = DirEntry::decode(slot)
        .ok()
        .flatten()
        .is_some_and(|e| e.name() == b"." || e.name() == b"..");
    match rng.below(if special { 1 } else { 3 }) {
        0 => {
            let other = rng.pick(&t.inodes).map_or(1, |i| i.0);
            let free = t.inodes.last().map_or(2, |i| i.0 + 1);
            let v = *rng.pick(&[other, other, dir, 1, free]).unwrap_or(&1);
            put(image, at, 4, v as u64);
        }
        1 => put(image, at + 4, 1, *rng.pick(&[1u64, 2, 7]).unwrap_or(&1)),
        _ => {
            // This entry copied into a free slot of its directory: two entries of one name.
            let free: Vec<usize> = t
                .dirents
                .iter()
                .filter(|d| d.0 == dir && !d.2)
                .map(|d| d.1)
                .collect();
            let Some(&to) = rng.pick(&free) else { return };
            if to + DIRENT_SIZE <= image.len() && at + DIRENT_SIZE <= image.len() {
                image.copy_within(at..at + DIRENT_SIZE, to);
            }
        }
    }
}

/// The free counts (within the ranges the superblock decoder accepts) or bitmap bits.
fn counts(image: &mut [u8], t: &Targets, rng: &mut Rng) {
    match rng.below(3) {
        0 => {
            let data = t.total_blocks.saturating_sub(t.data_start);
            put(
                image,
                80,
                8,
                *rng.pick(&[0, 1, data.saturating_sub(1), data])
                    .unwrap_or(&0),
            );
        }
        1 => {
            let count = u32::from_le_bytes([image[88], image[89], image[90], image[91]]) as u64;
            put(
                image,
                92,
                4,
                *rng.pick(&[0, 1, count.saturating_sub(1)]).unwrap_or(&0),
            );
        }
        _ => {
            // A block in use marked free (allocated twice), or every bit of a word set.
            let Some(&b) = rng.pick(&t.used) else { return };
            let byte = t.bitmap_start as usize * BLOCK_SIZE + (b / 8) as usize;
            if let Some(x) = image.get_mut(byte) {
                *x = if rng.one_in(2) {
                    *x & !(1 << (b % 8))
                } else {
                    0xff
                };
            }
            return;
        }
    }
    if let Some(sb) = image.get_mut(..BLOCK_SIZE) {
        seal::superblock(sb);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnwfs_format::device::Device;

    #[test]
    fn aimed_images_mostly_still_decode() {
        let seed = rnwfs_fuzz::seeds::populated_image().unwrap().image;
        let t = Targets::of_image(&seed);
        assert!(
            t.inodes.len() >= 6 && t.dirents.len() >= 2 * 64,
            "{} inodes, {} entries",
            t.inodes.len(),
            t.dirents.len()
        );
        let mut rng = Rng::new(3);
        let (mut mountable, mut changed) = (0, 0);
        for _ in 0..300 {
            let mut image = seed.clone();
            mutate(&mut image, &t, &mut rng);
            changed += (image != seed) as u32;
            let sb: &[u8; BLOCK_SIZE] = image[..BLOCK_SIZE].try_into().unwrap();
            mountable += Superblock::decode(sb, (image.len() / BLOCK_SIZE) as u64).is_ok() as u32;
            let _ = fsck_rnwfs::check(&Device::memory(image)).unwrap();
        }
        assert!(
            changed > 250 && mountable > 280,
            "{changed} changed, {mountable} mountable of 300"
        );
    }
}
