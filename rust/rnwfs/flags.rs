// SPDX-License-Identifier: GPL-2.0
//! Per-file flags (RNWFS_IOC_GETFLAGS/SETFLAGS, persisted in the inode) and what they
//! turn on: writethrough buffered writes, also on for every file of a filesystem mounted
//! with `-o writethrough` (Documentation/writethrough.rst; the writes themselves are
//! writethrough.rs' and file.rs').
#![deny(unsafe_code)]

use crate::{
    ffi,
    format::inode::{INODE_FLAG_WRITETHROUGH, KNOWN_INODE_FLAGS},
    vfs::Inode,
};
use core::sync::atomic::Ordering;
use kernel::prelude::*;

// The ABI's flag bits are the on-disk ones.
const _: () = assert!(ffi::RNWFS_FL_WRITETHROUGH == INODE_FLAG_WRITETHROUGH);

/// Whether buffered writes to `inode` are writethrough.
pub(crate) fn writethrough(inode: Inode<'_>) -> bool {
    inode.sb().info().writethrough.load(Ordering::Relaxed)
        || inode.info().flags.load(Ordering::Relaxed) & INODE_FLAG_WRITETHROUGH != 0
}

/// The per-file flags (RNWFS_IOC_GETFLAGS).
pub(crate) fn get_flags(inode: Inode<'_>) -> u32 {
    inode.info().flags.load(Ordering::Relaxed)
}

/// Sets the per-file flags (RNWFS_IOC_SETFLAGS); the caller holds i_rwsem and checked
/// ownership and write access.
pub(crate) fn set_flags(inode: Inode<'_>, flags: u32) -> Result {
    if flags & !KNOWN_INODE_FLAGS != 0 {
        return Err(EINVAL);
    }
    if flags & INODE_FLAG_WRITETHROUGH != 0 && !inode.is_regular() {
        return Err(EINVAL);
    }
    if flags & INODE_FLAG_WRITETHROUGH != 0 {
        // Its async writes complete there; made now so that they need not make it.
        inode.sb().layer().ensure_dio_done_wq()?;
    }
    inode.info().flags.store(flags, Ordering::Relaxed);
    inode.touch_ctime();
    inode.mark_dirty();
    Ok(())
}
