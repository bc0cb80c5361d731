// SPDX-License-Identifier: GPL-2.0
//! A sparse RAM page store for a block device: pages allocated on first write, zeros where
//! nothing was written, and (for a volatile write cache) the content at the last flush of
//! every page changed since, to put back on a power cut.
//!
//! Readers look pages up under RCU ([`RcuReadGuard`]) and never allocate; pages are freed
//! after a grace period (discard, power cut), so a read racing either copies from a page
//! that is still there. Whether an allocation may sleep is the caller's decision (rnwblk's
//! nowait policy).

use super::mq::{Op, Rq, Segment};
use crate::rnwk::{bindings, sync::RcuReadGuard, task};
use core::{
    marker::PhantomData,
    ptr::{self, NonNull},
    sync::atomic::{AtomicU64, Ordering::Relaxed},
};
use kernel::{error::to_result, page::PAGE_SIZE, prelude::*, sync::Arc, types::Opaque};

const PAGE: u64 = PAGE_SIZE as u64;

/// The xarray's index type (`unsigned long`).
type Index = usize;

/// The page index of a byte offset (lossless where `unsigned long` has 64 bits; saturates
/// elsewhere, past any device's end).
fn index(pos: u64) -> Index {
    Index::try_from(pos / PAGE).unwrap_or(Index::MAX)
}

/// Whether a write's pages are there now, and if not, what allocating them would take.
pub(crate) enum Backing {
    Ready,
    /// A non-sleeping allocation failed: only a sleeping one can help.
    NeedsSleep,
}

/// What saving a page's flushed content may allocate.
#[derive(Clone, Copy)]
pub(crate) enum Alloc {
    /// Nothing: a page not saved yet fails the save.
    None,
    /// Without sleeping.
    NoWait,
    /// Sleeping (GFP_NOIO): process context only.
    NoIo,
}

/// An xarray the store owns.
///
/// # Invariants
///
/// The xarray was initialised (`xa_init`) in a box that never moves, and is destroyed
/// only by [`Store`]'s `drop`. Its entries are pages the store owns, or (in `saved`) the
/// [`absent`] marker; a page taken out while a reader may still find it is freed only after
/// an RCU grace period.
struct PageArray(KBox<Opaque<bindings::xarray>>);

impl PageArray {
    fn new() -> Result<Self> {
        let xa = KBox::new(Opaque::uninit(), GFP_KERNEL)?;
        // SAFETY: the xarray sits in its final (boxed) place and is initialised once.
        unsafe { bindings::rnwk_xa_init(xa.get()) };
        // INVARIANT: initialised in a box; empty.
        Ok(Self(xa))
    }

    fn raw(&self) -> *mut bindings::xarray {
        self.0.get()
    }

    /// The page at `idx` while `rcu` lasts. `radix_tree_lookup()` walks the same nodes as
    /// `xa_load()` (the radix tree API is the xarray's) with unchecked RCU dereferences:
    /// under PROVE_RCU `xa_load()` asks lockdep twice per tree level, which was the largest
    /// single cost of rnwblk's I/O path on the test kernel.
    fn lookup<'g>(&self, _rcu: &'g RcuReadGuard, idx: Index) -> Option<StorePage<'g>> {
        // SAFETY: the xarray is initialised (type invariant) and the caller is in a
        // read-side section (`_rcu`), which is what a lockless lookup needs.
        let entry = unsafe { bindings::radix_tree_lookup(self.raw(), idx) };
        // INVARIANT: a page of the store, found under RCU: it is freed only after a grace
        // period (type invariant), so not before `'g` ends.
        NonNull::new(entry.cast()).map(|page| StorePage {
            page,
            _rcu: PhantomData,
        })
    }

    /// Whether every page of [pos, pos+len) exists.
    fn present(&self, rcu: &RcuReadGuard, pos: u64, len: u64) -> bool {
        let last = pos.saturating_add(len.max(1) - 1);
        (index(pos)..=index(last)).all(|idx| self.lookup(rcu, idx).is_some())
    }

    /// Puts `entry` at `idx` if nothing is there: `Ok(true)` if it did, `Ok(false)` if
    /// something was (the caller keeps `entry`), or the xarray's error.
    fn insert(
        &self,
        idx: Index,
        entry: *mut core::ffi::c_void,
        gfp: bindings::gfp_t,
    ) -> Result<bool> {
        // SAFETY: the xarray is initialised (type invariant); `entry` is a page the caller
        // hands to the store, or the absent marker.
        let old =
            unsafe { bindings::rnwk_xa_cmpxchg(self.raw(), idx, ptr::null_mut(), entry, gfp) };
        if old.is_null() {
            return Ok(true);
        }
        // SAFETY: `old` is an entry the xarray returned (or its error encoding).
        to_result(unsafe { bindings::rnwk_xa_err(old) })?;
        Ok(false)
    }

    /// Takes the entry at `idx` out (null if there was none); the caller owns it now.
    fn take(&self, idx: Index) -> *mut core::ffi::c_void {
        // SAFETY: the xarray is initialised (type invariant).
        unsafe { bindings::xa_erase(self.raw(), idx) }
    }

    /// Calls `f` with each index that holds an entry, in order, taking the entry out first
    /// (the caller owns it). Entries added meanwhile at higher indices are seen too.
    fn drain(&self, mut f: impl FnMut(Index, *mut core::ffi::c_void)) {
        let mut idx: Index = 0;
        loop {
            // SAFETY: the xarray is initialised (type invariant); `idx` is a local.
            let found = unsafe {
                bindings::xa_find(self.raw(), &mut idx, Index::MAX, bindings::XA_PRESENT)
            };
            if found.is_null() {
                return;
            }
            // xa_erase() decides which of two racing takers owns the entry.
            let entry = self.take(idx);
            if !entry.is_null() {
                f(idx, entry);
            }
            if idx == Index::MAX {
                return;
            }
            idx += 1;
        }
    }

    fn is_empty(&self) -> bool {
        // SAFETY: the xarray is initialised (type invariant).
        unsafe { bindings::rnwk_xa_empty(self.raw()) }
    }
}

/// A page of the store found under RCU.
///
/// # Invariants
///
/// `page` is a live page the store held when it was found in the read-side section `'g`;
/// it is not freed before that section ends.
struct StorePage<'g> {
    page: NonNull<bindings::page>,
    _rcu: PhantomData<&'g RcuReadGuard>,
}

impl StorePage<'_> {
    /// Copies `n` bytes at `off` in this page to the segment's byte `at`, or the other way
    /// for `to_store`. EINVAL (nothing copied) if either range leaves its page or segment.
    fn copy(&self, off: u32, seg: &Segment<'_>, at: u32, n: u32, to_store: bool) -> Result {
        if !fits(off, n, PAGE_SIZE as u32) || !fits(at, n, seg.len()) {
            return Err(EINVAL);
        }
        let (seg_page, seg_off) = seg.page_at(at);
        let (page, off, n) = (self.page.as_ptr(), off as usize, n as usize);
        // SAFETY: both pages are live (this type's invariant, `Segment`'s) and both ranges
        // are inside their pages (checked above; a segment is within one page). The store
        // page is only written by the request that owns its range; the segment's page is
        // the driver's while it owns the request (`Segment`'s invariant).
        unsafe {
            if to_store {
                bindings::rnwk_memcpy_page(page, off, seg_page, seg_off, n)
            } else {
                bindings::rnwk_memcpy_page(seg_page, seg_off, page, off, n)
            }
        }
        Ok(())
    }

    /// Zeroes `n` bytes at `off`, within the page.
    fn zero(&self, off: u32, n: u32) {
        if fits(off, n, PAGE_SIZE as u32) {
            // SAFETY: the page is live (type invariant) and the range is inside it.
            unsafe { bindings::rnwk_memzero_page(self.page.as_ptr(), off as usize, n as usize) };
        }
    }
}

/// Whether `n` bytes at `at` fit in `size`.
fn fits(at: u32, n: u32, size: u32) -> bool {
    at.checked_add(n).is_some_and(|end| end <= size)
}

/// Zeroes `n` bytes of the segment from its byte `at`.
fn zero_segment(seg: &Segment<'_>, at: u32, n: u32) -> Result {
    if !fits(at, n, seg.len()) {
        return Err(EINVAL);
    }
    let (page, off) = seg.page_at(at);
    // SAFETY: the segment's page is live and the driver's to write while it owns the (read)
    // request (`Segment`'s invariant); the range is inside the segment, hence the page.
    unsafe { bindings::rnwk_memzero_page(page, off, n as usize) };
    Ok(())
}

/// A new page the store does not hold yet (freed on drop unless handed over).
///
/// # Invariants
///
/// `0` is a page allocated by `rnwk_alloc_page` that nothing else references.
struct NewPage(NonNull<bindings::page>);

impl NewPage {
    fn alloc(gfp: bindings::gfp_t) -> Option<Self> {
        // SAFETY: any gfp the callers pass is valid in their context (they choose sleeping
        // or not by their own context).
        NonNull::new(unsafe { bindings::rnwk_alloc_page(gfp | bindings::__GFP_NOWARN) }).map(Self)
    }

    /// The page as an xarray entry; still ours until [`NewPage::handed_over`].
    fn entry(&self) -> *mut core::ffi::c_void {
        self.0.as_ptr().cast()
    }

    /// The xarray took the page: it is the store's now, not freed here.
    fn handed_over(self) {
        core::mem::forget(self);
    }
}

impl Drop for NewPage {
    fn drop(&mut self) {
        // SAFETY: the page is ours alone (type invariant).
        unsafe { bindings::rnwk_free_page(self.0.as_ptr()) };
    }
}

/// The marker `saved` holds for a page that did not exist at the last flush.
fn absent() -> *mut core::ffi::c_void {
    // SAFETY: xa_mk_value() only encodes its argument.
    unsafe { bindings::rnwk_xa_mk_value(0) }
}

fn is_value(entry: *mut core::ffi::c_void) -> bool {
    // SAFETY: xa_is_value() only tests the pointer's low bit.
    unsafe { bindings::rnwk_xa_is_value(entry) }
}

/// Frees a page taken out of the store after a grace period: a reader may still copy from it.
///
/// # Safety
///
/// `entry` is a page (not a value entry) taken out of a store xarray, owned by the caller.
unsafe fn free_after_grace_period(entry: *mut core::ffi::c_void) {
    // SAFETY: the caller owns the page; its `rcu_head` is unused while it is a store page.
    unsafe { bindings::rnwk_free_page_after_rcu(entry.cast()) };
}

/// The store.
///
/// # Invariants
///
/// `xa` maps page indices to pages; `saved` maps page indices to copies of the content at
/// the last flush, or to [`absent`] for a page that did not exist then.
pub(crate) struct Store {
    xa: PageArray,
    pages: AtomicU64,
    saved: PageArray,
    saved_pages: AtomicU64,
}

// SAFETY: the xarrays do their own locking (xa_lock for writers; RCU for readers), and the
// pages they hold are only reached through them.
unsafe impl Send for Store {}
// SAFETY: as above; every method takes `&self`.
unsafe impl Sync for Store {}

impl Store {
    pub(crate) fn new() -> Result<Arc<Self>> {
        Ok(Arc::new(
            Self {
                xa: PageArray::new()?,
                pages: AtomicU64::new(0),
                saved: PageArray::new()?,
                saved_pages: AtomicU64::new(0),
            },
            GFP_KERNEL,
        )?)
    }

    /// Backing pages in use.
    pub(crate) fn pages(&self) -> u64 {
        self.pages.load(Relaxed)
    }

    /// Copies a read's data out of the store (unwritten sectors read as zeros). EINVAL for a
    /// request that is not a read.
    pub(crate) fn read(&self, rq: &Rq) -> Result {
        // Only reads and writes carry data pages: a discard's bio has a size but no pages.
        if rq.op() != Op::Read {
            return Err(EINVAL);
        }
        self.xfer(rq, false)
    }

    /// Copies a write's data into existing pages, all or nothing: ENOENT, with nothing
    /// written, if a page is missing (see [`Store::backing`]). EINVAL for a request that is
    /// not a write.
    pub(crate) fn write(&self, rq: &Rq) -> Result {
        if rq.op() != Op::Write {
            return Err(EINVAL);
        }
        self.xfer(rq, true)
    }

    /// One read-side section per request, not per page. A write is all or nothing, so that
    /// a nowait write refused for want of a page (AGAIN) leaves the device as it was: a
    /// request over several pages checks them all first, in the same section as the copy.
    /// A page that vanishes after the copy began was discarded concurrently; skipping it
    /// orders that discard after this write.
    fn xfer(&self, rq: &Rq, write: bool) -> Result {
        let mut pos = rq.pos();
        let len = u64::from(rq.bytes());
        let rcu = RcuReadGuard::new();
        if write && pos % PAGE + len > PAGE && !self.xa.present(&rcu, pos, len) {
            return Err(ENOENT);
        }
        let mut copied = false;
        for seg in rq.segments() {
            let mut done = 0;
            while done < seg.len() {
                let off = (pos % PAGE) as u32;
                let n = (PAGE_SIZE as u32 - off).min(seg.len() - done);
                let page = self.xa.lookup(&rcu, index(pos));
                match (page, write) {
                    (Some(page), true) => page.copy(off, &seg, done, n, true)?,
                    (None, true) if !copied => return Err(ENOENT),
                    (None, true) => {}
                    (Some(page), false) => page.copy(off, &seg, done, n, false)?,
                    (None, false) => zero_segment(&seg, done, n)?,
                }
                copied = true;
                done += n;
                pos += u64::from(n);
            }
        }
        Ok(())
    }

    /// Makes sure [pos, pos+len) has pages, allocating the missing ones: with a sleeping
    /// allocator if `may_sleep` (process context only), else without sleeping.
    pub(crate) fn backing(&self, pos: u64, len: u64, may_sleep: bool) -> Backing {
        let last = pos.saturating_add(len.max(1) - 1);
        for idx in index(pos)..=index(last) {
            match self.populate(idx, may_sleep) {
                Ok(true) => {
                    self.pages.fetch_add(1, Relaxed);
                }
                Ok(false) => {}
                Err(_) => return Backing::NeedsSleep,
            }
        }
        Backing::Ready
    }

    /// Makes sure page `idx` exists: `Ok(true)` if this call inserted it.
    fn populate(&self, idx: Index, may_sleep: bool) -> Result<bool> {
        if self.xa.lookup(&RcuReadGuard::new(), idx).is_some() {
            return Ok(false);
        }
        // With GFP_NOWAIT neither this allocation nor the xarray node's can sleep.
        let gfp = if may_sleep {
            bindings::GFP_NOIO
        } else {
            bindings::GFP_NOWAIT
        };
        let page = NewPage::alloc(gfp | bindings::__GFP_ZERO).ok_or(ENOMEM)?;
        let inserted = self.xa.insert(idx, page.entry(), gfp);
        if matches!(inserted, Ok(true)) {
            page.handed_over();
        }
        // Otherwise another queue populated it first, or the node allocation failed: the
        // page is freed on drop.
        inserted
    }

    /// Volatile write cache: saves the flushed content of [pos, pos+len) before a write,
    /// discard or write-zeroes changes it. False if that needed an allocation `alloc` does
    /// not allow or that failed; pages saved by then stay saved (their saved content is
    /// still the flushed one).
    pub(crate) fn save(&self, pos: u64, len: u64, alloc: Alloc) -> bool {
        let last = pos.saturating_add(len.max(1) - 1);
        for idx in index(pos)..=index(last) {
            if self.save_one(idx, alloc).is_err() {
                return false;
            }
            if matches!(alloc, Alloc::NoIo) {
                task::cond_resched();
            }
        }
        true
    }

    /// Writers save a page before they change it, so whichever of two racing savers inserts
    /// first copied the flushed content; the loser's copy (maybe of the winner's data) is
    /// dropped.
    fn save_one(&self, idx: Index, alloc: Alloc) -> Result {
        // SAFETY: the xarray is initialised (`PageArray`'s invariant); the entry is only
        // compared with null.
        if !unsafe { bindings::xa_load(self.saved.raw(), idx) }.is_null() {
            return Ok(());
        }
        let gfp = match alloc {
            Alloc::None => return Err(ENOMEM),
            Alloc::NoWait => bindings::GFP_NOWAIT,
            Alloc::NoIo => bindings::GFP_NOIO,
        };
        let present = self.xa.lookup(&RcuReadGuard::new(), idx).is_some();
        let copy = if present {
            let copy = NewPage::alloc(gfp).ok_or(ENOMEM)?;
            let rcu = RcuReadGuard::new();
            match self.xa.lookup(&rcu, idx) {
                Some(page) => {
                    // SAFETY: both pages are live (the store's for the read-side section,
                    // `copy` ours alone).
                    unsafe { bindings::rnwk_copy_highpage(copy.0.as_ptr(), page.page.as_ptr()) };
                    Some(copy)
                }
                // Discarded meanwhile: it is absent at the flush point as far as this
                // writer can tell, and the copy goes.
                None => None,
            }
        } else {
            None
        };
        let entry = copy.as_ref().map_or_else(absent, NewPage::entry);
        let inserted = self.saved.insert(idx, entry, gfp | bindings::__GFP_NOWARN);
        if let (Some(copy), Ok(true)) = (copy, &inserted) {
            copy.handed_over();
            self.saved_pages.fetch_add(1, Relaxed);
        }
        // A copy `saved` did not take (another saver was first) is freed on drop.
        inserted.map(|_| ())
    }

    /// Whether a flush has anything to forget.
    pub(crate) fn has_unflushed(&self) -> bool {
        !self.saved.is_empty()
    }

    /// A flush: what was written is what a power cut leaves. May sleep.
    pub(crate) fn flush(&self) {
        // Only this and `roll_back` take saved pages out; `drain` says which one owns each.
        self.saved.drain(|_, entry| {
            if !is_value(entry) {
                // SAFETY: a saved copy, taken out of `saved`: ours. Nobody reads saved
                // copies under RCU (only this and a roll-back reach them), so it goes now.
                drop(NewPage(unsafe { NonNull::new_unchecked(entry.cast()) }));
                self.saved_pages.fetch_sub(1, Relaxed);
            }
            task::cond_resched();
        });
    }

    /// A power cut: back to the content at the last flush. May sleep. Racing I/O cannot
    /// make it unsafe (replaced pages are freed after a grace period), only meaningless: the
    /// caller stops I/O first.
    pub(crate) fn roll_back(&self) {
        self.saved.drain(|idx, entry| {
            let old = if is_value(entry) {
                self.xa.take(idx)
            } else {
                // A node for a page discarded since: small, so it may not fail.
                // SAFETY: the xarray is initialised (`PageArray`'s invariant); `entry` is a
                // saved copy taken out of `saved`, handed to the store.
                let old = unsafe {
                    bindings::xa_store(
                        self.xa.raw(),
                        idx,
                        entry,
                        bindings::GFP_KERNEL | bindings::__GFP_NOFAIL,
                    )
                };
                self.saved_pages.fetch_sub(1, Relaxed);
                self.pages.fetch_add(1, Relaxed);
                old
            };
            if !old.is_null() {
                // After a grace period, like a discard: the power cut freezes the queue,
                // but another holder of the store could still read it.
                // SAFETY: `old` was a page of `xa`, now out of it: ours.
                unsafe { free_after_grace_period(old) };
                self.pages.fetch_sub(1, Relaxed);
            }
            task::cond_resched();
        });
    }

    /// Pages held to undo unflushed writes.
    pub(crate) fn saved_pages(&self) -> u64 {
        self.saved_pages.load(Relaxed)
    }

    /// Discard and write-zeroes: zero the range, free the pages it covers whole (after a
    /// grace period: a read may be copying from one).
    pub(crate) fn discard(&self, pos: u64, len: u64) {
        let end = pos.saturating_add(len);
        let mut pos = pos;
        while pos < end {
            let off = pos % PAGE;
            let chunk = (PAGE - off).min(end - pos);
            if chunk == PAGE {
                let page = self.xa.take(index(pos));
                if !page.is_null() {
                    // SAFETY: a page taken out of `xa`: ours.
                    unsafe { free_after_grace_period(page) };
                    self.pages.fetch_sub(1, Relaxed);
                }
            } else if let Some(page) = self.xa.lookup(&RcuReadGuard::new(), index(pos)) {
                page.zero(off as u32, chunk as u32);
            }
            pos += chunk;
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.flush();
        // `&mut self`: no reader or writer is left, so the pages can go at once.
        self.xa.drain(|_, entry| {
            // SAFETY: a page taken out of `xa`: ours, and nobody can look it up any more.
            drop(NewPage(unsafe { NonNull::new_unchecked(entry.cast()) }));
        });
        for xa in [&self.xa, &self.saved] {
            // SAFETY: both xarrays are initialised and empty now; nothing uses them after.
            unsafe { bindings::xa_destroy(xa.raw()) };
        }
    }
}
