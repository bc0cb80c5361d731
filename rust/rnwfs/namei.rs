// SPDX-License-Identifier: GPL-2.0
//! Namespace operations: create, mkdir, symlink, link, unlink, rmdir, rename, and reading
//! symlinks. The VFS holds the directories' i_rwsem exclusively for each of them.

use crate::inode::NewBlocks;
use crate::{
    dir::{self, dentry_name},
    ffi::{self, bindings},
    format::{
        dirent::NAME_MAX,
        inode::{S_IFDIR, S_IFLNK, S_IFMT},
        DirEntry, FileType, BLOCK_SIZE,
    },
    rnwk::fs::{DentryRef, InodeRef, MntIdmap},
    vfs::Inode,
};
use kernel::prelude::*;

fn errno(e: u32) -> Error {
    Error::from_errno(-(e as i32))
}

fn checked_name<'a>(dentry: *mut bindings::dentry) -> Result<&'a [u8]> {
    name_fits(dentry_name(dentry))
}

/// ENAMETOOLONG for a name longer than an entry holds.
fn name_fits(name: &[u8]) -> Result<&[u8]> {
    if name.len() > NAME_MAX {
        Err(errno(bindings::ENAMETOOLONG))
    } else {
        Ok(name)
    }
}

/// A new inode, hashed and locked (I_NEW) until `instantiate`; dropped unused, it is
/// discarded and its slot freed by eviction.
struct NewInode<'a>(Inode<'a>);

impl<'a> NewInode<'a> {
    fn create(idmap: *mut bindings::mnt_idmap, dir: Inode<'a>, mode: u16) -> Result<Self> {
        let sb = dir.sb();
        // SAFETY: a live super block of ours.
        let raw = unsafe { bindings::new_inode(sb.raw()) };
        if raw.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: a fresh inode only we know; `dir` is live; i_ino stays 0 until a slot is
        // ours (eviction frees nothing for ino 0).
        let inode = unsafe {
            bindings::inode_init_owner(idmap, raw, dir.raw(), mode);
            bindings::simple_inode_init_ts(raw);
            (*raw).i_generation = bindings::get_random_u32();
            Inode::new(raw)
        };
        let disk = crate::inode::to_disk(inode, &inode.info().map.read());
        let ino = match sb.info().alloc.write().alloc_inode(sb, &disk) {
            Ok(ino) => ino,
            Err(e) => {
                // SAFETY: our only reference; the inode has no slot to free.
                unsafe { bindings::iput(raw) };
                return Err(e);
            }
        };
        // SAFETY: still private to us: number it, give it its operations, hash it.
        unsafe {
            (*raw).i_ino = ino as usize;
            ffi::rnwfs_inode_set_ops(raw);
            if bindings::insert_inode_locked(raw) != 0 {
                pr_err!("inode {} allocated but already in the cache\n", ino);
                bindings::clear_nlink(raw);
                bindings::iput(raw);
                return Err(EIO);
            }
        }
        inode.mark_dirty();
        Ok(Self(inode))
    }

    fn instantiate(self, dentry: *mut bindings::dentry) {
        let inode = self.0;
        core::mem::forget(self);
        // SAFETY: a new, locked inode: the dentry takes our reference and unlocks it.
        unsafe { bindings::d_instantiate_new(dentry, inode.raw()) };
    }
}

impl Drop for NewInode<'_> {
    fn drop(&mut self) {
        // SAFETY: a new, locked inode we hold the only reference to: unlinked and
        // discarded, eviction frees its blocks and slot.
        unsafe {
            bindings::clear_nlink(self.0.raw());
            bindings::discard_new_inode(self.0.raw());
        }
    }
}

fn file_type(mode: u16) -> FileType {
    FileType::from_mode(mode).unwrap_or(FileType::Regular)
}

fn create(
    idmap: *mut bindings::mnt_idmap,
    dir: Inode<'_>,
    dentry: *mut bindings::dentry,
    mode: u16,
) -> Result {
    let name = checked_name(dentry)?;
    let new = NewInode::create(idmap, dir, mode)?;
    dir::add(dir, name, new.0.ino(), file_type(mode))?;
    new.instantiate(dentry);
    Ok(())
}

/// # Safety
///
/// Called by the VFS only (`->create`): `idmap` is the mount's idmap, `dir` a live rnwfs
/// directory inode whose `i_rwsem` the caller holds exclusively, `dentry` a live negative
/// dentry in `dir`.
#[no_mangle]
unsafe extern "C" fn rnwfs_create(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: u16,
    _excl: bool,
) -> i32 {
    if mode & S_IFMT != crate::format::inode::S_IFREG {
        return errno(bindings::EOPNOTSUPP).to_errno(); // mknod of devices, fifos, sockets
    }
    // SAFETY: the VFS passes a live directory of ours.
    crate::vfs::status(create(idmap, unsafe { Inode::new(dir) }, dentry, mode))
}

fn mkdir(
    idmap: *mut bindings::mnt_idmap,
    dir: Inode<'_>,
    dentry: *mut bindings::dentry,
    mode: u16,
) -> Result {
    let name = checked_name(dentry)?;
    let new = NewInode::create(idmap, dir, S_IFDIR | mode)?;
    new.0.inc_nlink(); // a new directory has two links ("." and its entry in the parent)
    dir::init(new.0, dir.ino())?;
    dir::add(dir, name, new.0.ino(), FileType::Directory)?;
    dir.inc_nlink(); // its new child's ".." links to it
    dir.mark_dirty();
    new.instantiate(dentry);
    Ok(())
}

/// # Safety
///
/// Called by the VFS only (`->mkdir`), with the pointers `rnwfs_create` is given.
#[no_mangle]
unsafe extern "C" fn rnwfs_mkdir(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: u16,
) -> i32 {
    // SAFETY: the VFS passes a live directory of ours.
    crate::vfs::status(mkdir(idmap, unsafe { Inode::new(dir) }, dentry, mode))
}

fn symlink(
    idmap: *mut bindings::mnt_idmap,
    dir: Inode<'_>,
    dentry: *mut bindings::dentry,
    target: &[u8],
) -> Result {
    let name = checked_name(dentry)?;
    if target.len() >= BLOCK_SIZE {
        return Err(errno(bindings::ENAMETOOLONG));
    }
    let new = NewInode::create(idmap, dir, S_IFLNK | 0o777)?;
    let e = new
        .0
        .info()
        .map
        .write()
        .allocate(new.0, 0, 1, NewBlocks::Written)?;
    let mut buf = dir.sb().new_block(e.physical)?;
    buf.edit(|data| data[..target.len()].copy_from_slice(target));
    new.0.set_size(target.len() as u64);
    dir::add(dir, name, new.0.ino(), FileType::Symlink)?;
    new.instantiate(dentry);
    Ok(())
}

/// # Safety
///
/// Called by the VFS only (`->symlink`), with the pointers `rnwfs_create` is given and
/// `target` a NUL-terminated string that lives for the call.
#[no_mangle]
unsafe extern "C" fn rnwfs_symlink(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    target: *const core::ffi::c_char,
) -> i32 {
    // SAFETY: the VFS passes a NUL-terminated target and a live directory of ours.
    let (dir, target) = unsafe {
        (
            Inode::new(dir),
            core::ffi::CStr::from_ptr(target).to_bytes(),
        )
    };
    crate::vfs::status(symlink(idmap, dir, dentry, target))
}

fn link(old: Inode<'_>, dir: Inode<'_>, dentry: *mut bindings::dentry) -> Result {
    let name = checked_name(dentry)?;
    dir::add(dir, name, old.ino(), file_type(old.mode()))?;
    // SAFETY: a live inode: one more link, one more reference for the new dentry.
    unsafe {
        bindings::inc_nlink(old.raw());
        bindings::ihold(old.raw());
        bindings::d_instantiate(dentry, old.raw());
    }
    old.touch_ctime();
    old.mark_dirty();
    Ok(())
}

/// # Safety
///
/// Called by the VFS only (`->link`): `old_dentry` is a live positive dentry of an rnwfs
/// inode, `dir` a live rnwfs directory inode whose `i_rwsem` the caller holds exclusively,
/// `dentry` a live negative dentry in `dir`.
#[no_mangle]
unsafe extern "C" fn rnwfs_link(
    old_dentry: *mut bindings::dentry,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
) -> i32 {
    // SAFETY: the VFS passes a positive source dentry and a live directory of ours.
    crate::vfs::status(unsafe {
        link(
            Inode::new(ffi::rnwfs_d_inode(old_dentry)),
            Inode::new(dir),
            dentry,
        )
    })
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
    dentry.inode().map(Inode::of).ok_or(ENOENT)
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

fn unlink(dir: Inode<'_>, dentry: &DentryRef<'_>) -> Result {
    check_links(positive(dentry)?, 1, "an unlink")?;
    let inode = remove_entry(dir, dentry)?;
    inode.drop_nlink();
    inode.mark_dirty();
    Ok(())
}

#[no_mangle]
extern "C" fn rnwfs_unlink(dir: InodeRef<'_>, dentry: DentryRef<'_>) -> i32 {
    crate::vfs::status(unlink(Inode::of(dir), &dentry))
}

fn rmdir(dir: Inode<'_>, dentry: &DentryRef<'_>) -> Result {
    let victim = positive(dentry)?;
    if !dir::is_empty(victim)? {
        return Err(errno(bindings::ENOTEMPTY));
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

#[no_mangle]
extern "C" fn rnwfs_rmdir(dir: InodeRef<'_>, dentry: DentryRef<'_>) -> i32 {
    crate::vfs::status(rmdir(Inode::of(dir), &dentry))
}

fn rename(
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
    let target = new_dentry.inode().map(Inode::of);
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
            return Err(errno(bindings::ENOTEMPTY));
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

/// `inode_operations.rename`: the VFS holds both directories' i_rwsem (and the source's
/// and target's).
#[no_mangle]
extern "C" fn rnwfs_rename(
    _idmap: MntIdmap<'_>,
    old_dir: InodeRef<'_>,
    old_dentry: DentryRef<'_>,
    new_dir: InodeRef<'_>,
    new_dentry: DentryRef<'_>,
    flags: u32,
) -> i32 {
    crate::vfs::status(rename(
        Inode::of(old_dir),
        &old_dentry,
        Inode::of(new_dir),
        &new_dentry,
        flags,
    ))
}

fn read_link(inode: Inode<'_>) -> Result<*mut u8> {
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
    body.push(0, GFP_KERNEL)?;
    Ok(body.into_raw_parts().0)
}

/// # Safety
///
/// Called by the VFS only (`->get_link`): `dentry` is null (an RCU path walk) or live,
/// `inode` a live rnwfs symlink inode, `done` the walk's delayed call.
#[no_mangle]
unsafe extern "C" fn rnwfs_get_link(
    dentry: *mut bindings::dentry,
    inode: *mut bindings::inode,
    done: *mut bindings::delayed_call,
) -> *const core::ffi::c_char {
    if dentry.is_null() {
        return errno(bindings::ECHILD).to_ptr(); // RCU walk: reading may sleep
    }
    // SAFETY: the VFS passes a live symlink inode of ours.
    match read_link(unsafe { Inode::new(inode) }) {
        Ok(body) => {
            // SAFETY: `body` is a kmalloc'ed NUL-terminated string; the VFS kfrees it.
            unsafe { ffi::rnwfs_set_link_kfree(done, body.cast()) };
            body.cast()
        }
        Err(e) => e.to_ptr(),
    }
}
