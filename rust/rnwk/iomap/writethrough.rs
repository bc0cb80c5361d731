// SPDX-License-Identifier: GPL-2.0
//! Writethrough writes' device I/O, built the way the RWF_WRITETHROUGH RFC v2 builds it:
//! once a buffered write has copied its data into the page cache, its folios go from dirty to
//! writeback, one bio per block mapping is built straight from them and submitted (no
//! writeback walk, no iomap ioend), and the write ends when its bios have:
//!
//! - a synchronous write waits for them ([`InFlight::wait`]), like a direct write;
//! - an asynchronous one returns at once ([`Submitted::Queued`]); its completion runs on the
//!   super block's dio_done workqueue, in task context, and calls `ki_complete`.
//!
//! Either way the filesystem's [`WritethroughOps::bios_ended`] runs in task context after the
//! last bio and before the folios' writeback ends: a direct read waits for that writeback,
//! then reads the device, so unwritten blocks must be converted by then. `inode_dio_begin`/
//! `inode_dio_end` bracket the I/O, so truncation (`inode_dio_wait`) waits for it, and the
//! inode's mapping has stable writes (`AS_STABLE_WRITES`: writers and write faults wait for a
//! folio under writeback instead of changing it under the device) exactly while one of its
//! writethrough writes is in flight ([`StableWrites`]).
//!
//! A write whose bios are refused by the device (`REQ_NOWAIT`, [`SubmitOptions::nowait`])
//! leaves its folios dirty again: the data stays in the page cache, as a plain buffered
//! write's would, and the write fails with EAGAIN.

use super::{Mapping, MappingKind, Operations};
use crate::rnwk::{
    bindings,
    fs::{InodeRef, Kiocb},
    workqueue::Work,
};
use core::{
    marker::PhantomData,
    ptr::{self, NonNull},
    sync::atomic::{AtomicI32, AtomicPtr, AtomicU32, Ordering},
};
use kernel::{
    page::{PAGE_SHIFT, PAGE_SIZE},
    prelude::*,
    types::Opaque,
};

/// What a filesystem decides when a writethrough write's bios have ended.
pub(crate) trait WritethroughOps: Operations {
    /// Every bio of a write of [pos, pos + len) of `inode` ended with `result` (folio-aligned
    /// range; `unwritten`: some of it was on unwritten blocks). Task context; the folios are
    /// still under writeback. Makes the range what reads of the device see (converts the
    /// unwritten blocks) when `result` is Ok, and returns the write's result.
    fn bios_ended(
        inode: InodeRef<'_>,
        pos: u64,
        len: u64,
        unwritten: bool,
        result: Result,
    ) -> Result;

    /// An asynchronous write of `iocb` ended with `result` (its byte count or the error): its
    /// folios' writeback has ended. Runs on the super block's dio_done workqueue, before
    /// `ki_complete`; returns what `ki_complete` reports (after the O_DSYNC write-out, say).
    fn async_write_ended(iocb: &Kiocb<'_>, result: Result<isize>, ended: &Ended) -> isize;

    /// The count of writethrough writes in flight on `inode` (kept beside its inode).
    fn stable_writes<'a>(inode: InodeRef<'a>) -> &'a StableWrites;

    /// `inode`'s mapping just got (`on`) or lost stable writes (for statistics).
    fn stable_writes_toggled(_inode: InodeRef<'_>, _on: bool) {}
}

/// How the bios of a write were built.
#[derive(Clone, Copy, Default)]
pub(crate) struct Ended {
    /// Some of the range was on unwritten blocks (converted by `bios_ended`).
    pub(crate) unwritten: bool,
    /// The bios were `REQ_FUA`: the data is on stable media, not only in the device's cache.
    pub(crate) fua: bool,
}

/// What a writethrough write asks of its bios.
#[derive(Clone, Copy, Default)]
pub(crate) struct SubmitOptions {
    /// `REQ_NOWAIT` if the write is one bio (a device that would block refuses it, and
    /// nothing is on the device); several bios never carry it, as a refusal of a later one
    /// would leave the write half done.
    pub(crate) nowait: bool,
    /// `REQ_FUA` (O_DSYNC; the block layer follows each bio with a flush on a device with a
    /// volatile cache and no FUA).
    pub(crate) fua: bool,
}

/// The writethrough writes in flight on one inode; its mapping has stable writes while the
/// count is not zero. The count changes under the inode's `i_lock`, with the mapping flag.
pub(crate) struct StableWrites(AtomicU32);

impl StableWrites {
    pub(crate) const fn new() -> Self {
        Self(AtomicU32::new(0))
    }

    /// One more write in flight on `inode`, whose count `self` is; true if that set the
    /// flag.
    fn get(&self, inode: *mut bindings::inode) -> bool {
        // SAFETY: a live inode (the callers'); `i_lock` serialises the count with the flag,
        // so a write ending never clears it after another one set it.
        unsafe {
            bindings::spin_lock(ptr::addr_of_mut!((*inode).i_lock));
            let first = self.0.fetch_add(1, Ordering::Relaxed) == 0;
            if first {
                bindings::rnwk_mapping_set_stable_writes((*inode).i_mapping);
            }
            bindings::spin_unlock(ptr::addr_of_mut!((*inode).i_lock));
            first
        }
    }

    /// One write fewer in flight on `inode`; true if that cleared the flag.
    fn put(&self, inode: *mut bindings::inode) -> bool {
        // SAFETY: as in `get`.
        unsafe {
            bindings::spin_lock(ptr::addr_of_mut!((*inode).i_lock));
            let last = self.0.fetch_sub(1, Ordering::Relaxed) == 1;
            if last {
                bindings::rnwk_mapping_clear_stable_writes((*inode).i_mapping);
            }
            bindings::spin_unlock(ptr::addr_of_mut!((*inode).i_lock));
            last
        }
    }
}

/// One write's I/O state, from submission to completion.
///
/// # Invariants
///
/// Once submitted (`Prepared::submit`), the context is at a fixed address (a leaked
/// `KBox`), `work` and `done` are initialised, every bio whose `bi_private` it is holds only
/// whole folios this write put under writeback, added by their head page; `pending` counts
/// the bios not yet ended plus one while submission goes on; `ended` lists the ended bios
/// (linked through `bi_next`). The context is freed by `finish`, which runs once, after
/// `pending` reached zero; `inode` (and for an async write `iocb`) is live until then: the
/// I/O's file holds it (the caller's for a synchronous write, the kiocb's until
/// `ki_complete` for an asynchronous one).
struct Context {
    work: Work,
    done: Opaque<bindings::completion>,
    pending: AtomicU32,
    /// The first bio error, as -errno (0: none).
    error: AtomicI32,
    ended: AtomicPtr<bindings::bio>,
    inode: *mut bindings::inode,
    /// The kiocb of an asynchronous write (null for a synchronous one).
    iocb: *mut bindings::kiocb,
    /// The folio-aligned range the bios cover.
    pos: u64,
    len: u64,
    /// The bytes the caller wrote (what it is told).
    written: isize,
    info: Ended,
    /// Nothing reached the device (refused, or not submitted): the folios are dirtied
    /// again when their writeback ends.
    redirty: bool,
    /// Some bio was submitted (an asynchronous write then completes on the workqueue).
    submitted: bool,
}

/// A writethrough write's context, made before its copy into the page cache (so that a
/// nowait write can still be refused then, with nothing changed).
#[must_use = "a prepared write is submitted, or dropped if its copy wrote nothing"]
pub(crate) struct Prepared<T: WritethroughOps> {
    ctx: KBox<Context>,
    _ops: PhantomData<T>,
}

/// A synchronous write under way: [`InFlight::wait`] returns its result.
#[must_use = "a synchronous write is waited for"]
pub(crate) struct InFlight<T: WritethroughOps> {
    ctx: NonNull<Context>,
    _ops: PhantomData<T>,
}

/// What became of a submitted write.
pub(crate) enum Submitted<T: WritethroughOps> {
    /// Synchronous, its bios under way.
    InFlight(InFlight<T>),
    /// Asynchronous, under way: it completes on the dio_done workqueue (`ki_complete`).
    Queued,
    /// Ended already (nothing could be submitted): its result.
    Ended(Result<Ended>),
}

/// `BIO_MAX_VECS`: the most folios one bio takes.
const MAX_FOLIOS_PER_BIO: u64 = 256;

impl<T: WritethroughOps> Prepared<T> {
    /// The context of a writethrough write of `iocb`. Under IOCB_NOWAIT it allocates without
    /// sleeping and fails with EAGAIN; an asynchronous write needs the super block's dio_done
    /// workqueue, made here (it sleeps: EAGAIN under IOCB_NOWAIT if it is not there yet).
    pub(crate) fn new(iocb: &Kiocb<'_>) -> Result<Self> {
        let nowait = iocb.is_nowait();
        let inode = iocb.file().inode();
        if !iocb.is_sync() && !inode.super_block().has_dio_done_wq() {
            if nowait {
                return Err(EAGAIN);
            }
            inode.super_block().ensure_dio_done_wq()?;
        }
        let ctx = Context {
            work: Work::uninit(),
            done: Opaque::uninit(),
            pending: AtomicU32::new(1),
            error: AtomicI32::new(0),
            ended: AtomicPtr::new(ptr::null_mut()),
            inode: inode.as_ptr(),
            iocb: if iocb.is_sync() {
                ptr::null_mut()
            } else {
                iocb.as_ptr()
            },
            pos: 0,
            len: 0,
            written: 0,
            info: Ended::default(),
            redirty: false,
            submitted: false,
        };
        let flags = if nowait { GFP_NOWAIT } else { GFP_KERNEL };
        let ctx = KBox::new(ctx, flags).map_err(|_| if nowait { EAGAIN } else { ENOMEM })?;
        Ok(Self {
            ctx,
            _ops: PhantomData,
        })
    }

    /// Writes [pos, pos + written) of the kiocb's file, just copied into its page cache, to
    /// the device. Called with i_rwsem held exclusively (no truncation, no other writer).
    pub(crate) fn submit(
        self,
        iocb: &Kiocb<'_>,
        pos: u64,
        written: usize,
        options: SubmitOptions,
    ) -> Submitted<T> {
        let inode = iocb.file().inode();
        let raw_inode = inode.as_ptr();
        let page = PAGE_SIZE as u64;
        let mut ctx = self.ctx;
        let Ok(count) = isize::try_from(written) else {
            return Submitted::Ended(Err(EINVAL));
        };
        if count == 0 {
            return Submitted::Ended(Ok(Ended::default()));
        }
        let Some(end) = pos.checked_add(written as u64) else {
            return Submitted::Ended(Err(EINVAL));
        };
        let start = pos / page * page;
        let Some(aligned_end) = end.checked_next_multiple_of(page) else {
            return Submitted::Ended(Err(EINVAL));
        };
        ctx.written = count;
        ctx.info.fua = options.fua;
        ctx.pos = start;
        ctx.len = aligned_end - start;
        let ctx = KBox::into_raw(ctx);
        // SAFETY: the context just leaked: at a fixed address from now on, freed by
        // `finish`. Its work item and completion are initialised before any bio refers to it.
        unsafe {
            Work::init(ptr::addr_of_mut!((*ctx).work), complete_work::<T>);
            bindings::rnwk_init_completion(Opaque::raw_get(ptr::addr_of!((*ctx).done)));
            bindings::rnwk_inode_dio_begin(raw_inode);
        }
        if T::stable_writes(inode).get(raw_inode) {
            T::stable_writes_toggled(inode, true);
        }
        // SAFETY: the inode is live and its i_rwsem held exclusively (the caller's): the
        // folios of the range stay in its page cache (truncation waits for i_rwsem and for
        // writeback), and nothing else starts writethrough I/O on them.
        let built = unsafe { build_bios::<T>(ctx, inode, start, end, options) };
        let asynchronous = !iocb.is_sync();
        match built {
            Ok(bios) => {
                // SAFETY: built, not submitted: `bi_next` links the list.
                let one = !bios.is_null() && unsafe { (*bios).bi_next.is_null() };
                // SAFETY: the context is live (the submission's count holds it); `bios` is
                // the list of built bios, each counted in `pending`.
                unsafe {
                    (*ctx).submitted = !bios.is_null();
                    submit_all(bios, options.nowait && one);
                }
            }
            Err(e) => {
                // SAFETY: as above; no bio was submitted, so no completion reads these.
                unsafe {
                    (*ctx).redirty = true;
                    (*ctx).error.store(e.to_errno(), Ordering::Relaxed);
                }
            }
        }
        // SAFETY: live until `finish`, which runs once `pending` is zero: not before the
        // submission's count drops here.
        let (submitted, last) = unsafe {
            (
                (*ctx).submitted,
                (*ctx).pending.fetch_sub(1, Ordering::AcqRel) == 1,
            )
        };
        if last && !(asynchronous && submitted) {
            // Nothing submitted, or a synchronous write whose bios all ended already.
            // SAFETY: `pending` reached zero here: the context is this call's to finish.
            return Submitted::Ended(unsafe { finish::<T>(ctx, false) });
        }
        if asynchronous {
            if last {
                // Its bios ended during submission: it still completes on the workqueue.
                // SAFETY: `pending` reached zero here, handed on once.
                unsafe { all_bios_ended(ctx) };
            }
            Submitted::Queued
        } else {
            Submitted::InFlight(InFlight {
                // SAFETY: a leaked box is not null.
                ctx: unsafe { NonNull::new_unchecked(ctx) },
                _ops: PhantomData,
            })
        }
    }
}

impl<T: WritethroughOps> InFlight<T> {
    /// Waits for the write's bios (uninterruptibly, as for any I/O), then ends it.
    pub(crate) fn wait(self) -> Result<Ended> {
        let ctx = self.ctx.as_ptr();
        core::mem::forget(self);
        // SAFETY: a synchronous write in flight, waited for once (`self` is consumed).
        unsafe { wait_and_finish::<T>(ctx) }
    }
}

impl<T: WritethroughOps> Drop for InFlight<T> {
    fn drop(&mut self) {
        // Dropped without `wait` (an early return): the write must still end.
        // SAFETY: a synchronous write in flight, not waited for (`wait` forgets `self`).
        let _ = unsafe { wait_and_finish::<T>(self.ctx.as_ptr()) };
    }
}

/// Waits for a synchronous write's bios, then ends it.
///
/// # Safety
///
/// `ctx` is a synchronous write's context whose submission returned it in flight, waited
/// for once.
unsafe fn wait_and_finish<T: WritethroughOps>(ctx: *mut Context) -> Result<Ended> {
    // SAFETY: per the contract the context stays until `finish` below: its last bio completes
    // `done` instead of finishing it.
    unsafe {
        bindings::wait_for_completion_io(Opaque::raw_get(ptr::addr_of!((*ctx).done)));
        finish::<T>(ctx, false)
    }
}

/// Puts the folios of [start, end) (`start` folio-aligned) of `inode` under writeback and
/// builds one bio per run of folios contiguous on the device (at most
/// [`MAX_FOLIOS_PER_BIO`] each); returns the built bios linked through `bi_next`, each
/// counted in the context's `pending`. On an error, the folios not yet started stay dirty,
/// and the bios built so far are returned to the context as ended (their folios are ended
/// with the error by `finish`).
///
/// # Safety
///
/// `ctx` is a submitted write's context (see [`Context`]); `inode` is live and its i_rwsem
/// held exclusively by the caller.
unsafe fn build_bios<T: WritethroughOps>(
    ctx: *mut Context,
    inode: InodeRef<'_>,
    start: u64,
    end: u64,
    options: SubmitOptions,
) -> Result<*mut bindings::bio> {
    let raw_inode = inode.as_ptr();
    // SAFETY: a live inode (the contract).
    let (mapping, bdev, size) = unsafe {
        (
            (*raw_inode).i_mapping,
            (*(*raw_inode).i_sb).s_bdev,
            bindings::rnwk_i_size_read(raw_inode) as u64,
        )
    };
    let mut opf = bindings::REQ_OP_WRITE | bindings::REQ_SYNC | bindings::REQ_IDLE;
    if options.fua {
        opf |= bindings::REQ_FUA;
    }
    let mut list = BioList {
        head: ptr::null_mut(),
        tail: ptr::null_mut(),
    };
    let mut extent: Option<Mapping> = None;
    let mut next_device: Option<u64> = None;
    let mut pos = start;
    let result = loop {
        if pos >= end {
            break Ok(());
        }
        let index = pos >> PAGE_SHIFT;
        // SAFETY: a live mapping; the lookup takes a reference and the folio lock.
        let folio = unsafe {
            bindings::__filemap_get_folio(mapping, index as _, bindings::RNWK_FGP_LOCK, 0)
        };
        if kernel::error::from_err_ptr(folio).is_err() {
            // Gone: written back and reclaimed since the copy; its data is on the device.
            pos += PAGE_SIZE as u64;
            continue;
        }
        // SAFETY: a folio we hold a reference to and have locked, released by `LockedFolio`.
        let folio = unsafe { LockedFolio::new(folio) };
        let (fpos, fsize) = (folio.pos(), folio.size());
        // Writeback started since the copy (the flusher) carries the data: wait for it.
        folio.wait_writeback();
        if !folio.is_dirty_for_io() {
            pos = fpos + fsize;
            continue;
        }
        let covered = |m: &Mapping| m.offset <= fpos && fpos + fsize <= m.offset + m.length;
        if !extent.as_ref().is_some_and(covered) {
            match T::map_blocks(inode, fpos, fsize as u32) {
                Ok(m) if covered(&m) && m.kind != MappingKind::Hole => extent = Some(m),
                Ok(_) => break Err(EIO),
                Err(e) => break Err(e),
            }
        }
        let Some(m) = extent else {
            break Err(EIO);
        };
        if !folio.clear_dirty_for_io() {
            pos = fpos + fsize;
            continue;
        }
        if !folio.is_uptodate() {
            // Never for a folio a write made dirty: put it back as it was, fail the write.
            folio.mark_dirty();
            break Err(EIO);
        }
        if m.kind == MappingKind::Unwritten {
            // SAFETY: the context is live until `finish` (the submission holds `pending`).
            unsafe { (*ctx).info.unwritten = true };
        }
        // Past EOF the folio is not file data: zeroes on the device, as iomap writes it.
        if fpos + fsize > size {
            folio.zero_from(size.saturating_sub(fpos));
        }
        let device = m.device_offset + (fpos - m.offset);
        let folio = folio.start_writeback();
        if next_device != Some(device) || list.tail_full() {
            let nr = ((end - fpos).div_ceil(PAGE_SIZE as u64)).min(MAX_FOLIOS_PER_BIO);
            // SAFETY: the device of a live super block; the context outlives its bios.
            if let Err(e) = unsafe { list.push_new(bdev, opf, nr, device, ctx) } {
                // SAFETY: our folio under writeback, in no bio: ended with the error.
                unsafe { end_folio(mapping, folio, e.to_errno()) };
                break Err(e);
            }
        }
        // SAFETY: the tail bio has room (checked above) and the folio is ours under
        // writeback.
        unsafe { list.add_folio(folio, fsize) };
        next_device = Some(device + fsize);
        pos = fpos + fsize;
    };
    match result {
        Ok(()) => Ok(list.head),
        Err(e) => {
            // Built, not submitted: they end as the write does, with `e`.
            let mut bio = list.head;
            while !bio.is_null() {
                // SAFETY: our built bios, linked through `bi_next`; each was counted in
                // `pending`, which the submission's count keeps above zero here.
                unsafe {
                    let next = (*bio).bi_next;
                    (*bio).bi_next = ptr::null_mut();
                    push_ended(ctx, bio);
                    (*ctx).pending.fetch_sub(1, Ordering::Relaxed);
                    bio = next;
                }
            }
            Err(e)
        }
    }
}

/// A locked folio we hold a reference to; unlocked and released on drop.
///
/// # Invariants
///
/// `folio` is locked by us and referenced by us.
struct LockedFolio(NonNull<bindings::folio>);

/// A folio we put under writeback (unlocked; the writeback state keeps it in its mapping).
struct WritebackFolio(NonNull<bindings::folio>);

impl LockedFolio {
    /// # Safety
    ///
    /// `folio` is a live folio the caller locked and holds a reference to, both handed over.
    unsafe fn new(folio: *mut bindings::folio) -> Self {
        // SAFETY: per the contract, not null.
        Self(unsafe { NonNull::new_unchecked(folio) })
    }

    fn pos(&self) -> u64 {
        // SAFETY: a locked folio is in its mapping (type invariant).
        unsafe { bindings::rnwk_folio_pos(self.0.as_ptr()) as u64 }
    }

    fn size(&self) -> u64 {
        // SAFETY: a referenced folio (type invariant).
        unsafe { bindings::rnwk_folio_size(self.0.as_ptr()) as u64 }
    }

    fn wait_writeback(&self) {
        // SAFETY: a locked folio (type invariant): `folio_wait_writeback` needs it.
        unsafe { bindings::folio_wait_writeback(self.0.as_ptr()) }
    }

    fn is_dirty_for_io(&self) -> bool {
        // SAFETY: a referenced folio (type invariant).
        unsafe { bindings::rnwk_folio_test_dirty(self.0.as_ptr()) }
    }

    /// Clears the dirty state for I/O (the mapping's accounting with it); false if clean.
    fn clear_dirty_for_io(&self) -> bool {
        // SAFETY: a locked folio (type invariant), as `folio_clear_dirty_for_io` needs.
        unsafe { bindings::folio_clear_dirty_for_io(self.0.as_ptr()) }
    }

    fn is_uptodate(&self) -> bool {
        // SAFETY: a referenced folio (type invariant).
        unsafe { bindings::rnwk_folio_test_uptodate(self.0.as_ptr()) }
    }

    fn mark_dirty(&self) {
        // SAFETY: a locked folio (type invariant): not truncated under us.
        unsafe { bindings::folio_mark_dirty(self.0.as_ptr()) };
    }

    /// Zeroes the folio from byte `from` (within it) to its end.
    fn zero_from(&self, from: u64) {
        let size = self.size();
        if from < size {
            // SAFETY: a locked folio (type invariant); the range is within it.
            unsafe {
                bindings::rnwk_folio_zero_segment(self.0.as_ptr(), from as usize, size as usize)
            }
        }
    }

    /// Puts the folio under writeback (it was cleared for I/O), unlocks and releases it.
    fn start_writeback(self) -> WritebackFolio {
        let folio = self.0;
        core::mem::forget(self);
        // SAFETY: locked and cleared for I/O (type invariant and the caller); our lock and
        // reference end here, the writeback state keeps the folio until it ends.
        unsafe {
            bindings::__folio_start_writeback(folio.as_ptr(), false);
            bindings::folio_unlock(folio.as_ptr());
            bindings::rnwk_folio_put(folio.as_ptr());
        }
        WritebackFolio(folio)
    }
}

impl Drop for LockedFolio {
    fn drop(&mut self) {
        // SAFETY: locked and referenced by us (type invariant).
        unsafe {
            bindings::folio_unlock(self.0.as_ptr());
            bindings::rnwk_folio_put(self.0.as_ptr());
        }
    }
}

/// Bios being built, linked through `bi_next` (not submitted: the field is free).
struct BioList {
    head: *mut bindings::bio,
    tail: *mut bindings::bio,
}

impl BioList {
    fn tail_full(&self) -> bool {
        // SAFETY: a built bio, not submitted (the list's).
        !self.tail.is_null() && unsafe { (*self.tail).bi_vcnt >= (*self.tail).bi_max_vecs }
    }

    /// Appends a new bio for `nr` folios at byte `device` of `bdev`, ending into `ctx`.
    ///
    /// # Safety
    ///
    /// `bdev` is a live device; `ctx` a submitted write's context.
    unsafe fn push_new(
        &mut self,
        bdev: *mut bindings::block_device,
        opf: u32,
        nr: u64,
        device: u64,
        ctx: *mut Context,
    ) -> Result {
        // SAFETY: per the contract; GFP_NOFS from the filesystems' bio set does not fail
        // (mempool), checked anyway.
        let bio = unsafe {
            bindings::bio_alloc_bioset(
                bdev,
                nr as u16,
                opf,
                bindings::RNWK_GFP_NOFS,
                ptr::addr_of_mut!(bindings::fs_bio_set),
            )
        };
        if bio.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: a new bio, ours; `ctx` outlives it (the context's invariant: counted in
        // `pending` before it can end).
        unsafe {
            (*bio).bi_iter.bi_sector = device >> bindings::SECTOR_SHIFT;
            (*bio).bi_end_io = Some(end_bio);
            (*bio).bi_private = ctx.cast();
            (*ctx).pending.fetch_add(1, Ordering::Relaxed);
            if self.tail.is_null() {
                self.head = bio;
            } else {
                (*self.tail).bi_next = bio;
            }
        }
        self.tail = bio;
        Ok(())
    }

    /// Adds the whole of `folio` (`size` bytes) to the tail bio.
    ///
    /// # Safety
    ///
    /// The tail bio exists and has room for one more vector.
    unsafe fn add_folio(&mut self, folio: WritebackFolio, size: u64) {
        // A folio's head page is at its address (`&folio->page`).
        let head = folio.0.as_ptr().cast::<bindings::page>();
        // SAFETY: per the contract; one vector per folio, by its head page (never merged:
        // `finish` reads each vector back as one folio).
        unsafe { bindings::__bio_add_page(self.tail, head, size as u32, 0) };
    }
}

/// Submits the bios of `list` (linked through `bi_next`); `nowait`: the one bio carries
/// `REQ_NOWAIT` if its device supports it.
///
/// # Safety
///
/// `list` holds built, unsubmitted bios, each counted in its context's `pending`.
unsafe fn submit_all(list: *mut bindings::bio, nowait: bool) {
    let mut bio = list;
    while !bio.is_null() {
        // SAFETY: per the contract; `bi_next` is cleared before the block layer sees it.
        unsafe {
            let next = (*bio).bi_next;
            (*bio).bi_next = ptr::null_mut();
            if nowait && bindings::rnwk_bdev_nowait((*bio).bi_bdev) {
                (*bio).bi_opf |= bindings::REQ_NOWAIT;
            }
            bindings::submit_bio(bio);
            bio = next;
        }
    }
}

/// Records `bio` as ended on its context.
///
/// # Safety
///
/// `ctx` is the live context of `bio`, which has ended (or was never submitted).
unsafe fn push_ended(ctx: *mut Context, bio: *mut bindings::bio) {
    // SAFETY: per the contract; `bi_next` of an ended bio is free. A push only (`finish`
    // takes the list after the last bio), so no ABA.
    unsafe {
        let ended = &(*ctx).ended;
        let mut head = ended.load(Ordering::Relaxed);
        loop {
            (*bio).bi_next = head;
            match ended.compare_exchange_weak(head, bio, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => break,
                Err(now) => head = now,
            }
        }
    }
}

/// A writethrough bio's `bi_end_io` (any context, interrupts included).
///
/// # Safety
///
/// Called by the block layer once per bio built by `BioList::push_new`, when it ends.
unsafe extern "C" fn end_bio(bio: *mut bindings::bio) {
    // SAFETY: our bio (only `push_new` sets this end_io), whose `bi_private` is its live
    // context (the context's invariant: not finished before its last bio ended).
    unsafe {
        let ctx = (*bio).bi_private.cast::<Context>();
        let status = (*bio).bi_status;
        if status != 0 {
            let errno = bindings::blk_status_to_errno(status);
            let _ = (*ctx)
                .error
                .compare_exchange(0, errno, Ordering::Relaxed, Ordering::Relaxed);
        }
        push_ended(ctx, bio);
        if (*ctx).pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            all_bios_ended(ctx);
        }
    }
}

/// The last bio of a submitted write ended (after its submission finished).
///
/// # Safety
///
/// `ctx`'s `pending` just reached zero: the caller may hand it on, once.
unsafe fn all_bios_ended(ctx: *mut Context) {
    // SAFETY: per the contract. An asynchronous write's super block has its dio_done
    // workqueue (`Prepared::new`), live while the I/O's file is open; a synchronous one's
    // task waits on `done`.
    unsafe {
        if (*ctx).iocb.is_null() {
            bindings::complete(Opaque::raw_get(ptr::addr_of!((*ctx).done)));
        } else {
            let wq = (*(*(*ctx).inode).i_sb).s_dio_done_wq;
            bindings::rnwk_queue_work(wq, Opaque::raw_get(ptr::addr_of!((*ctx).work).cast()));
        }
    }
}

/// The dio_done workqueue's work for an asynchronous write.
///
/// # Safety
///
/// Called by the workqueue once per queueing (`all_bios_ended`), with the work item `submit`
/// initialised in a write's context.
unsafe extern "C" fn complete_work<T: WritethroughOps>(work: *mut bindings::work_struct) {
    let offset = core::mem::offset_of!(Context, work);
    // SAFETY: the work item of a context (only `submit` initialises it so), queued once, by
    // `all_bios_ended`.
    unsafe {
        let ctx = work.cast::<u8>().sub(offset).cast::<Context>();
        let _ = finish::<T>(ctx, true);
    }
}

/// Ends the writeback of `folio`, first setting `errno` (if not 0) on `mapping`.
///
/// # Safety
///
/// `folio` is ours under writeback in `mapping`.
unsafe fn end_folio(mapping: *mut bindings::address_space, folio: WritebackFolio, errno: i32) {
    // SAFETY: per the contract.
    unsafe {
        if errno != 0 {
            bindings::rnwk_mapping_set_error(mapping, errno);
        }
        bindings::folio_end_writeback(folio.0.as_ptr());
    }
}

/// Ends a write whose bios have all ended: the filesystem's `bios_ended`, then the folios'
/// writeback (redirtied if the device refused the write), the stable-writes count and
/// `inode_dio_end`; an asynchronous one then calls `ki_complete` (`queued`: from the
/// workqueue). Frees the context.
///
/// # Safety
///
/// `ctx` is a submitted write's context whose `pending` reached zero, in task context.
unsafe fn finish<T: WritethroughOps>(ctx: *mut Context, queued: bool) -> Result<Ended> {
    // SAFETY: per the contract the context is ours now, once.
    let ctx = unsafe { KBox::from_raw(ctx) };
    let raw_inode = ctx.inode;
    // SAFETY: live until the write ends (the context's invariant).
    let inode = unsafe { InodeRef::from_raw(raw_inode) };
    let errno = ctx.error.load(Ordering::Acquire);
    let status = if errno == 0 {
        Ok(())
    } else {
        Err(Error::from_errno(errno))
    };
    let result = T::bios_ended(inode, ctx.pos, ctx.len, ctx.info.unwritten, status);
    let redirty = ctx.redirty || errno == -(bindings::EAGAIN as i32);
    // SAFETY: a live inode.
    let mapping = unsafe { (*raw_inode).i_mapping };
    let mut bio = ctx.ended.swap(ptr::null_mut(), Ordering::Acquire);
    while !bio.is_null() {
        // SAFETY: an ended bio of this write: every vector is one whole folio we put under
        // writeback, by its head page (`add_folio`); the bio is ours to free.
        unsafe {
            let next = (*bio).bi_next;
            for i in 0..(*bio).bi_vcnt as usize {
                let page = (*(*bio).bi_io_vec.add(i)).bv_page;
                let folio = WritebackFolio(NonNull::new_unchecked(page.cast()));
                if redirty {
                    // Nothing reached the device: the data stays dirty in the cache.
                    bindings::rnwk_folio_lock(folio.0.as_ptr());
                    bindings::folio_mark_dirty(folio.0.as_ptr());
                    bindings::folio_unlock(folio.0.as_ptr());
                    end_folio(mapping, folio, 0);
                } else {
                    end_folio(mapping, folio, errno);
                }
            }
            bindings::bio_put(bio);
            bio = next;
        }
    }
    if T::stable_writes(inode).put(raw_inode) {
        T::stable_writes_toggled(inode, false);
    }
    // SAFETY: begun by `submit`, ended once here.
    unsafe { bindings::rnwk_inode_dio_end(raw_inode) };
    let info = ctx.info;
    let result = result.map(|()| info);
    if ctx.iocb.is_null() || !queued {
        return result;
    }
    let iocb = ctx.iocb;
    let written = ctx.written;
    drop(ctx);
    // SAFETY: an asynchronous write's kiocb, live until `ki_complete` (the context's
    // invariant), which is the last use.
    unsafe {
        let ret = T::async_write_ended(&Kiocb::from_raw(iocb), result.map(|_| written), &info);
        if let Some(complete) = (*iocb).ki_complete {
            complete(iocb, ret as _);
        }
    }
    Ok(info)
}
