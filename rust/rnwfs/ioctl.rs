// SPDX-License-Identifier: GPL-2.0
//! rnwfs' ioctls (include/uapi/linux/rnwfs.h), on files and directories: the per-file flags
//! (setting them needs ownership or CAP_FOWNER, and a writable mount) and the nowait
//! statistics of a file or of its filesystem.
#![deny(unsafe_code)]

use crate::{ffi, flags, rnwk::fs::FileRef, stats::NowaitStats, vfs::Inode};
use kernel::{prelude::*, uaccess::UserSlice};

// The command numbers, as the C header computes them (_IOR/_IOW with the ABI's sizes).
const GETFLAGS: u32 = ffi::RNWFS_IOCTL_GETFLAGS;
const SETFLAGS: u32 = ffi::RNWFS_IOCTL_SETFLAGS;
const NOWAIT_STATS: u32 = ffi::RNWFS_IOCTL_NOWAIT_STATS;
const SB_NOWAIT_STATS: u32 = ffi::RNWFS_IOCTL_SB_NOWAIT_STATS;

/// RNWFS_IOC_SETFLAGS: the new flags are read first (EFAULT), then permission (EPERM) and
/// write access (EROFS) are checked, then the flags change under i_rwsem.
fn set_flags(file: &FileRef<'_>, inode: Inode<'_>, arg: usize) -> Result {
    let new = UserSlice::new(arg, core::mem::size_of::<u32>())
        .reader()
        .read::<u32>()?;
    if !file.caller_owns_inode() {
        return Err(EPERM);
    }
    let _write = file.want_write()?;
    let _lock = inode.lock(false, false)?;
    flags::set_flags(inode, new)
}

fn copy_stats(arg: usize, stats: &NowaitStats) -> Result {
    let bytes = stats.to_abi_bytes();
    UserSlice::new(arg, bytes.len())
        .writer()
        .write_slice(&bytes)
}

/// `unlocked_ioctl` of rnwfs' files and directories (the layer converts 32-bit callers'
/// pointers first).
pub(crate) fn ioctl(file: &FileRef<'_>, cmd: u32, arg: usize) -> Result {
    let inode = Inode::of(file.inode())?;
    match cmd {
        GETFLAGS => UserSlice::new(arg, core::mem::size_of::<u32>())
            .writer()
            .write(&flags::get_flags(inode)),
        SETFLAGS => set_flags(file, inode, arg),
        NOWAIT_STATS => copy_stats(arg, &inode.info().stats),
        SB_NOWAIT_STATS => copy_stats(arg, &inode.sb().info().stats),
        _ => Err(ENOTTY),
    }
}
