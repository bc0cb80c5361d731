// SPDX-License-Identifier: GPL-2.0
//! Directory contents: arrays of 64-byte entries in the directory's blocks (read and
//! edited through the buffer cache), "." and ".." in the first two slots. The readdir
//! position is the slot number. Callers hold the directory's i_rwsem (shared for reading,
//! exclusive for edits), as the VFS does for every namespace operation.
#![deny(unsafe_code)]

use crate::inode::NewBlocks;
use crate::rnwk::errno;
use crate::{
    buffer::Buffer,
    disk,
    format::{
        dirent::{DIRENTS_PER_BLOCK, DIRENT_SIZE},
        extent_map::{self, Lookup},
        DirEntry, FileType, BLOCK_SIZE,
    },
    inode,
    rnwk::fs::{DentryRef, DirContext, EntryType, FileRef, OwnedInode},
    vfs::Inode,
};
use kernel::prelude::*;

const PER_BLOCK: u64 = DIRENTS_PER_BLOCK as u64;

fn entry_type(t: FileType) -> EntryType {
    match t {
        FileType::Regular => EntryType::Regular,
        FileType::Directory => EntryType::Directory,
        FileType::Symlink => EntryType::Symlink,
    }
}

/// The device block holding block `logical` of `dir` (directories have no holes).
fn dir_block(dir: Inode<'_>, logical: u64) -> Result<u64> {
    match extent_map::lookup(dir.info().map.read().list(), logical) {
        Lookup::Mapped(e) if !e.unwritten() => Ok(e.physical + (logical - e.logical)),
        _ => {
            pr_err!("directory {}: block {} is not mapped\n", dir.ino(), logical);
            Err(disk::corrupted())
        }
    }
}

/// One entry slot, loaded.
pub(crate) struct Slot {
    buf: Buffer,
    at: usize,
    pub(crate) number: u64,
}

impl Slot {
    pub(crate) fn write(&mut self, e: Option<&DirEntry>) {
        let at = self.at;
        self.buf.edit(|data| {
            let b = &mut data[at..at + DIRENT_SIZE];
            match e {
                Some(e) => e.encode(b),
                None => b.fill(0),
            }
        });
    }
}

/// Calls `f(slot, entry)` for each slot from `first` on (None: a free slot), until `f`
/// returns Some; returns that and the slot.
fn scan<R>(
    dir: Inode<'_>,
    first: u64,
    mut f: impl FnMut(&mut Slot, Option<&DirEntry>) -> Option<R>,
) -> Result<Option<(R, Slot)>> {
    let slots = dir.size() / BLOCK_SIZE as u64 * PER_BLOCK;
    let mut number = first;
    while number < slots {
        let logical = number / PER_BLOCK;
        let buf = dir.sb().read(dir_block(dir, logical)?)?;
        let mut slot = Slot { buf, at: 0, number };
        while slot.number < slots && slot.number / PER_BLOCK == logical {
            slot.at = (slot.number % PER_BLOCK) as usize * DIRENT_SIZE;
            let decoded = DirEntry::decode(&slot.buf.data()[slot.at..slot.at + DIRENT_SIZE]);
            let entry = match decoded {
                Ok(e) => e,
                Err(err) => {
                    pr_err!("directory {}: entry {}: {}\n", dir.ino(), slot.number, err);
                    return Err(disk::corrupted());
                }
            };
            if let Some(r) = f(&mut slot, entry.as_ref()) {
                return Ok(Some((r, slot)));
            }
            slot.number += 1;
        }
        number = slot.number;
    }
    Ok(None)
}

/// The entry named `name` (never "." or ".."): its inode, type and slot.
pub(crate) fn find(dir: Inode<'_>, name: &[u8]) -> Result<Option<(u32, FileType, Slot)>> {
    let hit = scan(dir, 2, |_, e| match e {
        Some(e) if e.name() == name => Some((e.ino, e.file_type)),
        _ => None,
    })?;
    Ok(hit.map(|((ino, t), slot)| (ino, t, slot)))
}

/// Adds `name` → `ino` to `dir`, growing it by a block if every slot is taken.
pub(crate) fn add(dir: Inode<'_>, name: &[u8], ino: u32, t: FileType) -> Result {
    let entry = DirEntry::new(ino, t, name).map_err(|_| EINVAL)?;
    let placed = scan(dir, 2, |slot, e| {
        if e.is_none() {
            slot.write(Some(&entry));
            Some(())
        } else {
            None
        }
    })?;
    if placed.is_none() {
        let logical = dir.size() / BLOCK_SIZE as u64;
        // The size comes from disk: a directory whose blocks go on past it (a crash between
        // the allocation and the size update, or a crafted image) already maps this block,
        // and allocating into a mapped block would overlap its extents.
        if !matches!(
            extent_map::lookup(dir.info().map.read().list(), logical),
            Lookup::Hole { .. }
        ) {
            pr_err!(
                "directory {}: block {} past its size is mapped\n",
                dir.ino(),
                logical
            );
            return Err(disk::corrupted());
        }
        let e = dir
            .info()
            .map
            .write()
            .allocate(dir, logical, 1, NewBlocks::Written)?;
        let mut buf = dir.sb().new_block(e.physical)?;
        buf.edit(|data| entry.encode(&mut data[..DIRENT_SIZE]));
        dir.set_size(dir.size() + BLOCK_SIZE as u64);
    }
    dir.touch_mtime();
    dir.mark_dirty();
    Ok(())
}

/// Writes the first block of a new directory: "." and "..".
pub(crate) fn init(dir: Inode<'_>, parent: u32) -> Result {
    let e = dir
        .info()
        .map
        .write()
        .allocate(dir, 0, 1, NewBlocks::Written)?;
    let mut buf = dir.sb().new_block(e.physical)?;
    buf.edit(|data| {
        DirEntry::dot(dir.ino()).encode(&mut data[..DIRENT_SIZE]);
        DirEntry::dotdot(parent).encode(&mut data[DIRENT_SIZE..2 * DIRENT_SIZE]);
    });
    dir.set_size(BLOCK_SIZE as u64);
    dir.mark_dirty();
    Ok(())
}

/// The ".." slot of `dir`, loaded: a rename points it at the new parent once nothing
/// else can fail.
pub(crate) fn dotdot_slot(dir: Inode<'_>) -> Result<Slot> {
    Ok(Slot {
        buf: dir.sb().read(dir_block(dir, 0)?)?,
        at: DIRENT_SIZE,
        number: 1,
    })
}

/// Whether `dir` holds nothing but "." and "..".
pub(crate) fn is_empty(dir: Inode<'_>) -> Result<bool> {
    Ok(scan(dir, 2, |_, e| e.map(|_| ()))?.is_none())
}

/// `iterate_shared` of rnwfs' directories: `ctx`'s position is the slot number.
pub(crate) fn iterate(file: &FileRef<'_>, mut ctx: DirContext<'_>) -> Result {
    let dir = Inode::of(file.inode())?;
    let first = u64::try_from(ctx.pos()).unwrap_or(u64::MAX);
    let result = scan(dir, first, |slot, e| {
        let Some(e) = e else {
            ctx.set_pos(slot.number as i64 + 1);
            return None;
        };
        ctx.set_pos(slot.number as i64);
        if ctx.emit(e.name(), e.ino.into(), entry_type(e.file_type)) {
            ctx.set_pos(slot.number as i64 + 1);
            None
        } else {
            Some(())
        }
    });
    result.map(|_| ())
}

/// `inode_operations.lookup`: the inode `dentry` names in `dir`, if any.
pub(crate) fn lookup<'a>(dir: Inode<'a>, dentry: &DentryRef<'a>) -> Result<Option<OwnedInode<'a>>> {
    let name = dentry.name();
    if name.len() > crate::format::dirent::NAME_MAX {
        return Err(errno::name_too_long());
    }
    find(dir, name)?
        .map(|(ino, _, _)| inode::iget(dir.sb(), ino))
        .transpose()
}
