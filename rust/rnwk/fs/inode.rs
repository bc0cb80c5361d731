// SPDX-License-Identifier: GPL-2.0
//! `InodeRef`: a borrowed inode.

use super::{InodeLockGuard, InvalidateLockGuard, LockMode, SuperBlock};
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::prelude::*;

/// An inode, live for `'a`.
///
/// # Invariants
///
/// `inode` points to an inode that stays live for `'a` (made only from a callback's argument
/// or from an object that holds the inode, such as an open file or an ioend).
#[repr(transparent)]
#[derive(Clone, Copy)]
pub(crate) struct InodeRef<'a> {
    inode: NonNull<bindings::inode>,
    _object: PhantomData<&'a bindings::inode>,
}

// SAFETY: inodes are shared by every task. The handle's methods read fields fixed for the
// inode's life, or go through the kernel's own synchronisation (i_lock, i_rwsem, the page
// cache's); i_size and the timestamps follow the VFS's rule that their writers hold i_rwsem.
unsafe impl Send for InodeRef<'_> {}
// SAFETY: as above.
unsafe impl Sync for InodeRef<'_> {}

impl<'a> InodeRef<'a> {
    /// # Safety
    ///
    /// `inode` points to an inode that stays live for `'a`.
    pub(crate) unsafe fn from_raw(inode: *mut bindings::inode) -> Self {
        Self {
            // SAFETY: per the contract, `inode` points to a live inode, never at null.
            inode: unsafe { NonNull::new_unchecked(inode) },
            _object: PhantomData,
        }
    }

    /// The super block the inode belongs to, which outlives it.
    pub(crate) fn super_block(&self) -> SuperBlock<'a> {
        // SAFETY: the inode is live for `'a` (type invariant), and its super block outlives
        // every inode of it.
        unsafe { SuperBlock::from_raw((*self.inode.as_ptr()).i_sb) }
    }

    /// The inode number (fixed for the inode's life).
    pub(crate) fn ino(&self) -> u64 {
        // SAFETY: a live inode (type invariant); `i_ino` never changes.
        unsafe { (*self.inode.as_ptr()).i_ino as u64 }
    }

    /// `i_mode` (its type bits never change; permission bits change under i_rwsem).
    pub(crate) fn mode(&self) -> u16 {
        // SAFETY: a live inode (type invariant).
        unsafe { (*self.inode.as_ptr()).i_mode }
    }

    /// Waits for the direct I/O in flight on the inode to end (`inode_dio_wait`). Sleeps.
    pub(crate) fn dio_wait(&self) {
        // SAFETY: a live inode (type invariant).
        unsafe { bindings::inode_dio_wait(self.inode.as_ptr()) }
    }

    /// Sets i_size and drops the page cache beyond it (`truncate_setsize`); the caller holds
    /// i_rwsem and the mapping's invalidate lock, as the VFS requires.
    pub(crate) fn truncate_setsize(&self, size: u64) {
        // SAFETY: a live inode (type invariant); the locking is the caller's, and a wrong
        // lock is a data race on the file's contents, not on memory the call touches.
        unsafe { bindings::truncate_setsize(self.inode.as_ptr(), size as i64) }
    }

    /// Drops the page cache of [start, end_inclusive] (`truncate_pagecache_range`); the
    /// caller holds the mapping's invalidate lock.
    pub(crate) fn truncate_pagecache_range(&self, start: u64, end_inclusive: u64) {
        // SAFETY: as in `truncate_setsize`.
        unsafe {
            bindings::truncate_pagecache_range(
                self.inode.as_ptr(),
                start as i64,
                end_inclusive as i64,
            )
        }
    }

    /// `sync_inode_metadata(inode, 1)`: writes the inode (`->write_inode`, synchronously) if
    /// it is dirty, and waits. Sleeps.
    pub(crate) fn sync_metadata(&self) -> Result {
        // SAFETY: a live inode (type invariant).
        kernel::error::to_result(unsafe { bindings::sync_inode_metadata(self.inode.as_ptr(), 1) })
    }

    /// `inode_newsize_ok`: whether the file may grow to `size` bytes (RLIMIT_FSIZE,
    /// `s_maxbytes`).
    pub(crate) fn newsize_ok(&self, size: u64) -> Result {
        // Past loff_t's range: what inode_newsize_ok answers for a negative size.
        let size = i64::try_from(size).map_err(|_| EINVAL)?;
        // SAFETY: a live inode (type invariant).
        kernel::error::to_result(unsafe { bindings::inode_newsize_ok(self.inode.as_ptr(), size) })
    }

    /// i_size. Any context; a size being changed may be read as the old or the new one.
    pub(crate) fn size(&self) -> u64 {
        // SAFETY: a live inode (type invariant).
        unsafe { bindings::rnwk_i_size_read(self.inode.as_ptr()) as u64 }
    }

    /// Sets i_size. The caller holds i_rwsem exclusively (the VFS's rule for size changes;
    /// on 64-bit the store itself is atomic).
    pub(crate) fn set_size(&self, size: u64) {
        // SAFETY: a live inode (type invariant).
        unsafe { bindings::rnwk_i_size_write(self.inode.as_ptr(), size as i64) }
    }

    /// Runs `f` under the inode's `i_lock` (a spinlock: `f` must not sleep).
    fn with_i_lock<R>(&self, f: impl FnOnce() -> R) -> R {
        // SAFETY: a live inode's initialised spinlock (type invariant).
        unsafe { bindings::spin_lock(core::ptr::addr_of_mut!((*self.inode.as_ptr()).i_lock)) };
        let r = f();
        // SAFETY: taken above by this task.
        unsafe { bindings::spin_unlock(core::ptr::addr_of_mut!((*self.inode.as_ptr()).i_lock)) };
        r
    }

    /// Raises i_size to `size` if it is smaller; true if it did. Under `i_lock`: I/O
    /// completions that extend the file race with each other.
    pub(crate) fn extend_size(&self, size: u64) -> bool {
        self.with_i_lock(|| {
            if size <= self.size() {
                return false;
            }
            self.set_size(size);
            true
        })
    }

    /// Sets i_blocks, in 512-byte sectors (under `i_lock`, as the VFS's i_blocks helpers
    /// do).
    pub(crate) fn set_sectors(&self, sectors: u64) {
        self.with_i_lock(|| {
            // SAFETY: a live inode (type invariant); i_blocks is changed under i_lock.
            unsafe { (*self.inode.as_ptr()).i_blocks = sectors }
        })
    }

    /// Sets mtime and ctime to now if either differs from it; true if they changed. In
    /// memory, never blocking.
    pub(crate) fn touch_mtime_ctime(&self) -> bool {
        let inode = self.inode.as_ptr();
        // SAFETY: a live inode (type invariant); the timestamps are plain values, changed
        // by writers of the inode, which hold i_rwsem as the caller does.
        unsafe {
            let now = bindings::current_time(inode);
            let (m, c) = (
                bindings::rnwk_inode_get_mtime(inode),
                bindings::rnwk_inode_get_ctime(inode),
            );
            let same = |t: bindings::timespec64| t.tv_sec == now.tv_sec && t.tv_nsec == now.tv_nsec;
            if same(m) && same(c) {
                return false;
            }
            bindings::rnwk_inode_set_mtime_ctime(inode, now);
        }
        true
    }

    /// Sets ctime to now.
    pub(crate) fn touch_ctime(&self) {
        // SAFETY: a live inode (type invariant).
        unsafe { bindings::rnwk_inode_set_ctime_current(self.inode.as_ptr()) }
    }

    /// Marks the inode dirty (`mark_inode_dirty`): writeback writes it.
    pub(crate) fn mark_dirty(&self) {
        // SAFETY: a live inode (type invariant).
        unsafe { bindings::rnwk_mark_inode_dirty(self.inode.as_ptr()) }
    }

    /// Marks the inode dirty for fsync but not fdatasync (only timestamps changed).
    pub(crate) fn mark_dirty_sync(&self) {
        // SAFETY: a live inode (type invariant).
        unsafe { bindings::rnwk_mark_inode_dirty_sync(self.inode.as_ptr()) }
    }

    /// Whether the inode has changes fdatasync must write (`I_DIRTY_DATASYNC`).
    pub(crate) fn dirty_for_datasync(&self) -> bool {
        // SAFETY: a live inode (type invariant).
        unsafe { bindings::rnwk_inode_dirty_datasync(self.inode.as_ptr()) }
    }

    /// Whether direct I/O is in flight on the inode (`i_dio_count`).
    pub(crate) fn dio_in_flight(&self) -> bool {
        // SAFETY: a live inode (type invariant).
        unsafe { bindings::rnwk_inode_dio_count(self.inode.as_ptr()) > 0 }
    }

    /// Whether any page cache is in [start, end_inclusive] (bytes).
    pub(crate) fn range_cached(&self, start: u64, end_inclusive: u64) -> bool {
        // SAFETY: a live inode (type invariant).
        unsafe {
            bindings::rnwk_range_has_page(self.inode.as_ptr(), start as i64, end_inclusive as i64)
        }
    }

    /// Whether a folio in [start, end_inclusive] (bytes) is under writeback.
    pub(crate) fn range_under_writeback(&self, start: u64, end_inclusive: u64) -> bool {
        // SAFETY: a live inode (type invariant).
        unsafe {
            bindings::rnwk_range_has_writeback(
                self.inode.as_ptr(),
                start as i64,
                end_inclusive as i64,
            )
        }
    }

    /// Writes the dirty page cache of [start, end_inclusive] back and waits. Sleeps.
    pub(crate) fn write_and_wait_range(&self, start: u64, end_inclusive: u64) -> Result {
        // SAFETY: a live inode (type invariant).
        kernel::error::to_result(unsafe {
            bindings::rnwk_write_and_wait_range(
                self.inode.as_ptr(),
                start as i64,
                end_inclusive as i64,
            )
        })
    }

    /// Drops the clean, unmapped, unlocked and unreferenced page cache of [start,
    /// end_inclusive] without sleeping; busy folios stay.
    pub(crate) fn drop_clean_cache(&self, start: u64, end_inclusive: u64) {
        if !self.range_cached(start, end_inclusive) {
            return;
        }
        // A folio still in this CPU's LRU-add batch holds a reference that makes it look
        // busy: drain the batch first. Folios in another CPU's batch stay (draining those
        // waits): a nowait direct write over them gets EAGAIN.
        // SAFETY: a live inode (type invariant); neither call sleeps.
        unsafe {
            bindings::rnwk_lru_add_drain_this_cpu();
            bindings::rnwk_invalidate_mapping_pages(
                self.inode.as_ptr(),
                (start >> bindings::PAGE_SHIFT) as usize,
                (end_inclusive >> bindings::PAGE_SHIFT) as usize,
            );
        }
    }

    /// One more link (a new name, or a subdirectory's ".."). The caller holds i_rwsem.
    pub(crate) fn inc_nlink(&self) {
        // SAFETY: a live inode (type invariant).
        unsafe { bindings::inc_nlink(self.inode.as_ptr()) }
    }

    /// One link fewer (the kernel warns if there was none: the caller checks first). The
    /// caller holds i_rwsem.
    pub(crate) fn drop_nlink(&self) {
        // SAFETY: a live inode (type invariant).
        unsafe { bindings::drop_nlink(self.inode.as_ptr()) }
    }

    /// No link left (a removed directory). The caller holds i_rwsem.
    pub(crate) fn clear_nlink(&self) {
        // SAFETY: a live inode (type invariant).
        unsafe { bindings::clear_nlink(self.inode.as_ptr()) }
    }

    /// i_rwsem in `mode`. Sleeps.
    pub(crate) fn lock(&self, mode: LockMode) -> InodeLockGuard<'a> {
        // SAFETY: a live inode (type invariant).
        unsafe {
            match mode {
                LockMode::Shared => bindings::rnwk_inode_lock_shared(self.inode.as_ptr()),
                LockMode::Exclusive => bindings::rnwk_inode_lock(self.inode.as_ptr()),
            }
            InodeLockGuard::taken(self.inode, mode)
        }
    }

    /// i_rwsem in `mode` if it can be had without sleeping.
    pub(crate) fn try_lock(&self, mode: LockMode) -> Option<InodeLockGuard<'a>> {
        // SAFETY: a live inode (type invariant).
        let taken = unsafe {
            match mode {
                LockMode::Shared => bindings::rnwk_inode_trylock_shared(self.inode.as_ptr()),
                LockMode::Exclusive => bindings::rnwk_inode_trylock(self.inode.as_ptr()),
            }
        };
        // SAFETY: just taken by this task, if `taken`.
        taken.then(|| unsafe { InodeLockGuard::taken(self.inode, mode) })
    }

    /// The mapping's invalidate lock, exclusively: keeps page faults out of a range being
    /// truncated, punched or preallocated. Sleeps.
    pub(crate) fn invalidate_lock(&self) -> InvalidateLockGuard<'a> {
        // SAFETY: a live inode (type invariant); the guard releases it.
        unsafe {
            bindings::rnwk_filemap_invalidate_lock(self.inode.as_ptr());
            InvalidateLockGuard::taken(self.inode)
        }
    }

    /// The raw pointer, for the layer's own calls: not to be used past `'a`.
    pub(in crate::rnwk) fn as_ptr(&self) -> *mut kernel::bindings::inode {
        self.inode.as_ptr()
    }
}
