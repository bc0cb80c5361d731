// SPDX-License-Identifier: GPL-2.0
//! File I/O: read_iter and write_iter (buffered and direct), fsync, llseek with
//! SEEK_DATA/SEEK_HOLE, fallocate, and size changes. Nowait-first: under IOCB_NOWAIT each
//! step that could sleep is tried and gives EAGAIN instead (i_rwsem, the mapping lock,
//! allocation, zeroing past EOF, dirty page cache under a direct write); everything else
//! (timestamps included: they are updated in memory) proceeds.
#![deny(unsafe_code)]

use crate::rnwk::{
    errno,
    fs::{DentryRef, FileRef, Iattr, IovIter, Kiocb, MntIdmap},
    iomap::{
        self, writethrough::InFlight, DioFlags, PreparedWritethrough, SubmitOptions, Submitted,
        WritethroughEnded,
    },
};
use crate::{
    ffi,
    format::{BLOCK_SHIFT, BLOCK_SIZE},
    iomap_ops::{self, RnwfsIomap},
    vfs::Inode,
    writethrough,
};
use crate::{
    inode::NewBlocks,
    stats::{self, Attempt, Cause, Outcome},
};
use core::cell::Cell;
use kernel::prelude::*;

const BS: u64 = BLOCK_SIZE as u64;

fn isize_result(r: Result<isize>) -> isize {
    match r {
        Ok(n) => n,
        Err(e) => e.to_errno() as isize,
    }
}

fn check(ret: isize) -> Result<isize> {
    if ret < 0 {
        Err(Error::from_errno(ret as i32))
    } else {
        Ok(ret)
    }
}

/// What a kiocb asks for, and how a nowait attempt went.
struct Io<'a> {
    iocb: Kiocb<'a>,
    inode: Inode<'a>,
    nowait: bool,
    direct: bool,
    attempt: Attempt,
    /// An async direct I/O was started: its completion counts the outcome.
    counted_at_completion: Cell<bool>,
}

impl<'a> Io<'a> {
    /// The read or write of `iocb`, on an rnwfs file (the only ones whose read_iter and
    /// write_iter are ours).
    fn new(iocb: Kiocb<'a>) -> Result<Self> {
        Ok(Self {
            inode: Inode::of(iocb.file().inode())?,
            nowait: iocb.is_nowait(),
            direct: iocb.is_direct(),
            iocb,
            attempt: Attempt::new(),
            counted_at_completion: Cell::new(false),
        })
    }

    /// `e`, noting `cause` if it is the EAGAIN of a nowait attempt.
    fn refused(&self, e: Error, cause: Cause) -> Error {
        if e == EAGAIN && self.nowait {
            self.attempt.refuse(cause)
        } else {
            e
        }
    }

    /// i_rwsem, tried under IOCB_NOWAIT.
    fn lock(&self, shared: bool) -> Result<crate::vfs::InodeLock<'a>> {
        self.inode
            .lock(shared, self.nowait)
            .map_err(|e| self.refused(e, Cause::Lock))
    }

    /// iomap's direct I/O; the attempt reaches iomap_begin and dio_submit_io. Called with
    /// i_rwsem held as the caller needs.
    fn dio(&self, iter: &mut IovIter<'_>, dio_flags: DioFlags) -> isize {
        // Read before submission, which may complete it.
        let asynchronous = !self.iocb.is_sync();
        // Only a synchronous dio may carry REQ_NOWAIT (see `Attempt::set_dio`).
        if !asynchronous {
            self.attempt.set_dio(self.pos(), iter.count() as u64);
        }
        let done = iomap::dio_rw::<RnwfsIomap>(&self.iocb, iter, dio_flags, &self.attempt);
        let (ret, submitted) = (isize_result(done.result), done.submitted);
        if submitted && asynchronous {
            self.counted_at_completion.set(true);
        }
        if submitted && ret == EAGAIN.to_errno() as isize && self.attempt.cause().is_none() {
            self.attempt.refuse(Cause::Device); // a synchronous dio the device refused
        }
        ret
    }

    /// Counts a nowait attempt's outcome (`fallback`: the cause of an EAGAIN nobody named).
    fn finish(&self, write: bool, result: &Result<isize>, fallback: Cause) {
        if !self.nowait || self.counted_at_completion.get() {
            return;
        }
        let outcome = match result {
            Ok(_) => Outcome::Done,
            // Accepted: an async writethrough write, on its way to the device.
            Err(e) if *e == EIOCBQUEUED => Outcome::Done,
            Err(e) if *e == EAGAIN => Outcome::Refused(self.attempt.cause().unwrap_or(fallback)),
            Err(_) => return, // failed for another reason: not a nowait outcome
        };
        stats::record(self.inode, write, outcome);
    }

    fn pos(&self) -> u64 {
        self.iocb.pos()
    }
}

fn read(io: &Io<'_>, to: &mut IovIter<'_>) -> Result<isize> {
    if !io.direct {
        // No i_rwsem: readers see written or zeroed (unwritten) blocks only, and the page
        // cache serialises against truncation. A nowait read of uncached data gets EAGAIN
        // from the page cache without starting readahead (which maps blocks and submits
        // bios: it may sleep); io_uring's retry (IOCB_WAITQ) does the I/O.
        if io.nowait && !io.iocb.waits_on_folio_queue() {
            io.iocb.set_no_io();
        }
        return check(io.iocb.generic_file_read(to));
    }
    if to.count() == 0 {
        return Ok(0);
    }
    let _lock = io.lock(true)?;
    // The shared lock keeps truncation out while the I/O is mapped.
    check(io.dio(to, DioFlags::NONE))
}

pub(crate) fn read_iter(iocb: Kiocb<'_>, mut to: IovIter<'_>) -> isize {
    let io = match Io::new(iocb) {
        Ok(io) => io,
        Err(e) => return e.to_errno() as isize,
    };
    let r = read(&io, &mut to);
    // A buffered nowait read fails only on uncached or busy pages; a direct one before
    // submission only on dirty or writeback cache over the range.
    io.finish(
        false,
        &r,
        if io.direct {
            Cause::Writeback
        } else {
            Cause::Cache
        },
    );
    isize_result(r)
}

/// The checks and updates every write makes with i_rwsem held: limits, privileges,
/// timestamps, and zeroing between the old EOF and the write. A nowait write is refused
/// before anything changes: `refuse_early(pos, len)` adds the caller's own refusals.
fn prepare_write(
    io: &Io<'_>,
    from: &mut IovIter<'_>,
    refuse_early: impl FnOnce(u64, u64) -> Result,
) -> Result<u64> {
    let n = check(io.iocb.generic_write_checks(from))? as u64;
    if n == 0 {
        return Ok(0);
    }
    let (pos, mut size) = (io.pos(), io.inode.size());
    // An async direct write that extends the file moves EOF only when it completes: until
    // then, i_size is not where the file ends. Zeroing from it would read and zero the old
    // EOF block under that write (its data then lost to writeback of the stale folio, and its
    // page-cache invalidation failing). With i_rwsem held exclusively (any write past EOF
    // holds it so), no new one can start: wait for those in flight, as xfs does.
    if pos > size && io.inode.dio_in_flight() {
        if io.nowait {
            return Err(io.attempt.refuse(Cause::Other));
        }
        io.inode.dio_wait();
        size = io.inode.size();
    }
    let zero_eof = pos > size && size % BS != 0;
    if io.nowait {
        if zero_eof {
            return Err(io.attempt.refuse(Cause::Other)); // zeroing the old EOF block may read it
        }
        refuse_early(pos, n)?;
    }
    // Removing setuid bits writes an attribute: EAGAIN under nowait (done by the helper,
    // before it changes anything).
    io.iocb
        .remove_privs()
        .map_err(|e| io.refused(e, Cause::Other))?;
    // No journal to wait for: timestamps change in memory and reach disk with the inode.
    // Only they changed: fdatasync need not write the inode for them.
    if io.inode.touch_mtime() {
        io.inode.mark_dirty_sync();
    }
    if zero_eof {
        iomap_ops::zero_range(io.inode, size, (pos - size).min(BS - size % BS))?;
    }
    Ok(n)
}

/// Refuses a nowait write of [pos, pos + len) that needs blocks allocated (or, `unaligned`
/// direct, unwritten ones zeroed): iomap_begin would, but after the timestamps changed.
fn refuse_allocation(io: &Io<'_>, pos: u64, len: u64, unaligned: bool) -> Result {
    crate::iomap::nowait_overwrite(io.inode, pos, len, unaligned).map_err(|c| io.attempt.refuse(c))
}

/// Where a buffered write's data is when the copy into the page cache is done.
enum Copied {
    /// In the page cache only (a plain buffered write).
    Cached,
    /// A synchronous writethrough write's bios are under way.
    InFlight(InFlight<RnwfsIomap>),
    /// An asynchronous writethrough write is under way: it completes on the workqueue.
    Queued,
    /// A writethrough write ended already (nothing could be submitted).
    Ended(Result<WritethroughEnded>),
}

/// Buffered write; `writethrough`: the data is on the device when it completes.
fn buffered_write(io: &Io<'_>, from: &mut IovIter<'_>, writethrough: bool) -> Result<isize> {
    let (written, copied) = {
        let _lock = io.lock(false)?;
        let n = prepare_write(io, from, |pos, n| {
            if writethrough {
                // Its writes are stable: the copy would wait for writeback.
                if io.inode.range_writeback(pos, pos + n - 1) {
                    return Err(io.attempt.refuse(Cause::Writeback));
                }
                // A synchronous one's bio may be refused by the device after the copy; the
                // write then fails with EAGAIN, its data dirty in the cache. Repeating it is
                // harmless unless it moved EOF (an append would land twice): refused first.
                if io.iocb.is_sync() && pos + n > io.inode.size() {
                    return Err(io.attempt.refuse(Cause::Other));
                }
            }
            refuse_allocation(io, pos, n, false)
        })?;
        if n == 0 {
            return Ok(0);
        }
        let pos = io.pos();
        let prepared = if writethrough {
            // An async nowait write cannot wait for memory or make the workqueue: EAGAIN.
            Some(PreparedWritethrough::new(&io.iocb).map_err(|e| io.refused(e, Cause::Other))?)
        } else {
            None
        };
        let size = io.inode.size();
        // i_rwsem is held exclusively; the attempt reaches iomap_begin.
        let written = iomap::buffered_write::<RnwfsIomap>(&io.iocb, from, &io.attempt)?;
        if pos + written as u64 > size {
            // iomap moved the size in memory only: fdatasync must write it.
            io.inode.mark_dirty();
        }
        let copied = match prepared {
            None => Copied::Cached,
            Some(prepared) => {
                let options = SubmitOptions {
                    // Only a synchronous write can take the device's refusal (see above).
                    nowait: io.nowait && io.iocb.is_sync(),
                    fua: io.iocb.is_dsync(),
                };
                match prepared.submit(&io.iocb, pos, written as usize, options) {
                    Submitted::InFlight(bios) => Copied::InFlight(bios),
                    Submitted::Queued => Copied::Queued,
                    Submitted::Ended(result) => Copied::Ended(result),
                }
            }
        };
        (written, copied)
    };
    // Waits and the O_SYNC/O_DSYNC write-out after dropping the lock, as other filesystems
    // do (an async writethrough write does both at completion).
    let sb = io.inode.sb();
    let stats = &sb.info().writethrough_stats;
    let ended = match copied {
        Copied::Cached => return check(io.iocb.generic_write_sync(written)),
        Copied::Queued => {
            stats.queued();
            return Err(EIOCBQUEUED);
        }
        Copied::InFlight(bios) => bios.wait(),
        Copied::Ended(result) => result,
    };
    stats.ended(io.iocb.is_sync(), &ended);
    match ended {
        Ok(ended) if writethrough::needs_sync_after(io.inode, &ended) => {
            check(io.iocb.generic_write_sync(written))
        }
        Ok(_) => Ok(written),
        Err(e) if e == EAGAIN => Err(io.attempt.refuse(Cause::Device)),
        Err(e) => Err(e),
    }
}

fn direct_write(io: &Io<'_>, from: &mut IovIter<'_>) -> Result<isize> {
    let (pos, n) = (io.pos(), from.count() as u64);
    let unaligned = (pos | n) % BS != 0;
    // Overwrites inside the file run in parallel (shared i_rwsem); sub-block writes (which
    // zero around the data), appends and extending writes are serialised.
    let append = io.iocb.is_append();
    let mut shared = !unaligned && !append && pos + n <= io.inode.size();
    let mut lock = io.lock(shared)?;
    if shared && pos + n > io.inode.size() {
        // Truncated meanwhile: now an extending write.
        drop(lock);
        shared = false;
        lock = io.lock(shared)?;
    }
    let n = prepare_write(io, from, |pos, n| {
        // iomap refuses a nowait direct write over any cached page; clean ones can go
        // without waiting, so only dirty, mapped or busy ones make it EAGAIN.
        io.inode.drop_clean_cache(pos, pos + n - 1);
        if io.inode.range_cached(pos, pos + n - 1) {
            return Err(io.attempt.refuse(Cause::Writeback));
        }
        // Also refused here rather than in iomap_begin because an async dio's completion
        // could not tell why (see stats.rs).
        refuse_allocation(io, pos, n, unaligned)
    })?;
    if n == 0 {
        return Ok(0);
    }
    let mut dio_flags = DioFlags::NONE;
    if unaligned {
        // Sub-block zeroing must not race another direct write into the same block.
        if io.nowait {
            if io.inode.dio_in_flight() {
                return Err(io.attempt.refuse(Cause::Other));
            }
            dio_flags |= DioFlags::OVERWRITE_ONLY;
        } else {
            io.inode.dio_wait();
        }
        dio_flags |= DioFlags::FORCE_WAIT;
    }
    let ret = io.dio(from, dio_flags);
    drop(lock);
    if ret == ENOTBLK.to_errno() as isize {
        // The page cache over the range could not be invalidated: write it buffered.
        let buffered = buffered_write(io, from, false).unwrap_or_else(|e| e.to_errno() as isize);
        return check(io.iocb.direct_write_fallback(from, buffered));
    }
    check(ret)
}

pub(crate) fn write_iter(iocb: Kiocb<'_>, mut from: IovIter<'_>) -> isize {
    let io = match Io::new(iocb) {
        Ok(io) => io,
        Err(e) => return e.to_errno() as isize,
    };
    let r = if io.direct {
        direct_write(&io, &mut from)
    } else {
        buffered_write(&io, &mut from, crate::flags::writethrough(io.inode))
    };
    // Unnamed EAGAINs: a busy folio or one to read (buffered), dirty or writeback cache
    // left over the range (direct, before submission).
    io.finish(
        true,
        &r,
        if io.direct {
            Cause::Writeback
        } else {
            Cause::Cache
        },
    );
    isize_result(r)
}

pub(crate) fn fsync(file: &FileRef<'_>, start: i64, end: i64, datasync: bool) -> Result {
    let inode = Inode::of(file.inode())?;
    // Data first: unwritten extents become written as it lands.
    file.write_and_wait_range(start, end)?;
    // fdatasync skips an inode whose only change is timestamps.
    if !datasync || inode.dirty_datasync() {
        inode.sync_metadata()?;
    }
    // Allocation bitmap and directory blocks, then the device's cache.
    inode.sb().sync_device()
}

pub(crate) fn llseek(file: &FileRef<'_>, offset: i64, whence: i32) -> i64 {
    if whence != ffi::RNWFS_SEEK_DATA as i32 && whence != ffi::RNWFS_SEEK_HOLE as i32 {
        return file.generic_llseek(offset, whence);
    }
    let inode = match Inode::of(file.inode()) {
        Ok(inode) => inode,
        Err(e) => return e.to_errno() as i64,
    };
    let pos = {
        let _lock = match inode.lock(true, false) {
            Ok(l) => l,
            Err(e) => return e.to_errno() as i64,
        };
        iomap_ops::seek(inode, offset, whence == ffi::RNWFS_SEEK_DATA as i32)
    };
    match pos {
        Ok(pos) => file.set_pos(pos, inode.sb().layer().max_bytes()),
        Err(e) => e.to_errno() as i64,
    }
}

/// Allocates zeroed blocks over every hole in [start, end) (file blocks): written extents,
/// so later writes there are plain overwrites (no conversion that could fragment the file's
/// extent list, and direct writes stay eligible for caller completion).
fn preallocate(inode: Inode<'_>, start: u64, end: u64) -> Result {
    let mut b = start;
    while b < end {
        let mut m = inode.info().map.write();
        match crate::format::extent_map::lookup(m.list(), b) {
            crate::format::extent_map::Lookup::Mapped(e) => b = e.end_logical(),
            crate::format::extent_map::Lookup::Hole { next } => {
                let want = (next.unwrap_or(u64::MAX).min(end) - b).min(32768) as u32;
                b += m.allocate(inode, b, want, NewBlocks::Zeroed)?.len as u64;
            }
        }
    }
    Ok(())
}

/// Frees the blocks of [offset, offset + len) and zeroes the partial ones at its ends.
fn punch_hole(inode: Inode<'_>, offset: u64, len: u64) -> Result {
    let end = offset + len;
    let (first_full, last_full) = (offset.div_ceil(BS) * BS, end / BS * BS);
    if first_full >= last_full {
        return iomap_ops::zero_range(inode, offset, len);
    }
    iomap_ops::zero_range(inode, offset, first_full - offset)?;
    iomap_ops::zero_range(inode, last_full, end - last_full)?;
    inode.write_and_wait(first_full, last_full - 1)?;
    inode.drop_pagecache_range(first_full, last_full - 1);
    inode
        .info()
        .map
        .write()
        .punch(inode, first_full >> BLOCK_SHIFT, last_full >> BLOCK_SHIFT)
}

pub(crate) fn fallocate(file: &FileRef<'_>, mode: u32, offset: u64, len: u64) -> Result {
    let keep = ffi::RNWFS_FALLOC_KEEP_SIZE;
    let punch = ffi::RNWFS_FALLOC_PUNCH_HOLE;
    if mode & !(keep | punch) != 0 {
        return Err(errno::not_supported());
    }
    let inode = Inode::of(file.inode())?;
    let _lock = inode.lock(false, false)?;
    inode.dio_wait();
    let _inval = inode.invalidate_lock();
    let end = offset.checked_add(len).ok_or(EFBIG)?;
    if mode & punch != 0 {
        let size = inode.size();
        if offset < size {
            punch_hole(inode, offset, end.min(size) - offset)?;
        }
    } else {
        inode.newsize_ok(end)?;
        preallocate(inode, offset >> BLOCK_SHIFT, end.div_ceil(BS))?;
        if mode & keep == 0 && end > inode.size() {
            let size = inode.size();
            if size % BS != 0 {
                iomap_ops::zero_range(inode, size, BS - size % BS)?;
            }
            inode.set_size(end);
        }
    }
    inode.touch_mtime();
    inode.mark_dirty();
    Ok(())
}

/// Changes the size (i_rwsem held by the caller): zeroes what a later extension would
/// expose, drops the page cache beyond, frees the blocks beyond.
fn truncate(inode: Inode<'_>, size: u64) -> Result {
    inode.dio_wait();
    let _inval = inode.invalidate_lock();
    let old = inode.size();
    if size < old {
        if size % BS != 0 {
            iomap_ops::truncate_page(inode, size)?;
        }
        inode.truncate_pagecache(size);
        inode
            .info()
            .map
            .write()
            .punch(inode, size.div_ceil(BS), u64::MAX)?;
    } else if size > old {
        if old % BS != 0 {
            iomap_ops::zero_range(inode, old, (size - old).min(BS - old % BS))?;
        }
        inode.truncate_pagecache(size);
    }
    Ok(())
}

pub(crate) fn setattr(idmap: &MntIdmap<'_>, dentry: &DentryRef<'_>, attr: &Iattr<'_>) -> Result {
    // The VFS passes a positive dentry of ours, with i_rwsem held.
    let inode = Inode::of(dentry.inode().ok_or(EINVAL)?)?;
    let new_size = attr.new_size();
    attr.prepare(idmap, dentry)?;
    if let Some(size) = new_size.filter(|&size| size != inode.size()) {
        if inode.is_dir() {
            return Err(EISDIR);
        }
        truncate(inode, size)?;
        inode.touch_mtime();
    }
    attr.copy_to(idmap, inode.layer());
    inode.mark_dirty();
    Ok(())
}
