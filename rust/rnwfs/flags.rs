// SPDX-License-Identifier: GPL-2.0
//! Per-file flags (RNWFS_IOC_GETFLAGS/SETFLAGS, persisted in the inode) and what they
//! turn on: writethrough buffered writes, also on for every file of a filesystem mounted
//! with `-o writethrough` (Documentation/writethrough.rst), and the writethrough engine's
//! hooks into writeback completion (the engine is C until issue 16 replaces it).

use crate::{
    ffi::{self, bindings},
    format::inode::{INODE_FLAG_WRITETHROUGH, KNOWN_INODE_FLAGS},
    rnwk::iomap::Ioend,
    vfs::{Inode, Sb},
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

/// Whether async writethrough writes wait for writeback completions on `sb`: then every
/// writeback ioend reports to the engine.
pub(crate) fn writethrough_waiting(sb: Sb<'_>) -> bool {
    // SAFETY: a mounted super block (its C side lives until put_super).
    unsafe { ffi::rnwfs_wt_waiting(sb.raw()) }
}

/// Makes a (written-extent) writeback ioend end through the writethrough engine.
pub(crate) fn writethrough_hook(ioend: Ioend<'_>) {
    // SAFETY: an ioend being prepared, not submitted: the engine hooks its bio's end_io.
    unsafe { ffi::rnwfs_wt_hook_ioend(ioend.as_c_ptr().cast()) }
}

/// The writeback of [offset, offset + size) of `inode` failed: the writethrough writes over
/// it fail with `error` (before the folios' writeback ends, which sync writers wait for).
pub(crate) fn writethrough_ioend_error(inode: Inode<'_>, offset: u64, size: u64, error: Error) {
    // SAFETY: a live inode (its folios are still under writeback).
    unsafe {
        ffi::rnwfs_wt_ioend_error(inode.raw(), offset as i64, size as usize, error.to_errno())
    }
}

/// The writeback of [offset, offset + size) of the inode at `inode_addr` ended: the async
/// writethrough writes over it whose whole range is on the device complete. Called from the
/// super block's ioend queue, after the ioend was finished (the addresses are what
/// `FinishedIoend` kept).
pub(crate) fn writethrough_writeback_done(
    sb_addr: usize,
    inode_addr: usize,
    offset: u64,
    size: u64,
) {
    // SAFETY: the super block is mounted: put_super drains its ioend queue, which waits for
    // this handler, before the C side goes (super_block.rs, `release`). The engine only
    // compares the inode's address (it may be gone).
    unsafe {
        ffi::rnwfs_wt_writeback_done(
            sb_addr as *mut bindings::super_block,
            inode_addr as *mut bindings::inode,
            offset as i64,
            size as usize,
        )
    }
}
