// SPDX-License-Identifier: GPL-2.0
//! Safe handles on the VFS objects rnwfs works with. Each is created (unsafely) at the
//! entry point where the VFS hands the object over, which guarantees it stays alive for the
//! call; everything above uses the handle's safe methods.
#![deny(unsafe_code)]

use crate::{
    buffer::Buffer,
    format::BLOCK_SIZE,
    rnwk::fs::{
        FileSystem, InodeAttrs, InodeLockGuard, InodeRef, InvalidateLockGuard, LockMode, SuperBlock,
    },
};
use kernel::prelude::*;

/// A mounted rnwfs super block, for `'a`: the layer's [`SuperBlock`] and what rnwfs keeps
/// in it (super_block.rs' `SbInfo`).
#[derive(Clone, Copy)]
pub(crate) struct Sb<'a>(SuperBlock<'a>, &'a SbInfo);

/// The in-core superblock (super_block.rs), named through the layer's `FileSystem` so that
/// this module, below super_block.rs, need not import it.
type SbInfo = <RnwFs as FileSystem>::SbInfo;

impl<'a> Sb<'a> {
    /// rnwfs' view of a super block the layer handed over, for as long: EIO if it has no
    /// in-core superblock (not rnwfs', or still being set up before fill_super gave it one).
    pub(crate) fn of(sb: SuperBlock<'a>) -> Result<Self> {
        let info = sb.fs_info::<RnwFs>().ok_or(EIO)?;
        Ok(Self(sb, info))
    }

    /// The in-core superblock.
    pub(crate) fn info(self) -> &'a SbInfo {
        self.1
    }

    /// The layer's handle, for the calls that take one.
    pub(crate) fn layer(self) -> SuperBlock<'a> {
        self.0
    }

    pub(crate) fn read(self, block: u64) -> Result<Buffer> {
        Buffer::read(self.layer(), block)
    }

    pub(crate) fn new_block(self, block: u64) -> Result<Buffer> {
        Buffer::new_zeroed(self.layer(), block)
    }

    /// Forgets buffer-cache copies of blocks about to hold file data (written with bios).
    pub(crate) fn forget_aliases(self, block: u64, len: u64) {
        self.0.forget_block_aliases(block, len)
    }

    /// Writes zeros to blocks [block, block + len) and waits.
    pub(crate) fn zero_blocks(self, block: u64, len: u64) -> Result {
        self.0.zero_blocks(block, len)
    }

    /// Writes all dirty metadata buffers and flushes the device's cache.
    pub(crate) fn sync_device(self) -> Result {
        self.0.sync_device()
    }
}

/// The filesystem rnwfs registers (fs_type.rs implements the layer's `FileSystem` for it).
pub(crate) struct RnwFs;

/// An rnwfs inode the caller holds a reference to (or the VFS holds for the call), for `'a`,
/// with its Rust part and its super block's.
#[derive(Clone, Copy)]
pub(crate) struct Inode<'a>(InodeRef<'a>, &'a InodeInfo, Sb<'a>);

/// The Rust part of an rnwfs inode (inode.rs), named through the layer's `FileSystem` so
/// that this module, below inode.rs, need not import it.
type InodeInfo = <RnwFs as FileSystem>::InodeInfo;

impl<'a> Inode<'a> {
    /// rnwfs' view of an inode the layer handed over (a callback's, or one an object it was
    /// given holds), for as long. EIO for an inode that is not rnwfs' (the layer checks:
    /// every inode rnwfs' callbacks are given is rnwfs'; fill_super gives the super block
    /// its part before it loads the first inode).
    pub(crate) fn of(inode: InodeRef<'a>) -> Result<Self> {
        let info = inode.fs_info::<RnwFs>().ok_or(EIO)?;
        Ok(Self(inode, info, Sb::of(inode.super_block())?))
    }

    /// The layer's handle, for the calls that take one.
    pub(crate) fn layer(self) -> InodeRef<'a> {
        self.0
    }

    /// rnwfs inode numbers are u32 (format::superblock): a larger one is no rnwfs inode's.
    pub(crate) fn ino(self) -> u32 {
        self.0.ino() as u32
    }

    pub(crate) fn sb(self) -> Sb<'a> {
        self.2
    }

    pub(crate) fn mode(self) -> u16 {
        self.0.mode()
    }

    pub(crate) fn is_dir(self) -> bool {
        self.mode() & crate::format::inode::S_IFMT == crate::format::inode::S_IFDIR
    }

    pub(crate) fn is_regular(self) -> bool {
        self.mode() & crate::format::inode::S_IFMT == crate::format::inode::S_IFREG
    }

    /// The Rust part of the inode (allocated with it, freed with it).
    pub(crate) fn info(&self) -> &'a InodeInfo {
        self.1
    }

    pub(crate) fn size(self) -> u64 {
        self.0.size()
    }

    /// Sets i_size; callers hold i_rwsem exclusively.
    pub(crate) fn set_size(self, size: u64) {
        self.0.set_size(size)
    }

    /// Raises i_size (I/O completions race with each other); true if it grew.
    pub(crate) fn extend_size(self, size: u64) -> bool {
        self.0.extend_size(size)
    }

    /// i_blocks from the rnwfs blocks the file uses (data and extent chain).
    pub(crate) fn set_blocks(self, fs_blocks: u64) {
        self.0
            .set_sectors(fs_blocks.saturating_mul(BLOCK_SIZE as u64 >> 9))
    }

    pub(crate) fn mark_dirty(self) {
        self.0.mark_dirty()
    }

    /// Dirty for fsync but not fdatasync: only timestamps changed.
    pub(crate) fn mark_dirty_sync(self) {
        self.0.mark_dirty_sync()
    }

    /// mtime and ctime to now (in memory, never blocking); true if they changed.
    pub(crate) fn touch_mtime(self) -> bool {
        self.0.touch_mtime_ctime()
    }

    pub(crate) fn touch_ctime(self) {
        self.0.touch_ctime()
    }

    /// Link count changes (the caller holds i_rwsem).
    pub(crate) fn inc_nlink(self) {
        self.0.inc_nlink()
    }

    pub(crate) fn drop_nlink(self) {
        self.0.drop_nlink()
    }

    pub(crate) fn clear_nlink(self) {
        self.0.clear_nlink()
    }

    pub(crate) fn dio_in_flight(self) -> bool {
        self.0.dio_in_flight()
    }

    pub(crate) fn dio_wait(self) {
        self.0.dio_wait()
    }

    pub(crate) fn dirty_datasync(self) -> bool {
        self.0.dirty_for_datasync()
    }

    /// Writes the inode (slot and extent blocks) if dirty, and waits.
    pub(crate) fn sync_metadata(self) -> Result {
        self.0.sync_metadata()
    }

    /// Whether the file may grow to `size` bytes.
    pub(crate) fn newsize_ok(self, size: u64) -> Result {
        self.0.newsize_ok(size)
    }

    /// i_nlink (callers hold i_rwsem of the inode or its directory, as link changes do).
    pub(crate) fn nlink(self) -> u32 {
        self.attrs().nlink
    }

    pub(crate) fn attrs(self) -> InodeAttrs {
        self.0.attrs()
    }

    /// i_rwsem, shared or exclusive; with `nowait`, EAGAIN instead of sleeping.
    pub(crate) fn lock(self, shared: bool, nowait: bool) -> Result<InodeLock<'a>> {
        let mode = if shared {
            LockMode::Shared
        } else {
            LockMode::Exclusive
        };
        if nowait {
            self.0.try_lock(mode).ok_or(EAGAIN)
        } else {
            Ok(self.0.lock(mode))
        }
    }

    /// The mapping's invalidate lock (exclusive): keeps page faults out of a range being
    /// truncated, punched or preallocated.
    pub(crate) fn invalidate_lock(self) -> InvalidateLock<'a> {
        self.0.invalidate_lock()
    }

    /// Whether a folio in [start, end_inclusive] is under writeback.
    pub(crate) fn range_writeback(self, start: u64, end_inclusive: u64) -> bool {
        self.0.range_under_writeback(start, end_inclusive)
    }

    /// Whether page cache is left in [start, end_inclusive].
    pub(crate) fn range_cached(self, start: u64, end_inclusive: u64) -> bool {
        self.0.range_cached(start, end_inclusive)
    }

    /// truncate_setsize: i_size and the page cache beyond it.
    pub(crate) fn truncate_pagecache(self, size: u64) {
        self.0.truncate_setsize(size)
    }

    pub(crate) fn write_and_wait(self, start: u64, end_inclusive: u64) -> Result {
        self.0.write_and_wait_range(start, end_inclusive)
    }

    /// Drops the clean page cache of a range, skipping (never waiting for) busy folios.
    pub(crate) fn drop_clean_cache(self, start: u64, end_inclusive: u64) {
        self.0.drop_clean_cache(start, end_inclusive)
    }

    /// Callers hold the invalidate lock.
    pub(crate) fn drop_pagecache_range(self, start: u64, end_inclusive: u64) {
        self.0.truncate_pagecache_range(start, end_inclusive)
    }
}

/// i_rwsem, released on drop.
pub(crate) type InodeLock<'a> = InodeLockGuard<'a>;
/// The mapping's invalidate lock, released on drop.
pub(crate) type InvalidateLock<'a> = InvalidateLockGuard<'a>;
