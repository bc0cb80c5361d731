// SPDX-License-Identifier: GPL-2.0
//! `FileSystem`: what a filesystem on a block device implements. The layer builds the VFS's
//! operation tables from it (super block, inodes, mount contexts: [`super::fs_type`],
//! [`super::inode_ops`]) and owns what the VFS leaves to a filesystem's C: the registered
//! `file_system_type`, the inode cache and each inode's filesystem part
//! ([`super::inode_cache`]), the mount options.
//!
//! Every method is called by the VFS with its locks held as `Documentation/filesystems/
//! vfs.rst` says (the directory's i_rwsem for namespace operations, and so on); the handles
//! live for the call.

use super::{
    DentryRef, EvictingInode, FsContext, Iattr, InodeRef, MntIdmap, NegativeDentry, NewSuperBlock,
    OwnedInode, StatfsOut, SuperBlock, WritebackControl,
};
use super::{DirContext, FMode, FileRef, FopFlags, IovIter, Kiocb};
use crate::rnwk::iomap::FiemapInfo;
use kernel::{prelude::*, str::CStr};

/// A filesystem on a block device (mounted with `get_tree_bdev`). One per module: the layer
/// keeps its registration in module statics.
pub(crate) trait FileSystem: Sized + 'static {
    /// The type's name (`mount -t`).
    const NAME: &'static CStr;
    /// Boolean mount options, each also accepted negated with "no" (`-o name`,
    /// `-o noname`); [`FsContext::flag`] tells what a mount or remount said of each, by
    /// index in this list.
    const FLAGS: &'static [&'static CStr];
    /// The inode cache's name (`/proc/slabinfo`).
    const INODE_CACHE: &'static CStr;
    /// What every inode carries besides the VFS inode: made with it, dropped with it. It is
    /// dropped from `->free_inode`, an RCU callback (softirq context), possibly after the
    /// super block's `put_super`: its `Drop` must not sleep or reach per-super-block state.
    type InodeInfo: Send + Sync;
    /// What a mounted super block carries (`s_fs_info`): given by `fill_super`
    /// ([`NewSuperBlock::set_info`]), dropped by the layer once the VFS is done with the
    /// super block (`->kill_sb`, after `put_super` and the last inode's eviction).
    type SbInfo: Send + Sync;
    /// The iomap operations of its regular files' data: their page cache, faults and direct
    /// I/O (the layer's address space and vm tables are built from them).
    type Iomap: crate::rnwk::iomap::Operations;
    /// Modes every open file gets (`->open`).
    const OPEN_FMODE: FMode;
    /// What its regular files support (`file_operations.fop_flags`).
    const FOP_FLAGS: FopFlags;

    /// The filesystem part of a new in-memory inode (`->alloc_inode`).
    fn new_inode_info() -> Result<Self::InodeInfo>;

    /// Sets up the super block of a mount (`get_tree_bdev`'s fill_super). On an error
    /// after [`NewSuperBlock::set_root`], the VFS tears it down through `put_super`; the
    /// info given to [`NewSuperBlock::set_info`] is dropped either way.
    fn fill_super(sb: &NewSuperBlock<'_>, fc: &FsContext<'_>) -> Result;
    /// A remount (`->reconfigure`).
    fn reconfigure(fc: &FsContext<'_>) -> Result;
    /// Unmount, after every inode is gone (`->put_super`).
    fn put_super(sb: SuperBlock<'_>);
    /// sync(2) and unmount's last write (`->sync_fs`); `wait`: wait for the writes.
    fn sync_fs(sb: SuperBlock<'_>, wait: bool) -> Result;
    /// Whether the mounted filesystem `sb` has flag `FLAGS[index]` set now: `/proc/mounts`
    /// lists the ones that are (`->show_options`).
    fn flag_set(sb: SuperBlock<'_>, index: usize) -> bool;
    /// statfs(2).
    fn statfs(dentry: &DentryRef<'_>, out: StatfsOut<'_>) -> Result;
    /// Writes an inode back (`->write_inode`).
    fn write_inode(inode: InodeRef<'_>, wbc: &WritebackControl<'_>) -> Result;
    /// The inode's last reference is gone (`->evict_inode`).
    fn evict_inode(inode: EvictingInode<'_>);

    /// The inode `dentry` names in `dir`, or `None` (`->lookup`).
    fn lookup<'a>(dir: InodeRef<'a>, dentry: &DentryRef<'a>) -> Result<Option<OwnedInode<'a>>>;
    /// A regular file (`->create`); `mode` has S_IFREG (other types are refused before).
    /// The new name is `dentry`, negative (the layer checked).
    fn create(
        idmap: &MntIdmap<'_>,
        dir: InodeRef<'_>,
        dentry: NegativeDentry<'_>,
        mode: u16,
    ) -> Result;
    fn mkdir(
        idmap: &MntIdmap<'_>,
        dir: InodeRef<'_>,
        dentry: NegativeDentry<'_>,
        mode: u16,
    ) -> Result;
    fn symlink(
        idmap: &MntIdmap<'_>,
        dir: InodeRef<'_>,
        dentry: NegativeDentry<'_>,
        target: &[u8],
    ) -> Result;
    fn link(old_dentry: &DentryRef<'_>, dir: InodeRef<'_>, dentry: NegativeDentry<'_>) -> Result;
    fn unlink(dir: InodeRef<'_>, dentry: &DentryRef<'_>) -> Result;
    fn rmdir(dir: InodeRef<'_>, dentry: &DentryRef<'_>) -> Result;
    fn rename(
        idmap: &MntIdmap<'_>,
        old_dir: InodeRef<'_>,
        old_dentry: &DentryRef<'_>,
        new_dir: InodeRef<'_>,
        new_dentry: &DentryRef<'_>,
        flags: u32,
    ) -> Result;
    /// chmod, chown, utimes, truncate (`->setattr`).
    fn setattr(idmap: &MntIdmap<'_>, dentry: &DentryRef<'_>, attr: &Iattr<'_>) -> Result;
    /// A read (`->read_iter`): the bytes read, or -errno (-EIOCBQUEUED: an async one is
    /// under way).
    fn read_iter(iocb: Kiocb<'_>, to: IovIter<'_>) -> isize;
    /// A write (`->write_iter`), answered as a read is.
    fn write_iter(iocb: Kiocb<'_>, from: IovIter<'_>) -> isize;
    /// `lseek(2)` on a regular file: the new position or -errno.
    fn llseek(file: &FileRef<'_>, offset: i64, whence: i32) -> i64;
    /// fsync(2) and fdatasync(2) (`datasync`) of a file or directory.
    fn fsync(file: &FileRef<'_>, start: i64, end: i64, datasync: bool) -> Result;
    /// fallocate(2) on a regular file.
    fn fallocate(file: &FileRef<'_>, mode: i32, offset: i64, len: i64) -> Result;
    /// The filesystem's ioctls on a file or directory (ENOTTY for others; 32-bit callers'
    /// pointers are converted first).
    fn ioctl(file: &FileRef<'_>, cmd: u32, arg: usize) -> Result;
    /// readdir (`->iterate_shared`, the directory's i_rwsem held shared).
    fn iterate_shared(file: &FileRef<'_>, ctx: DirContext<'_>) -> Result;
    /// FIEMAP on a regular file (`->fiemap`).
    fn fiemap(inode: InodeRef<'_>, info: FiemapInfo<'_>, start: u64, len: u64) -> Result;
    /// A symlink's target, without a NUL (`->get_link`, outside RCU path walks: it may
    /// sleep).
    fn read_link(inode: InodeRef<'_>) -> Result<KVec<u8>>;
}
