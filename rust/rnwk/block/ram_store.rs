// SPDX-License-Identifier: GPL-2.0
//! A sparse RAM page store for a block device: pages allocated on first write, zeros where
//! nothing was written, and (for a volatile write cache) the content at the last flush of
//! every page changed since, to put back on a power cut.
//!
//! Readers look pages up under RCU and never allocate; pages are freed after a grace period
//! (discard, power cut), so a read racing either copies from a page that is still there.
//! The C is `rnwk_store.c` for now.

use super::mq::{Op, Rq};
use crate::rnwk::bindings;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::{error::to_result, page::PAGE_SIZE, prelude::*, sync::Arc, types::Opaque};

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

/// The store.
///
/// # Invariants
///
/// `xa` and `saved` are xarrays initialised by `rnwk_store_init`, in boxes that do not
/// move, destroyed only in `drop`. `xa` maps page indices to pages the store owns; `saved`
/// maps page indices to the store's copies (or to the absent marker). Every page either
/// holds is freed only after an RCU grace period while anyone may still look it up.
pub(crate) struct Store {
    xa: KBox<Opaque<bindings::xarray>>,
    pages: AtomicU64,
    saved: KBox<Opaque<bindings::xarray>>,
    saved_pages: AtomicU64,
}

// SAFETY: the xarrays do their own locking (xa_lock; RCU for readers).
unsafe impl Send for Store {}
// SAFETY: as above; every method takes `&self` and the C side synchronises.
unsafe impl Sync for Store {}

impl Store {
    pub(crate) fn new() -> Result<Arc<Self>> {
        let xa = KBox::new(Opaque::uninit(), GFP_KERNEL)?;
        let saved = KBox::new(Opaque::uninit(), GFP_KERNEL)?;
        // SAFETY: the xarrays sit in their final (boxed) places and are initialised once.
        unsafe {
            bindings::rnwk_store_init(xa.get());
            bindings::rnwk_store_init(saved.get());
        }
        Ok(Arc::new(
            Self {
                xa,
                pages: AtomicU64::new(0),
                saved,
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
        // SAFETY: the xarray is initialised (type invariant); the request is live and owned
        // by the driver (`Rq`'s invariant), a read, so its segments are the pages to fill;
        // the C side maps each only while it copies.
        unsafe { bindings::rnwk_store_xfer(self.xa.get(), rq.as_ptr(), false) };
        Ok(())
    }

    /// Copies a write's data into existing pages, all or nothing: ENOENT, with nothing
    /// written, if a page is missing (see [`Store::backing`]). EINVAL for a request that is
    /// not a write.
    pub(crate) fn write(&self, rq: &Rq) -> Result {
        if rq.op() != Op::Write {
            return Err(EINVAL);
        }
        // SAFETY: as in `read`, for a write.
        to_result(unsafe { bindings::rnwk_store_xfer(self.xa.get(), rq.as_ptr(), true) })
    }

    /// Makes sure [pos, pos+len) has pages, allocating the missing ones: with a sleeping
    /// allocator if `may_sleep` (process context only), else without sleeping.
    pub(crate) fn backing(&self, pos: u64, len: u64, may_sleep: bool) -> Backing {
        let first = pos / PAGE_SIZE as u64;
        let last = pos.saturating_add(len.max(1) - 1) / PAGE_SIZE as u64;
        for page in first..=last {
            // SAFETY: the xarray is initialised (type invariant).
            let ret = unsafe {
                bindings::rnwk_store_populate(self.xa.get(), page * PAGE_SIZE as u64, may_sleep)
            };
            match ret {
                1 => {
                    self.pages.fetch_add(1, Relaxed);
                }
                0 => {}
                _ => return Backing::NeedsSleep,
            }
        }
        Backing::Ready
    }

    /// Volatile write cache: saves the flushed content of [pos, pos+len) before a write,
    /// discard or write-zeroes changes it. False if that needed an allocation `alloc` does
    /// not allow or that failed.
    pub(crate) fn save(&self, pos: u64, len: u64, alloc: Alloc) -> bool {
        let alloc = match alloc {
            Alloc::None => bindings::rnwk_store_alloc_RNWK_STORE_ALLOC_NONE,
            Alloc::NoWait => bindings::rnwk_store_alloc_RNWK_STORE_ALLOC_NOWAIT,
            Alloc::NoIo => bindings::rnwk_store_alloc_RNWK_STORE_ALLOC_NOIO,
        };
        let mut added = 0;
        // SAFETY: both xarrays are initialised (type invariant); `added` is a local.
        let ret = unsafe {
            bindings::rnwk_store_save(self.xa.get(), self.saved.get(), pos, len, alloc, &mut added)
        };
        self.saved_pages.fetch_add(added as u64, Relaxed);
        ret == 0
    }

    /// Whether a flush has anything to forget.
    pub(crate) fn has_unflushed(&self) -> bool {
        // SAFETY: the xarray is initialised (type invariant).
        !unsafe { bindings::rnwk_store_saved_empty(self.saved.get()) }
    }

    /// A flush: what was written is what a power cut leaves. May sleep.
    pub(crate) fn flush(&self) {
        // SAFETY: the xarray is initialised (type invariant); only this and `roll_back` take
        // saved pages out (xa_erase decides which one frees each).
        let freed = unsafe { bindings::rnwk_store_forget(self.saved.get()) };
        self.saved_pages.fetch_sub(freed as u64, Relaxed);
    }

    /// A power cut: back to the content at the last flush. May sleep. Racing I/O cannot
    /// make it unsafe (replaced pages are freed after a grace period), only meaningless: the
    /// caller stops I/O first.
    pub(crate) fn roll_back(&self) {
        let mut copies = 0;
        // SAFETY: both xarrays are initialised (type invariant); `copies` is a local.
        let delta =
            unsafe { bindings::rnwk_store_roll_back(self.xa.get(), self.saved.get(), &mut copies) };
        self.saved_pages.fetch_sub(copies as u64, Relaxed);
        self.pages.fetch_add(delta as u64, Relaxed); // wrapping: delta may be negative
    }

    /// Pages held to undo unflushed writes.
    pub(crate) fn saved_pages(&self) -> u64 {
        self.saved_pages.load(Relaxed)
    }

    /// Discard and write-zeroes: zero the range, free the pages it covers whole.
    pub(crate) fn discard(&self, pos: u64, len: u64) {
        // SAFETY: the xarray is initialised (type invariant).
        let freed = unsafe { bindings::rnwk_store_discard(self.xa.get(), pos, len) };
        self.pages.fetch_sub(freed as u64, Relaxed);
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.flush();
        // SAFETY: `&mut self`: no reader or writer is left, so the pages can go at once.
        unsafe {
            bindings::rnwk_store_destroy(self.xa.get());
            bindings::rnwk_store_destroy(self.saved.get());
        }
    }
}
