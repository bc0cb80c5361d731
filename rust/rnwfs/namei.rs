// SPDX-License-Identifier: GPL-2.0
//! Namespace operations: create, mkdir, symlink, link, unlink, rmdir, rename, and reading
//! symlinks. The VFS holds the directories' i_rwsem exclusively for each of them.
#![deny(unsafe_code)]

use crate::inode::NewBlocks;
use crate::rnwk::errno;
use crate::{
    dir, ffi,
    format::{
        dirent::NAME_MAX,
        inode::{S_IFDIR, S_IFLNK},
        DirEntry, FileType, BLOCK_SIZE,
    },
    rnwk::fs::{DentryRef, MntIdmap, NegativeDentry, NewInode},
    vfs::Inode,
};
use kernel::prelude::*;

/// ENAMETOOLONG for a name longer than an entry holds.
fn name_fits(name: &[u8]) -> Result<&[u8]> {
    if name.len() > NAME_MAX {
        Err(errno::name_too_long())
    } else {
        Ok(name)
    }
}

/// A new inode of mode `mode` in `dir`, with a slot of its own on disk, locked until it is
/// instantiated (dropped before, it is discarded and eviction frees its slot).
fn new_inode<'a>(idmap: &MntIdmap<'_>, dir: Inode<'a>, mode: u16) -> Result<NewInode<'a>> {
    let sb = dir.sb();
    let unhashed = sb.layer().new_inode(idmap, dir.layer(), mode)?;
    let inode = Inode::of(unhashed.get())?;
    let disk = crate::inode::to_disk(inode, &inode.info().map.read());
    // Dropped on failure: its number is still 0, so eviction frees no slot.
    let ino = sb.info().alloc.write().alloc_inode(sb, &disk)?;
    let new = unhashed.hash(ino.into()).map_err(|_| {
        pr_err!("inode {} allocated but already in the cache\n", ino);
        EIO
    })?;
    Inode::of(new.get())?.mark_dirty();
    Ok(new)
}

fn file_type(mode: u16) -> FileType {
    FileType::from_mode(mode).unwrap_or(FileType::Regular)
}

pub(crate) fn create(
    idmap: &MntIdmap<'_>,
    dir: Inode<'_>,
    dentry: NegativeDentry<'_>,
    mode: u16,
) -> Result {
    let name = name_fits(dentry.get().name())?;
    let new = new_inode(idmap, dir, mode)?;
    dir::add(dir, name, Inode::of(new.get())?.ino(), file_type(mode))?;
    new.instantiate(dentry);
    Ok(())
}

pub(crate) fn mkdir(
    idmap: &MntIdmap<'_>,
    dir: Inode<'_>,
    dentry: NegativeDentry<'_>,
    mode: u16,
) -> Result {
    let name = name_fits(dentry.get().name())?;
    let new = new_inode(idmap, dir, S_IFDIR | mode)?;
    let child = Inode::of(new.get())?;
    child.inc_nlink(); // a new directory has two links ("." and its entry in the parent)
    dir::init(child, dir.ino())?;
    dir::add(dir, name, child.ino(), FileType::Directory)?;
    dir.inc_nlink(); // its new child's ".." links to it
    dir.mark_dirty();
    new.instantiate(dentry);
    Ok(())
}

pub(crate) fn symlink(
    idmap: &MntIdmap<'_>,
    dir: Inode<'_>,
    dentry: NegativeDentry<'_>,
    target: &[u8],
) -> Result {
    let name = name_fits(dentry.get().name())?;
    if target.len() >= BLOCK_SIZE {
        return Err(errno::name_too_long());
    }
    let new = new_inode(idmap, dir, S_IFLNK | 0o777)?;
    let link = Inode::of(new.get())?;
    let e = link
        .info()
        .map
        .write()
        .allocate(link, 0, 1, NewBlocks::Written)?;
    let mut buf = dir.sb().new_block(e.physical)?;
    buf.edit(|data| data[..target.len()].copy_from_slice(target));
    link.set_size(target.len() as u64);
    dir::add(dir, name, link.ino(), FileType::Symlink)?;
    new.instantiate(dentry);
    Ok(())
}

pub(crate) fn link(
    old_dentry: &DentryRef<'_>,
    dir: Inode<'_>,
    dentry: NegativeDentry<'_>,
) -> Result {
    let old = positive(old_dentry)?;
    let name = name_fits(dentry.get().name())?;
    // The new dentry's reference, taken before anything changes (a positive source dentry's
    // inode is not being freed: `hold` cannot fail here, but would refuse cleanly).
    let held = old.layer().hold().ok_or(ENOENT)?;
    dir::add(dir, name, old.ino(), file_type(old.mode()))?;
    old.inc_nlink();
    dentry.instantiate(held);
    old.touch_ctime();
    old.mark_dirty();
    Ok(())
}

/// Refuses an operation that would take `inode`'s link count below `min` (what its
/// remaining names and subdirectories still need). A count read from disk may be lower
/// than the names the inode has (a crafted or corrupted image): taken to 0 with a name
/// left, the inode is freed at eviction while that name still points at it, and the next
/// drop from 0 is drop_nlink()'s WARN. Checked before anything changes.
fn check_links(inode: Inode<'_>, min: u32, op: &str) -> Result {
    let n = inode.nlink();
    if n >= min {
        return Ok(());
    }
    pr_err!(
        "inode {}: link count {} too low for {} (at least {} needed): corrupted\n",
        inode.ino(),
        n,
        op,
        min
    );
    Err(crate::disk::corrupted())
}

/// A directory losing a subdirectory keeps "." and its own entry: at least 3 before.
const PARENT_MIN_LINKS: u32 = 3;

/// The inode of a dentry the VFS passes positive (unlink, rmdir, rename sources).
fn positive<'a>(dentry: &DentryRef<'a>) -> Result<Inode<'a>> {
    Inode::of(dentry.inode().ok_or(ENOENT)?)
}

/// Removes `dentry`'s entry from `dir`; returns its inode.
fn remove_entry<'a>(dir: Inode<'_>, dentry: &DentryRef<'a>) -> Result<Inode<'a>> {
    let inode = positive(dentry)?;
    let (_, _, slot) = dir::find(dir, dentry.name())?.ok_or(ENOENT)?;
    clear_entry(dir, slot, inode);
    Ok(inode)
}

/// Frees the loaded entry `slot` of `dir`, which named `inode` (cannot fail).
fn clear_entry(dir: Inode<'_>, mut slot: dir::Slot, inode: Inode<'_>) {
    slot.write(None);
    dir.touch_mtime();
    dir.mark_dirty();
    inode.touch_ctime();
}

pub(crate) fn unlink(dir: Inode<'_>, dentry: &DentryRef<'_>) -> Result {
    check_links(positive(dentry)?, 1, "an unlink")?;
    let inode = remove_entry(dir, dentry)?;
    inode.drop_nlink();
    inode.mark_dirty();
    Ok(())
}

pub(crate) fn rmdir(dir: Inode<'_>, dentry: &DentryRef<'_>) -> Result {
    let victim = positive(dentry)?;
    if !dir::is_empty(victim)? {
        return Err(errno::not_empty());
    }
    check_links(dir, PARENT_MIN_LINKS, "losing a subdirectory")?;
    remove_entry(dir, dentry)?;
    // The directory goes, and its ".." no longer links the parent.
    victim.clear_nlink();
    dir.drop_nlink();
    victim.mark_dirty();
    dir.mark_dirty();
    Ok(())
}

pub(crate) fn rename(
    old_dir: Inode<'_>,
    old_dentry: &DentryRef<'_>,
    new_dir: Inode<'_>,
    new_dentry: &DentryRef<'_>,
    flags: u32,
) -> Result {
    if flags & !ffi::RNWFS_RENAME_NOREPLACE != 0 {
        return Err(EINVAL); // RENAME_EXCHANGE, RENAME_WHITEOUT
    }
    let new_name = name_fits(new_dentry.name())?;
    let moving = positive(old_dentry)?;
    // The target dentry may be negative.
    let target = new_dentry.inode().map(Inode::of).transpose()?;
    let is_dir = moving.is_dir();
    // Everything that can fail (reading directory blocks, allocating one) happens before
    // the first change, so an error leaves the namespace as it was: the source entry and,
    // for a directory changing parent, its ".." are loaded first; adding the new entry is
    // the last step that can fail, and it changes nothing when it does.
    let (_, _, old_slot) = dir::find(old_dir, old_dentry.name())?.ok_or(ENOENT)?;
    let mut dotdot = if is_dir && old_dir.ino() != new_dir.ino() {
        Some(dir::dotdot_slot(moving)?)
    } else {
        None
    };
    // The link counts the rename lowers: the old parent's, for a directory that leaves it
    // (not when it stays and nothing is replaced: that parent gains the link back), and a
    // replaced file's.
    if is_dir && !(target.is_none() && old_dir.ino() == new_dir.ino()) {
        check_links(old_dir, PARENT_MIN_LINKS, "losing a subdirectory")?;
    }
    if let Some(replaced) = target {
        if !replaced.is_dir() {
            check_links(replaced, 1, "being replaced by a rename")?;
        }
    }
    if let Some(target) = target {
        if target.is_dir() && !dir::is_empty(target)? {
            return Err(errno::not_empty());
        }
        let (_, _, mut slot) = dir::find(new_dir, new_name)?.ok_or(ENOENT)?;
        let entry =
            DirEntry::new(moving.ino(), file_type(moving.mode()), new_name).map_err(|_| EINVAL)?;
        slot.write(Some(&entry));
        new_dir.touch_mtime();
        new_dir.mark_dirty();
        target.touch_ctime();
        // The replaced inode loses its link (a directory both: entry and ".").
        if target.is_dir() {
            target.clear_nlink();
        } else {
            target.drop_nlink();
        }
        target.mark_dirty();
    } else {
        dir::add(new_dir, new_name, moving.ino(), file_type(moving.mode()))?;
        if is_dir {
            new_dir.inc_nlink(); // gaining a subdirectory
        }
    }
    clear_entry(old_dir, old_slot, moving);
    if is_dir {
        if let Some(slot) = dotdot.as_mut() {
            slot.write(Some(&DirEntry::dotdot(new_dir.ino())));
        }
        old_dir.drop_nlink(); // the subdirectory's ".." left it
        old_dir.mark_dirty();
    }
    moving.mark_dirty();
    Ok(())
}

pub(crate) fn read_link(inode: Inode<'_>) -> Result<KVec<u8>> {
    let size = inode.size() as usize;
    if size == 0 || size >= BLOCK_SIZE {
        return Err(crate::disk::corrupted());
    }
    let block = match crate::format::extent_map::lookup(inode.info().map.read().list(), 0) {
        crate::format::extent_map::Lookup::Mapped(e) => e.physical,
        _ => return Err(crate::disk::corrupted()),
    };
    let buf = inode.sb().read(block)?;
    let mut body = KVec::with_capacity(size + 1, GFP_KERNEL)?;
    body.extend_from_slice(&buf.data()[..size], GFP_KERNEL)?;
    Ok(body)
}
