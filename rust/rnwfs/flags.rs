// SPDX-License-Identifier: GPL-2.0
//! Per-file flags (RNWFS_IOC_GETFLAGS/SETFLAGS, persisted in the inode) and what they
//! turn on: writethrough buffered writes, also on for every file of a filesystem mounted
//! with `-o writethrough` (Documentation/writethrough.rst).

use crate::{
    ffi::{self, bindings},
    format::inode::{INODE_FLAG_WRITETHROUGH, KNOWN_INODE_FLAGS},
    vfs::Inode,
};
use core::sync::atomic::Ordering;
use kernel::prelude::*;

// The ABI's flag bits are the on-disk ones.
const _: () = assert!(ffi::RNWFS_FL_WRITETHROUGH == INODE_FLAG_WRITETHROUGH);

/// Whether buffered writes to `inode` are writethrough.
pub(crate) fn writethrough(inode: Inode) -> bool {
    inode.sb().info().writethrough.load(Ordering::Relaxed)
        || inode.info().flags.load(Ordering::Relaxed) & INODE_FLAG_WRITETHROUGH != 0
}

fn set_flags(inode: Inode, flags: u32) -> Result {
    if flags & !KNOWN_INODE_FLAGS != 0 {
        return Err(EINVAL);
    }
    if flags & INODE_FLAG_WRITETHROUGH != 0 && !inode.is_regular() {
        return Err(EINVAL);
    }
    if flags & INODE_FLAG_WRITETHROUGH != 0 {
        // Its async writes complete there; made now so that they need not make it.
        // SAFETY: a mounted super block.
        kernel::error::to_result(unsafe { ffi::rnwfs_init_dio_done_wq(inode.sb().raw()) })?;
    }
    inode.info().flags.store(flags, Ordering::Relaxed);
    inode.touch_ctime();
    inode.mark_dirty();
    Ok(())
}

#[no_mangle]
unsafe extern "C" fn rnwfs_get_flags(inode: *mut bindings::inode) -> u32 {
    // SAFETY: the ioctl's open file pins the inode.
    unsafe { Inode::new(inode) }.info().flags.load(Ordering::Relaxed)
}

#[no_mangle]
unsafe extern "C" fn rnwfs_set_flags(inode: *mut bindings::inode, flags: u32) -> i32 {
    // SAFETY: as above; the caller holds i_rwsem and checked permission and write access.
    crate::vfs::status(set_flags(unsafe { Inode::new(inode) }, flags))
}
