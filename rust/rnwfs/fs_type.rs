// SPDX-License-Identifier: GPL-2.0
//! rnwfs as the layer's `FileSystem`: which module answers each VFS operation. Here, above
//! them all, so that no module below needs to name another's entry points (the super
//! block's setup names the writeback completion through this module, for one).
#![deny(unsafe_code)]

use crate::{
    dir, file, inode,
    inode::InodeInfo,
    ioctl, iomap_ops,
    iomap_ops::RnwfsIomap,
    namei,
    rnwk::fs::{
        DentryRef, DirContext, EvictingInode, FMode, FileRef, FileSystem, FopFlags, FsContext,
        Iattr, InodeRef, IovIter, Kiocb, MntIdmap, NegativeDentry, NewSuperBlock, OwnedInode,
        StatfsOut, SuperBlock, WritebackControl,
    },
    rnwk::iomap::FiemapInfo,
    super_block,
    vfs::{Inode, RnwFs},
    writeback,
};
use kernel::{c_str, prelude::*, str::CStr};

impl FileSystem for RnwFs {
    const NAME: &'static CStr = c_str!("rnwfs");
    const FLAGS: &'static [&'static CStr] = super_block::FLAGS;
    const INODE_CACHE: &'static CStr = c_str!("rnwfs_inode");
    type InodeInfo = InodeInfo;
    type SbInfo = super_block::SbInfo;
    type Iomap = RnwfsIomap;
    // Every step of a nowait read or write is honoured (Documentation/rnwfs.rst).
    const OPEN_FMODE: FMode = FMode::NOWAIT.with(FMode::CAN_ODIRECT);
    const FOP_FLAGS: FopFlags = FopFlags::BUFFER_RASYNC
        .with(FopFlags::BUFFER_WASYNC)
        .with(FopFlags::DIO_PARALLEL_WRITE);

    fn new_inode_info() -> Result<InodeInfo> {
        InodeInfo::new()
    }

    fn fill_super(sb: &NewSuperBlock<'_>, fc: &FsContext<'_>) -> Result {
        super_block::fill_super(sb, fc, writeback::unwritten_ioend_ended)
    }

    fn reconfigure(fc: &FsContext<'_>) -> Result {
        super_block::reconfigure(fc)
    }

    fn put_super(sb: SuperBlock<'_>) {
        super_block::put_super(sb)
    }

    fn sync_fs(sb: SuperBlock<'_>, wait: bool) -> Result {
        super_block::sync_fs(sb, wait)
    }

    fn flag_set(sb: SuperBlock<'_>, index: usize) -> bool {
        super_block::flag_set(sb, index)
    }

    fn statfs(dentry: &DentryRef<'_>, out: StatfsOut<'_>) -> Result {
        super_block::statfs(dentry, out)
    }

    fn write_inode(inode: InodeRef<'_>, wbc: &WritebackControl<'_>) -> Result {
        inode::write_back(inode, wbc)
    }

    fn evict_inode(inode: EvictingInode<'_>) {
        inode::evict(inode)
    }

    fn lookup<'a>(dir: InodeRef<'a>, dentry: &DentryRef<'a>) -> Result<Option<OwnedInode<'a>>> {
        dir::lookup(Inode::of(dir)?, dentry)
    }

    fn create(
        idmap: &MntIdmap<'_>,
        dir: InodeRef<'_>,
        dentry: NegativeDentry<'_>,
        mode: u16,
    ) -> Result {
        namei::create(idmap, Inode::of(dir)?, dentry, mode)
    }

    fn mkdir(
        idmap: &MntIdmap<'_>,
        dir: InodeRef<'_>,
        dentry: NegativeDentry<'_>,
        mode: u16,
    ) -> Result {
        namei::mkdir(idmap, Inode::of(dir)?, dentry, mode)
    }

    fn symlink(
        idmap: &MntIdmap<'_>,
        dir: InodeRef<'_>,
        dentry: NegativeDentry<'_>,
        target: &[u8],
    ) -> Result {
        namei::symlink(idmap, Inode::of(dir)?, dentry, target)
    }

    fn link(old_dentry: &DentryRef<'_>, dir: InodeRef<'_>, dentry: NegativeDentry<'_>) -> Result {
        namei::link(old_dentry, Inode::of(dir)?, dentry)
    }

    fn unlink(dir: InodeRef<'_>, dentry: &DentryRef<'_>) -> Result {
        namei::unlink(Inode::of(dir)?, dentry)
    }

    fn rmdir(dir: InodeRef<'_>, dentry: &DentryRef<'_>) -> Result {
        namei::rmdir(Inode::of(dir)?, dentry)
    }

    fn rename(
        _idmap: &MntIdmap<'_>,
        old_dir: InodeRef<'_>,
        old_dentry: &DentryRef<'_>,
        new_dir: InodeRef<'_>,
        new_dentry: &DentryRef<'_>,
        flags: u32,
    ) -> Result {
        namei::rename(
            Inode::of(old_dir)?,
            old_dentry,
            Inode::of(new_dir)?,
            new_dentry,
            flags,
        )
    }

    fn setattr(idmap: &MntIdmap<'_>, dentry: &DentryRef<'_>, attr: &Iattr<'_>) -> Result {
        file::setattr(idmap, dentry, attr)
    }

    fn read_iter(iocb: Kiocb<'_>, to: IovIter<'_>) -> isize {
        file::read_iter(iocb, to)
    }

    fn write_iter(iocb: Kiocb<'_>, from: IovIter<'_>) -> isize {
        file::write_iter(iocb, from)
    }

    fn llseek(file: &FileRef<'_>, offset: i64, whence: i32) -> i64 {
        file::llseek(file, offset, whence)
    }

    fn fsync(file: &FileRef<'_>, start: i64, end: i64, datasync: bool) -> Result {
        file::fsync(file, start, end, datasync)
    }

    fn fallocate(file: &FileRef<'_>, mode: i32, offset: i64, len: i64) -> Result {
        // The VFS checked offset >= 0, len > 0 and their sum.
        file::fallocate(file, mode as u32, offset as u64, len as u64)
    }

    fn ioctl(file: &FileRef<'_>, cmd: u32, arg: usize) -> Result {
        ioctl::ioctl(file, cmd, arg)
    }

    fn iterate_shared(file: &FileRef<'_>, ctx: DirContext<'_>) -> Result {
        dir::iterate(file, ctx)
    }

    fn fiemap(inode: InodeRef<'_>, info: FiemapInfo<'_>, start: u64, len: u64) -> Result {
        iomap_ops::fiemap(inode, info, start, len)
    }

    fn read_link(inode: InodeRef<'_>) -> Result<KVec<u8>> {
        namei::read_link(Inode::of(inode)?)
    }
}
