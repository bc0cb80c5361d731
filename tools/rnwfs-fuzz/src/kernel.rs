// SPDX-License-Identifier: GPL-2.0
//! What the kernel module does with an image, on the host: mount (superblock, bitmap),
//! loading every inode in use (disk.rs: the inode, its extent chain, the checks), and the
//! arithmetic the module does on what it loaded (inode.rs, dir.rs, namei.rs, iomap.rs,
//! alloc.rs), then the extent-map edits that follow writes, punches and truncates.
//!
//! The format calls are the module's own (the same source); the module's arithmetic is
//! written out here as the module writes it, so an overflow that would be a BUG() in the
//! kernel (CONFIG_RUST_OVERFLOW_CHECKS) is a panic here (the fuzz profile checks overflow).
//! What the module assumes of a loaded inode is asserted: a broken assumption is a bug too.

use rnwfs_format::{
    chain::ChainWalk,
    dirent::DIRENTS_PER_BLOCK,
    extent::{self, EXTENTS_PER_BLOCK, MAX_FILE_BLOCKS},
    extent_map::{self, Lookup},
    inode::{Inode, S_IFDIR, S_IFLNK},
    DirEntry, Extent, Layout, Superblock, BLOCK_SHIFT, BLOCK_SIZE,
};
use rnwfs_fuzz::rng::Rng;

const BS: u64 = BLOCK_SIZE as u64;

/// A broken assumption of the module about what it loaded: a failure, like an overflow.
macro_rules! invariant {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            panic!("kernel invariant broken: {}", format_args!($($msg)+));
        }
    };
}

/// Block `b` of the image, as sb_bread() gives it (None: beyond the device, EIO).
fn bread(image: &[u8], b: u64) -> Option<&[u8; BLOCK_SIZE]> {
    let at = usize::try_from(b).ok()?.checked_mul(BLOCK_SIZE)?;
    image.get(at..at.checked_add(BLOCK_SIZE)?)?.try_into().ok()
}

/// A file's extents as the module keeps them (inode.rs's Extents, over a Vec).
use rnwfs_format::vec_extents::VecExtents as List;

/// Mounts `image` and loads every inode in use, as the module would; `seed` drives the
/// edits tried on each loaded extent list (derived from the input, so a replay repeats it).
pub fn mount_and_load(image: &[u8], seed: u64) {
    let device_blocks = (image.len() / BLOCK_SIZE) as u64;
    let Some(b0) = bread(image, 0) else { return };
    let Ok(sb) = Superblock::decode(b0, device_blocks) else {
        return;
    };
    let l = sb.layout;
    if !load_bitmap(image, &l) {
        return;
    }
    let mut rng = Rng::new(seed);
    for ino in 1..=l.inode_count {
        let Some(inode) = read_inode(image, &l, ino) else {
            continue;
        };
        let Some((list, chain)) = load_extents(image, &l, ino, &inode) else {
            continue;
        };
        after_load(image, &l, &inode, list, chain.len(), &mut rng);
    }
}

/// Allocator::load and the indexing its word()/set() do for the device's last block.
fn load_bitmap(image: &[u8], l: &Layout) -> bool {
    let mut bitmap = Vec::with_capacity(l.bitmap_blocks as usize);
    for i in 0..l.bitmap_blocks {
        match bread(image, l.bitmap_start + i) {
            Some(b) => bitmap.push(b),
            None => return false, // EIO
        }
    }
    let (blk, bit) = l.bitmap_location(l.total_blocks - 1);
    let data = bitmap[(blk - l.bitmap_start) as usize];
    let at = bit / 64 * 8;
    let _word = &data[at..at + 8];
    invariant!(l.data_start < l.total_blocks, "no data region");
    true
}

/// disk::read_inode.
fn read_inode(image: &[u8], l: &Layout, ino: u32) -> Option<Inode> {
    let (block, off) = l.inode_location(ino)?;
    let buf = bread(image, block)?;
    match Inode::decode(ino, &buf[off..]) {
        Ok(inode) if !inode.is_free() => Some(inode),
        _ => None,
    }
}

/// disk::extents, line for line.
fn load_extents(
    image: &[u8],
    l: &Layout,
    ino: u32,
    inode: &Inode,
) -> Option<(Vec<Extent>, Vec<u64>)> {
    let nextents = inode.nextents as usize;
    let mut all = Vec::with_capacity(nextents);
    all.extend_from_slice(inode.inline_extents());
    let mut chain = Vec::with_capacity(extent::chain_length(nextents));
    let mut more = [Extent::default(); EXTENTS_PER_BLOCK];
    let mut walk = ChainWalk::new(ino, inode);
    while let Some(next) = walk.next_block(l.data_start, l.total_blocks).ok()? {
        let buf = bread(image, next)?;
        let found = walk.step(buf, &mut more).ok()?;
        all.extend_from_slice(found);
        chain.push(next);
        invariant!(
            chain.len() <= extent::MAX_EXTENT_BLOCKS,
            "inode {ino}: chain of {} blocks",
            chain.len()
        );
    }
    if all.len() != nextents {
        return None;
    }
    for e in &all {
        e.validate(l.data_start, l.total_blocks).ok()?;
    }
    extent::validate_order(&all).ok()?;
    Some((all, chain))
}

/// What the module computes from a loaded inode, then edits of its extent list.
fn after_load(
    image: &[u8],
    l: &Layout,
    inode: &Inode,
    list: Vec<Extent>,
    chain_blocks: usize,
    rng: &mut Rng,
) {
    // iget: i_size is a loff_t; i_blocks from the mapping.
    invariant!(
        i64::try_from(inode.size).is_ok(),
        "size {} is a negative i_size",
        inode.size
    );
    // namei.rs: an rmdir or a rename out of a directory needs its "." and its own entry.
    invariant!(
        inode.file_type() != S_IFDIR || inode.links >= 2,
        "directory with {} link(s)",
        inode.links
    );
    let _blocks = extent_map::mapped_blocks(&list) + chain_blocks as u64;
    for e in &list {
        // iomap's Report::extent: byte offsets of the extent, within a loff_t.
        invariant!(
            e.end_logical() <= MAX_FILE_BLOCKS,
            "extent {e:?} past the largest file"
        );
        let _ = (
            e.logical << BLOCK_SHIFT,
            (e.len as u64) << BLOCK_SHIFT,
            e.physical << BLOCK_SHIFT,
        );
        invariant!(
            e.end_physical() <= l.total_blocks,
            "extent {e:?} past the device"
        );
    }
    match inode.file_type() {
        S_IFDIR => scan_directory(image, l, inode, &list),
        S_IFLNK => read_link(image, inode, &list),
        _ => {}
    }
    edit_extents(l.data_start, l.total_blocks, List(list), rng);
}

/// dir.rs: scan() over every slot, dir_block(), the readdir position, and add()'s growth.
fn scan_directory(image: &[u8], l: &Layout, inode: &Inode, list: &[Extent]) {
    let per_block = DIRENTS_PER_BLOCK as u64;
    let slots = inode.size / BS * per_block;
    invariant!(
        i64::try_from(slots).is_ok(),
        "readdir positions past a loff_t"
    );
    let mut logical = 0;
    while logical * per_block < slots {
        // dir_block(): a directory's blocks are written extents; the module refuses others.
        let physical = match extent_map::lookup(list, logical) {
            Lookup::Mapped(e) if !e.unwritten() => e.physical + (logical - e.logical),
            _ => return,
        };
        invariant!(
            physical < l.total_blocks,
            "directory block {physical} past the device"
        );
        let Some(buf) = bread(image, physical) else {
            return;
        };
        for slot in buf.chunks_exact(rnwfs_format::dirent::DIRENT_SIZE) {
            match DirEntry::decode(slot) {
                Ok(Some(e)) => {
                    let _ = l.inode_location(e.ino); // iget of the entry's inode
                    let _ = e.name().len() as i32;
                }
                Ok(None) => {}
                Err(_) => return, // EUCLEAN
            }
        }
        logical += 1;
    }
    // add() on a full directory: the next block must be a hole (or it refuses), and the
    // size grows by a block.
    let next = inode.size / BS;
    if matches!(extent_map::lookup(list, next), Lookup::Hole { .. }) {
        let grown = inode.size + BS;
        invariant!(
            i64::try_from(grown).is_ok(),
            "directory size {grown} past a loff_t"
        );
    }
}

/// namei.rs read_link().
fn read_link(image: &[u8], inode: &Inode, list: &[Extent]) {
    let size = inode.size as usize;
    if size == 0 || size >= BLOCK_SIZE {
        return;
    }
    let Lookup::Mapped(e) = extent_map::lookup(list, 0) else {
        return;
    };
    if let Some(buf) = bread(image, e.physical) {
        let _target = &buf[..size];
    }
}

/// The edits of [`edit_extents`] on extents that validate in a device of `total_blocks`
/// (a huge one: extents of 2^31 blocks and more, which no image the fuzzer makes can hold).
pub fn edit_list(extents: &[Extent], data_start: u64, total_blocks: u64, seed: u64) {
    if data_start >= total_blocks
        || extents
            .iter()
            .any(|e| e.validate(data_start, total_blocks).is_err())
        || extent::validate_order(extents).is_err()
    {
        return;
    }
    edit_extents(
        data_start,
        total_blocks,
        List(extents.to_vec()),
        &mut Rng::new(seed),
    );
}

/// A file block the VFS could ask for: below MAX_FILE_BLOCKS (s_maxbytes), often near the
/// file's extents.
fn file_block(list: &[Extent], rng: &mut Rng) -> u64 {
    match rng.below(5) {
        0 => rng.below(MAX_FILE_BLOCKS),
        1 => MAX_FILE_BLOCKS - 1 - rng.below(64),
        // The hole right after an extent, where an allocation may merge with it.
        2 => rng
            .pick(list)
            .map_or(0, |e| e.end_logical().min(MAX_FILE_BLOCKS - 1)),
        _ => match rng.pick(list) {
            Some(e) => (e.logical + rng.below(e.len as u64 + 2)).min(MAX_FILE_BLOCKS - 1),
            None => rng.below(64),
        },
    }
}

/// inode.rs Mapping::goal().
fn goal(list: &[Extent], logical: u64) -> u64 {
    let i = list.partition_point(|e| e.logical < logical);
    i.checked_sub(1)
        .map(|p| {
            let e = list[p];
            e.physical + (logical - e.logical).min(e.len as u64)
        })
        .unwrap_or(0)
}

/// The edits writes, unwritten conversion, punches and truncates make, with arguments the
/// module can pass; after each, the list must still be sorted, disjoint and inside the
/// data region.
fn edit_extents(data_start: u64, total_blocks: u64, mut list: List, rng: &mut Rng) {
    for _ in 0..rng.below(4) {
        let a = file_block(&list.0, rng);
        let b = file_block(&list.0, rng);
        let (start, end) = (a.min(b), a.max(b).saturating_add(1).min(MAX_FILE_BLOCKS));
        match rng.below(5) {
            0 => {
                let _ = extent_map::punch(&mut list, start, end, |_, _| {});
            }
            1 => {
                let _ = extent_map::punch(&mut list, start, u64::MAX, |_, _| {});
            }
            2 => extent_map::truncate(&mut list, start, |_, _| {}),
            3 => {
                let _ = extent_map::mark_written(&mut list, start, end);
            }
            _ => allocate(data_start, total_blocks, &mut list, start, rng),
        }
        invariant!(
            extent::validate_order(&list.0).is_ok(),
            "edits left extents out of order: {:?}",
            list.0
        );
        for e in &list.0 {
            invariant!(
                e.validate(data_start, total_blocks).is_ok(),
                "edits left a bad extent {e:?}"
            );
        }
    }
}

/// iomap.rs begin() allocating in a hole at `first`: as many blocks as the hole (and the
/// request) allows, at most MAX_ALLOC_BLOCKS, placed near goal() by the allocator.
fn allocate(data_start: u64, total_blocks: u64, list: &mut List, first: u64, rng: &mut Rng) {
    let Lookup::Hole { next } = extent_map::lookup(&list.0, first) else {
        return;
    };
    let end = first
        .saturating_add(1 + rng.below(1 << 16))
        .min(MAX_FILE_BLOCKS);
    let want = (next.unwrap_or(u64::MAX).min(end) - first).clamp(1, 32768);
    // The allocator: free blocks of the data region, from the goal if it is inside it.
    let data = total_blocks - data_start;
    let g = goal(&list.0, first);
    let physical = if (data_start..total_blocks).contains(&g) && rng.one_in(2) {
        g
    } else {
        data_start + rng.below(data)
    };
    let len = want.min(total_blocks - physical) as u32;
    let flags = if rng.one_in(2) {
        extent::EXTENT_UNWRITTEN
    } else {
        0
    };
    let _ = extent_map::insert(
        list,
        Extent {
            logical: first,
            physical,
            len,
            flags,
        },
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_seed_images_load() {
        let p = rnwfs_fuzz::seeds::populated_image().unwrap();
        for seed in 0..50 {
            super::mount_and_load(&p.image, seed);
        }
        super::mount_and_load(&rnwfs_fuzz::seeds::fresh_image().unwrap(), 0);
    }
}
