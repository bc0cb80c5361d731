// SPDX-License-Identifier: GPL-2.0
//! In-core inodes: the Rust part every rnwfs inode carries (its extent map, behind the
//! mapping lock, kept in memory so the data path never reads metadata), loading inodes,
//! writing them back, and freeing the space of unlinked ones.
#![deny(unsafe_code)]

use crate::{
    alloc::Allocator,
    format::{
        extent::{chain_length, EXTENTS_PER_BLOCK},
        extent_map::{self, ExtentList, MapError},
        inode::{Timestamp, INLINE_EXTENTS},
        Extent, ExtentBlock, Inode as DiskInode,
    },
    rnwk::{
        fs::{EvictingInode, Iget, InodeAttrs, InodeRef, InodeTime, OwnedInode, WritebackControl},
        iomap::StableWrites,
        kvec,
        sync::RwSem,
    },
    vfs::{Inode, Sb},
};
use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{c_str, prelude::*};

/// A file's extents, sorted (see format::extent_map).
pub(crate) struct Extents(KVVec<Extent>);

impl ExtentList for Extents {
    fn extents(&self) -> &[Extent] {
        &self.0
    }
    fn extents_mut(&mut self) -> &mut [Extent] {
        &mut self.0
    }
    fn insert(&mut self, at: usize, e: Extent) -> core::result::Result<(), MapError> {
        self.0.push(e, GFP_KERNEL).map_err(|_| MapError::NoMemory)?;
        self.0[at..].rotate_right(1);
        Ok(())
    }
    fn remove(&mut self, at: usize) {
        let len = self.0.len();
        self.0[at..].rotate_left(1);
        kvec::truncate(&mut self.0, len - 1);
    }
}

pub(crate) fn map_error(e: MapError) -> Error {
    match e {
        MapError::NoMemory => ENOMEM,
        MapError::TooManyExtents => {
            pr_warn!(
                "file too fragmented: more than {} extents\n",
                crate::format::inode::MAX_EXTENTS
            );
            ENOSPC
        }
    }
}

/// What newly allocated blocks hold until written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum NewBlocks {
    /// Stale data, hidden as an unwritten extent until the write lands.
    Unwritten,
    /// Zeros, written to the device first (preallocation).
    Zeroed,
    /// Metadata-like blocks the caller writes through the buffer cache.
    Written,
}

/// Where a file's blocks are: extents and the chain of blocks that holds those beyond the
/// inline ones.
pub(crate) struct Mapping {
    pub(crate) extents: Extents,
    pub(crate) chain: KVVec<u64>,
}

impl Mapping {
    pub(crate) fn list(&self) -> &[Extent] {
        &self.extents.0
    }

    /// Blocks the file uses, for i_blocks.
    pub(crate) fn blocks(&self) -> u64 {
        extent_map::mapped_blocks(self.list()) + self.chain.len() as u64
    }

    /// The first block of the extent chain (0: none).
    pub(crate) fn extent_block(&self) -> u64 {
        self.chain.first().copied().unwrap_or(0)
    }

    /// Makes sure `extra` more extents can be stored (grows the extent chain).
    fn reserve(&mut self, sb: Sb<'_>, alloc: &mut Allocator, extra: usize) -> Result {
        let need =
            chain_length(self.list().len() + extra).min(crate::format::extent::MAX_EXTENT_BLOCKS);
        while self.chain.len() < need {
            let goal = self.chain.last().map_or(0, |b| b + 1);
            let pushed = alloc.alloc_blocks(goal, 1).and_then(|(b, _)| {
                self.chain.push(b, GFP_KERNEL).map(|()| b).map_err(|e| {
                    alloc.free_blocks(b, 1);
                    e.into()
                })
            });
            let b = match pushed {
                Ok(b) => b,
                Err(e) => {
                    self.settle(alloc); // blocks added for this request
                    return Err(e);
                }
            };
            if let Err(e) = sb.new_block(b) {
                self.settle(alloc);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Frees the chain's blocks the extents no longer need.
    fn settle(&mut self, alloc: &mut Allocator) {
        let need = chain_length(self.list().len());
        for &b in &self.chain[need.min(self.chain.len())..] {
            alloc.free_blocks(b, 1);
        }
        kvec::truncate(&mut self.chain, need);
    }

    /// The device block of the file block before `logical`, plus one: where an
    /// allocation continuing it should go.
    fn goal(&self, logical: u64) -> u64 {
        let i = self.list().partition_point(|e| e.logical < logical);
        i.checked_sub(1)
            .map(|p| {
                let e = self.list()[p];
                e.physical + (logical - e.logical).min(e.len as u64)
            })
            .unwrap_or(0)
    }

    /// Allocates up to `want` blocks for file block `logical` (a hole); returns the extent.
    /// `Written` blocks are the caller's to fill through the buffer cache; `Zeroed` ones are
    /// zeroed on the device before they join the file (so they need no conversion later).
    pub(crate) fn allocate(
        &mut self,
        inode: Inode<'_>,
        logical: u64,
        want: u32,
        kind: NewBlocks,
    ) -> Result<Extent> {
        let sb = inode.sb();
        let mut alloc = sb.info().alloc.write();
        self.reserve(sb, &mut alloc, 1)?;
        let (physical, len) = match alloc.alloc_blocks(self.goal(logical), want) {
            Ok(got) => got,
            Err(e) => {
                self.settle(&mut alloc);
                return Err(e);
            }
        };
        let unwritten = kind == NewBlocks::Unwritten;
        if kind == NewBlocks::Zeroed {
            drop(alloc);
            sb.forget_aliases(physical, len as u64);
            let zeroed = sb.zero_blocks(physical, len as u64);
            alloc = sb.info().alloc.write();
            if let Err(e) = zeroed {
                alloc.free_blocks(physical, len as u64);
                self.settle(&mut alloc);
                return Err(e);
            }
        }
        let flags = if unwritten {
            crate::format::extent::EXTENT_UNWRITTEN
        } else {
            0
        };
        let e = Extent {
            logical,
            physical,
            len,
            flags,
        };
        if let Err(err) = extent_map::insert(&mut self.extents, e) {
            alloc.free_blocks(physical, len as u64);
            self.settle(&mut alloc);
            return Err(map_error(err));
        }
        drop(alloc);
        if unwritten {
            sb.forget_aliases(physical, len as u64);
        }
        inode.set_blocks(self.blocks());
        inode.mark_dirty();
        Ok(e)
    }

    /// Marks [start, end) (file blocks) written after their data reached the device.
    pub(crate) fn mark_written(&mut self, inode: Inode<'_>, start: u64, end: u64) -> Result {
        let sb = inode.sb();
        let mut alloc = sb.info().alloc.write();
        self.reserve(sb, &mut alloc, 2)?;
        let r = extent_map::mark_written(&mut self.extents, start, end).map_err(map_error);
        self.settle(&mut alloc);
        drop(alloc);
        inode.set_blocks(self.blocks());
        inode.mark_dirty();
        r
    }

    /// Frees the file blocks in [start, end) (`u64::MAX`: to the end).
    pub(crate) fn punch(&mut self, inode: Inode<'_>, start: u64, end: u64) -> Result {
        let sb = inode.sb();
        let mut alloc = sb.info().alloc.write();
        self.reserve(sb, &mut alloc, 1)?;
        let r = extent_map::punch(&mut self.extents, start, end, |p, n| {
            alloc.free_blocks(p, n as u64)
        })
        .map_err(map_error);
        self.settle(&mut alloc);
        drop(alloc);
        inode.set_blocks(self.blocks());
        inode.mark_dirty();
        r
    }
}

/// The Rust part of an in-core inode.
pub(crate) struct InodeInfo {
    pub(crate) map: Pin<KBox<RwSem<Mapping>>>,
    /// On-disk inode flags (format::inode::INODE_FLAG_*).
    pub(crate) flags: AtomicU32,
    pub(crate) stats: crate::stats::NowaitStats,
    /// Serialises `write_inode`: each writes the extent chain and the slot from what the
    /// inode holds when it starts, so the last to write is the newest. (VFS writeback and an
    /// unwritten conversion write the same inode concurrently.)
    write_back: Pin<KBox<RwSem<()>>>,
    /// Writethrough writes in flight (the mapping has stable writes while there are any).
    pub(crate) stable_writes: StableWrites,
}

impl InodeInfo {
    /// The Rust part of a new in-memory inode (the layer's inode cache holds it beside the
    /// VFS inode, and drops it with it).
    pub(crate) fn new() -> Result<Self> {
        let mapping = Mapping {
            extents: Extents(KVVec::new()),
            chain: KVVec::new(),
        };
        Ok(Self {
            map: RwSem::new_boxed(
                mapping,
                c_str!("rnwfs_inode_map"),
                kernel::static_lock_class!(),
            )?,
            flags: AtomicU32::new(0),
            stats: Default::default(),
            write_back: RwSem::new_boxed(
                (),
                c_str!("rnwfs_inode_write_back"),
                kernel::static_lock_class!(),
            )?,
            stable_writes: StableWrites::new(),
        })
    }
}

fn disk_time(t: InodeTime) -> Timestamp {
    Timestamp {
        sec: t.sec,
        nsec: t.nsec,
    }
}

fn vfs_time(t: Timestamp) -> InodeTime {
    InodeTime {
        sec: t.sec,
        nsec: t.nsec,
    }
}

/// The in-core inode for `ino`, read from disk if not cached.
pub(crate) fn iget(sb: Sb<'_>, ino: u32) -> Result<OwnedInode<'_>> {
    match sb.layer().iget(ino.into())? {
        Iget::Cached(inode) => Ok(inode),
        // Dropped on an error, the blank inode is failed (a bad inode: nothing on disk).
        Iget::Loading(loading) => {
            let attrs = load(sb, Inode::of(loading.get())?)?;
            Ok(loading.finish(&attrs))
        }
    }
}

fn load(sb: Sb<'_>, inode: Inode<'_>) -> Result<InodeAttrs> {
    let ino = inode.ino();
    let layout = &sb.info().layout;
    let d = crate::disk::read_inode(sb, layout, ino)?;
    let (extents, chain) = crate::disk::extents(sb, layout, ino, &d)?;
    let info = inode.info();
    let mut map = info.map.write();
    map.extents = Extents(extents);
    map.chain = chain;
    inode.set_blocks(map.blocks());
    drop(map);
    info.flags.store(d.flags, Ordering::Relaxed);
    Ok(InodeAttrs {
        mode: d.mode,
        uid: d.uid,
        gid: d.gid,
        nlink: d.links.into(),
        size: d.size,
        atime: vfs_time(d.atime),
        mtime: vfs_time(d.mtime),
        ctime: vfs_time(d.ctime),
        generation: d.generation,
    })
}

/// The on-disk form of an in-core inode.
pub(crate) fn to_disk(inode: Inode<'_>, map: &Mapping) -> DiskInode {
    let a = inode.attrs();
    let list = map.list();
    let mut extents = [Extent::default(); INLINE_EXTENTS];
    let inline = list.len().min(INLINE_EXTENTS);
    extents[..inline].copy_from_slice(&list[..inline]);
    DiskInode {
        mode: a.mode,
        links: a.nlink.min(u16::MAX as u32) as u16,
        uid: a.uid,
        gid: a.gid,
        flags: inode.info().flags.load(Ordering::Relaxed),
        size: a.size,
        atime: disk_time(a.atime),
        mtime: disk_time(a.mtime),
        ctime: disk_time(a.ctime),
        generation: a.generation,
        nextents: list.len() as u32,
        extent_block: map.extent_block(),
        extents,
    }
}

/// Writes the in-core inode (and its extent chain) into the buffer cache; `sync`: to disk.
/// Unwritten conversion calls it too: it changes extents after the VFS may have written
/// the inode for a sync(2) or an unmount, which would not write it again.
pub(crate) fn write_inode(inode: Inode<'_>, sync: bool) -> Result {
    let sb = inode.sb();
    let ino = inode.ino();
    let (blk, off) = sb.info().layout.inode_location(ino).ok_or(EINVAL)?;
    // One at a time, and the chain and the slot from one snapshot of the extents: two
    // writers interleaved could leave an older slot over a newer chain (fsck: "count does
    // not match the inode", the file's newest blocks unreferenced).
    let _one_writer = inode.info().write_back.write();
    let map = inode.info().map.read();
    let more = map.list().get(INLINE_EXTENTS..).unwrap_or(&[]);
    let blocks = chain_length(map.list().len());
    for (i, part) in more.chunks(EXTENTS_PER_BLOCK).enumerate() {
        let block = *map.chain.get(i).ok_or(EIO)?;
        let next = if i + 1 < blocks {
            *map.chain.get(i + 1).ok_or(EIO)?
        } else {
            0
        };
        let mut eb = sb.read(block)?;
        eb.edit(|data| ExtentBlock::encode(ino, part, next, data))
            .map_err(|_| EINVAL)?;
        if sync {
            eb.sync()?;
        }
    }
    let d = to_disk(inode, &map);
    let mut buf = sb.read(blk)?;
    buf.edit(|data| d.encode(ino, &mut data[off..]));
    drop(map);
    if sync {
        buf.sync()?;
    }
    Ok(())
}

/// `super_operations.write_inode`: the inode into its slot in the buffer cache, and to
/// disk if the caller waits.
pub(crate) fn write_back(inode: InodeRef<'_>, wbc: &WritebackControl<'_>) -> Result {
    let inode = Inode::of(inode)?;
    write_inode(inode, wbc.waits()).inspect_err(|e| {
        pr_err!("inode {}: write-back failed: {:?}\n", inode.ino(), e);
    })
}

/// `->evict_inode`: the inode's last reference is gone. Its page cache goes; an unlinked
/// inode's blocks and slot are freed.
pub(crate) fn evict(mut evicting: EvictingInode<'_>) {
    evicting.drop_page_cache();
    if evicting.is_unlinked() {
        if let Ok(inode) = Inode::of(evicting.inode()) {
            free_unlinked(inode);
        }
    }
    evicting.clear();
}

/// Frees an unlinked inode's blocks and slot (nobody else can reach it).
fn free_unlinked(inode: Inode<'_>) {
    let ino = inode.ino();
    if ino == 0 {
        return; // never got a slot (creation failed before)
    }
    let sb = inode.sb();
    let mut map = inode.info().map.write();
    let mut alloc = sb.info().alloc.write();
    extent_map::truncate(&mut map.extents, 0, |p, n| alloc.free_blocks(p, n as u64));
    map.settle(&mut alloc);
    if let Err(e) = alloc.free_inode(sb, ino) {
        pr_err!("inode {}: could not free its slot: {:?}\n", ino, e);
    }
}
