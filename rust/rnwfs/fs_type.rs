// SPDX-License-Identifier: GPL-2.0
//! rnwfs as the layer's `FileSystem`: which module answers each VFS operation. Here, above
//! them all, so that no module below needs to name another's entry points (the super
//! block's setup names the writeback completion through this module, for one).
#![deny(unsafe_code)]

use crate::{
    dir, file, inode,
    inode::InodeInfo,
    iomap_ops, namei,
    rnwk::fs::{
        DentryRef, EvictingInode, FileSystem, FsContext, Iattr, InodeRef, MntIdmap, NegativeDentry,
        NewSuperBlock, OwnedInode, StatfsOut, SuperBlock, WritebackControl,
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

    fn fiemap(inode: InodeRef<'_>, info: FiemapInfo<'_>, start: u64, len: u64) -> Result {
        iomap_ops::fiemap(inode, info, start, len)
    }

    fn read_link(inode: InodeRef<'_>) -> Result<KVec<u8>> {
        namei::read_link(Inode::of(inode)?)
    }
}
