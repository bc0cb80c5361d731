// SPDX-License-Identifier: GPL-2.0
//! Loading inodes into the inode cache.

use crate::{
    disk,
    ffi::{self, bindings},
    super_block::SbInfo,
};
use kernel::prelude::*;

/// The in-core inode for `ino`, read from disk if not cached.
pub(crate) fn iget(sb: *mut bindings::super_block, ino: u32) -> Result<*mut bindings::inode> {
    let info = SbInfo::of(sb);
    // SAFETY: `sb` is live; iget_locked returns a referenced inode, new ones locked.
    let inode = unsafe { bindings::iget_locked(sb, ino as usize) };
    if inode.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `inode` is a live inode we hold a reference to.
    if !unsafe { ffi::rnwfs_inode_is_new(inode) } {
        return Ok(inode);
    }
    // Only directories have operations yet: a regular file or symlink inode would reach the
    // VFS without file operations or get_link (a WARN on open, a NULL call on follow).
    let d = match disk::read_inode(sb, &info.sb.layout, ino).and_then(|d| {
        if d.is_dir() {
            Ok(d)
        } else {
            pr_warn!("inode {}: files and symlinks are not supported yet\n", ino);
            Err(Error::from_errno(-(bindings::EOPNOTSUPP as i32)))
        }
    }) {
        Ok(d) => d,
        Err(e) => {
            // SAFETY: a new, locked inode that we give up on.
            unsafe { bindings::iget_failed(inode) };
            return Err(e);
        }
    };
    let attrs = ffi::rnwfs_inode_attrs {
        mode: d.mode,
        uid: d.uid,
        gid: d.gid,
        nlink: d.links.into(),
        size: d.size,
        atime_sec: d.atime.sec,
        atime_nsec: d.atime.nsec,
        mtime_sec: d.mtime.sec,
        mtime_nsec: d.mtime.nsec,
        ctime_sec: d.ctime.sec,
        ctime_nsec: d.ctime.nsec,
        generation: d.generation,
    };
    // SAFETY: a new, locked inode: ours to fill, then unlock.
    unsafe {
        ffi::rnwfs_inode_init(inode, &attrs);
        bindings::unlock_new_inode(inode);
    }
    Ok(inode)
}
