// SPDX-License-Identifier: GPL-2.0
//! The inode operations of a [`FileSystem`]'s directories, regular files and symlinks,
//! built from it at compile time, and how a new inode gets them.

use super::file_ops::FileTables;
use super::{
    fs_type, DelayedCall, DentryRef, FileSystem, Iattr, InodeRef, LinkBody, MntIdmap,
    NegativeDentry, SymlinkTarget,
};
use crate::rnwk::{
    bindings, c_table,
    errno::status,
    iomap::{FiemapInfo, PageCacheTables},
};
use core::{ffi::c_int, marker::PhantomData};
use kernel::prelude::*;

/// The registered filesystem's operations for its inodes, per type of inode.
pub(super) struct Tables {
    dir: &'static bindings::inode_operations,
    file: &'static bindings::inode_operations,
    symlink: &'static bindings::inode_operations,
    dir_fops: &'static bindings::file_operations,
    file_fops: &'static bindings::file_operations,
    aops: &'static bindings::address_space_operations,
}

impl Tables {
    pub(super) fn of<F: FileSystem>() -> Self {
        Self {
            dir: &Built::<F>::DIR,
            file: &Built::<F>::FILE,
            symlink: &Built::<F>::SYMLINK,
            dir_fops: &FileTables::<F>::DIR,
            file_fops: &FileTables::<F>::FILE,
            aops: &PageCacheTables::<F::Iomap>::AOPS,
        }
    }
}

/// S_IFMT and the types the tables are for (include/uapi/linux/stat.h).
const S_IFMT: u16 = 0o170000;
const S_IFDIR: u16 = 0o040000;
const S_IFLNK: u16 = 0o120000;
const S_IFREG: u16 = 0o100000;

/// Gives a new inode, nobody else reaches yet and whose mode is set, the registered
/// filesystem's operations for its type: directories their inode and file operations,
/// symlinks their inode operations (and a page cache kept out of highmem, as for any
/// symlink), regular files their inode, file and address space operations; other types
/// none (the VFS's empty ones).
pub(super) fn set_operations(inode: InodeRef<'_>) {
    let Some(tables) = fs_type::inode_tables() else {
        return; // no registered filesystem: no inode of it either
    };
    let inode = inode.as_ptr();
    // SAFETY: a new inode only the caller reaches (see above): its operation fields are
    // ours to set, to tables that live as long as the module.
    unsafe {
        match (*inode).i_mode & S_IFMT {
            S_IFDIR => {
                (*inode).i_op = tables.dir;
                (*inode).__bindgen_anon_3.i_fop = tables.dir_fops;
            }
            S_IFLNK => {
                (*inode).i_op = tables.symlink;
                bindings::rnwk_inode_nohighmem(inode);
            }
            S_IFREG => {
                (*inode).i_op = tables.file;
                (*inode).__bindgen_anon_3.i_fop = tables.file_fops;
                (*(*inode).i_mapping).a_ops = tables.aops;
            }
            // Device nodes, fifos, sockets: no filesystem supported here has them (rnwfs
            // refuses them at load); they keep the VFS's empty operations.
            _ => {}
        }
    }
}

/// The tables of filesystem `F`.
struct Built<F>(PhantomData<F>);

impl<F: FileSystem> Built<F> {
    const DIR: bindings::inode_operations = bindings::inode_operations {
        lookup: Some(lookup::<F>),
        create: Some(create::<F>),
        mkdir: Some(mkdir::<F>),
        symlink: Some(symlink::<F>),
        link: Some(link::<F>),
        unlink: Some(unlink::<F>),
        rmdir: Some(rmdir::<F>),
        rename: Some(rename::<F>),
        setattr: Some(setattr::<F>),
        ..ZEROED
    };
    const FILE: bindings::inode_operations = bindings::inode_operations {
        setattr: Some(setattr::<F>),
        fiemap: Some(fiemap::<F>),
        ..ZEROED
    };
    const SYMLINK: bindings::inode_operations = bindings::inode_operations {
        get_link: Some(get_link::<F>),
        setattr: Some(setattr::<F>),
        ..ZEROED
    };
}

// SAFETY: a kernel operation table.
const ZEROED: bindings::inode_operations = unsafe { c_table::zeroed() };

/// `lookup`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn lookup<F: FileSystem>(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    _flags: u32,
) -> *mut bindings::dentry {
    // SAFETY: the directory (its i_rwsem held) and the dentry being looked up, for the call.
    let (dir, dentry) = unsafe { (InodeRef::from_raw(dir), DentryRef::from_raw(dentry)) };
    let answer = match F::lookup(dir, &dentry) {
        Ok(inode) => dentry.splice_alias(inode),
        Err(e) => e.into(),
    };
    answer.into_raw()
}

/// `create`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn create<F: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: u16,
    _excl: bool,
) -> c_int {
    if mode & S_IFMT != S_IFREG {
        return -(bindings::EOPNOTSUPP as c_int); // mknod of devices, fifos, sockets
    }
    // SAFETY: the mount's idmap, the directory (its i_rwsem held exclusively) and a negative
    // dentry in it, for the call.
    let (idmap, dir, dentry) = unsafe {
        (
            MntIdmap::from_raw(idmap),
            InodeRef::from_raw(dir),
            DentryRef::from_raw(dentry),
        )
    };
    status(NegativeDentry::of(dentry).and_then(|dentry| F::create(&idmap, dir, dentry, mode)))
}

/// `mkdir`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn mkdir<F: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: u16,
) -> c_int {
    // SAFETY: as in `create`.
    let (idmap, dir, dentry) = unsafe {
        (
            MntIdmap::from_raw(idmap),
            InodeRef::from_raw(dir),
            DentryRef::from_raw(dentry),
        )
    };
    status(NegativeDentry::of(dentry).and_then(|dentry| F::mkdir(&idmap, dir, dentry, mode)))
}

/// `symlink`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn symlink<F: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    target: *const kernel::ffi::c_char,
) -> c_int {
    // SAFETY: as in `create`, and the NUL-terminated target, for the call.
    let (idmap, dir, dentry, target) = unsafe {
        (
            MntIdmap::from_raw(idmap),
            InodeRef::from_raw(dir),
            DentryRef::from_raw(dentry),
            SymlinkTarget::from_raw(target.cast_mut()),
        )
    };
    status(
        NegativeDentry::of(dentry)
            .and_then(|dentry| F::symlink(&idmap, dir, dentry, target.bytes())),
    )
}

/// `link`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn link<F: FileSystem>(
    old_dentry: *mut bindings::dentry,
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
) -> c_int {
    // SAFETY: a positive dentry of the filesystem, the directory (its i_rwsem held
    // exclusively) and a negative dentry in it, for the call.
    let (old_dentry, dir, dentry) = unsafe {
        (
            DentryRef::from_raw(old_dentry),
            InodeRef::from_raw(dir),
            DentryRef::from_raw(dentry),
        )
    };
    status(NegativeDentry::of(dentry).and_then(|dentry| F::link(&old_dentry, dir, dentry)))
}

/// `unlink`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn unlink<F: FileSystem>(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
) -> c_int {
    // SAFETY: the directory (its i_rwsem held exclusively) and a positive dentry in it.
    let (dir, dentry) = unsafe { (InodeRef::from_raw(dir), DentryRef::from_raw(dentry)) };
    status(F::unlink(dir, &dentry))
}

/// `rmdir`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn rmdir<F: FileSystem>(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
) -> c_int {
    // SAFETY: as in `unlink`.
    let (dir, dentry) = unsafe { (InodeRef::from_raw(dir), DentryRef::from_raw(dentry)) };
    status(F::rmdir(dir, &dentry))
}

/// `rename`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn rename<F: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    old_dir: *mut bindings::inode,
    old_dentry: *mut bindings::dentry,
    new_dir: *mut bindings::inode,
    new_dentry: *mut bindings::dentry,
    flags: u32,
) -> c_int {
    // SAFETY: the mount's idmap, both directories (their i_rwsem held), the positive source
    // and the (maybe negative) target dentry, for the call.
    let (idmap, old_dir, old_dentry, new_dir, new_dentry) = unsafe {
        (
            MntIdmap::from_raw(idmap),
            InodeRef::from_raw(old_dir),
            DentryRef::from_raw(old_dentry),
            InodeRef::from_raw(new_dir),
            DentryRef::from_raw(new_dentry),
        )
    };
    status(F::rename(
        &idmap,
        old_dir,
        &old_dentry,
        new_dir,
        &new_dentry,
        flags,
    ))
}

/// `setattr`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn setattr<F: FileSystem>(
    idmap: *mut bindings::mnt_idmap,
    dentry: *mut bindings::dentry,
    attr: *mut bindings::iattr,
) -> c_int {
    // SAFETY: the mount's idmap, the dentry whose inode changes (its i_rwsem held) and the
    // change, for the call.
    let (idmap, dentry, attr) = unsafe {
        (
            MntIdmap::from_raw(idmap),
            DentryRef::from_raw(dentry),
            Iattr::from_raw(attr),
        )
    };
    status(F::setattr(&idmap, &dentry, &attr))
}

/// `fiemap`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn fiemap<F: FileSystem>(
    inode: *mut bindings::inode,
    info: *mut bindings::fiemap_extent_info,
    start: u64,
    len: u64,
) -> c_int {
    // SAFETY: a live regular file of the filesystem and the call's extent info.
    let (inode, info) = unsafe { (InodeRef::from_raw(inode), FiemapInfo::from_raw(info)) };
    status(F::fiemap(inode, info, start, len))
}

/// `get_link`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn get_link<F: FileSystem>(
    dentry: *mut bindings::dentry,
    inode: *mut bindings::inode,
    done: *mut bindings::delayed_call,
) -> *const kernel::ffi::c_char {
    if dentry.is_null() {
        // An RCU path walk, which must not sleep: reading the target may.
        return LinkBody::from(ECHILD).into_raw();
    }
    // SAFETY: the symlink, live for the call, and the walk's delayed call.
    let (inode, done) = unsafe { (InodeRef::from_raw(inode), DelayedCall::from_raw(done)) };
    match F::read_link(inode) {
        Ok(body) => done.give(body),
        Err(e) => LinkBody::from(e),
    }
    .into_raw()
}
