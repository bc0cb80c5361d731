// SPDX-License-Identifier: GPL-2.0
//! The sparse backing store: pages allocated on first write, zeros where nothing was written.

use crate::{ffi, request::Request};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::{page::PAGE_SIZE, prelude::*, sync::Arc, types::Opaque};

/// Whether a write's backing pages are there now, and if not, what allocating them would take.
pub(crate) enum Backing {
    Ready,
    /// A non-sleeping allocation failed: only a sleeping one can help.
    NeedsSleep,
}

/// What saving a page's flushed content for the volatile write cache may allocate.
#[derive(Clone, Copy)]
pub(crate) enum Alloc {
    /// Nothing: a page not saved yet fails the save.
    None,
    /// Without sleeping.
    NoWait,
    /// Sleeping (worker context only).
    NoIo,
}

pub(crate) struct Store {
    xa: KBox<Opaque<ffi::bindings::xarray>>,
    pages: AtomicU64,
    /// The volatile write cache's saved pages (see rnwblk_ffi.h); empty without one.
    saved: KBox<Opaque<ffi::bindings::xarray>>,
    saved_pages: AtomicU64,
}

// SAFETY: the xarray does its own locking (xa_lock, RCU for readers).
unsafe impl Send for Store {}
// SAFETY: as above; every method takes `&self` and the C side synchronises.
unsafe impl Sync for Store {}

impl Store {
    pub(crate) fn new() -> Result<Arc<Self>> {
        let xa = KBox::new(Opaque::uninit(), GFP_KERNEL)?;
        let saved = KBox::new(Opaque::uninit(), GFP_KERNEL)?;
        // SAFETY: the xarrays sit in their final (boxed) places and are initialised once here.
        unsafe {
            ffi::rnwblk_store_init(xa.get());
            ffi::rnwblk_store_init(saved.get());
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

    /// Copies the request's data out of the store (unwritten sectors read as zeros).
    pub(crate) fn read(&self, rq: &Request) {
        // SAFETY: the xarray is initialised and lives as long as `self`; the request is
        // live and its data mapped by the C side only while it copies.
        unsafe { ffi::rnwblk_store_xfer(self.xa.get(), rq.raw(), false) };
    }

    /// Copies the request's data into existing pages, all or nothing: ENOENT, with nothing
    /// written, if a page is missing (see [`Self::backing`]).
    pub(crate) fn write(&self, rq: &Request) -> Result {
        // SAFETY: as in `read`.
        kernel::error::to_result(unsafe { ffi::rnwblk_store_xfer(self.xa.get(), rq.raw(), true) })
    }

    /// Makes sure [pos, pos+len) has pages, allocating the missing ones: with a sleeping
    /// allocator if `may_sleep` (worker context only), else without sleeping. Called once a
    /// write found a page missing.
    pub(crate) fn backing(&self, pos: u64, len: u64, may_sleep: bool) -> Backing {
        let first = pos / PAGE_SIZE as u64;
        let last = (pos + len.max(1) - 1) / PAGE_SIZE as u64;
        for page in first..=last {
            // SAFETY: the xarray is initialised and lives as long as `self`; `may_sleep` is
            // only true in the worker (process context).
            match unsafe {
                ffi::rnwblk_store_populate(self.xa.get(), page * PAGE_SIZE as u64, may_sleep)
            } {
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
            Alloc::None => ffi::rnwblk_alloc_RNWBLK_ALLOC_NONE,
            Alloc::NoWait => ffi::rnwblk_alloc_RNWBLK_ALLOC_NOWAIT,
            Alloc::NoIo => ffi::rnwblk_alloc_RNWBLK_ALLOC_NOIO,
        };
        let mut added = 0;
        // SAFETY: both xarrays are initialised and live as long as `self`; NoIo is only
        // passed in the worker (process context).
        let ret = unsafe {
            ffi::rnwblk_store_save(self.xa.get(), self.saved.get(), pos, len, alloc, &mut added)
        };
        self.saved_pages.fetch_add(added as u64, Relaxed);
        ret == 0
    }

    /// Whether a flush has anything to do.
    pub(crate) fn has_unflushed(&self) -> bool {
        // SAFETY: the xarray is initialised and lives as long as `self`.
        !unsafe { ffi::rnwblk_store_saved_empty(self.saved.get()) }
    }

    /// A flush: what was written is what a power cut leaves. May sleep.
    pub(crate) fn flush(&self) {
        // SAFETY: as above; called in process context.
        let freed = unsafe { ffi::rnwblk_store_forget(self.saved.get()) };
        self.saved_pages.fetch_sub(freed as u64, Relaxed);
    }

    /// A power cut: back to the content at the last flush. No I/O may be in flight. May sleep.
    pub(crate) fn roll_back(&self) {
        let mut copies = 0;
        // SAFETY: both xarrays are initialised; the caller stopped I/O; process context.
        let delta =
            unsafe { ffi::rnwblk_store_roll_back(self.xa.get(), self.saved.get(), &mut copies) };
        self.saved_pages.fetch_sub(copies as u64, Relaxed);
        self.pages.fetch_add(delta as u64, Relaxed); // wrapping: delta may be negative
    }

    /// Pages held to undo unflushed writes.
    pub(crate) fn saved_pages(&self) -> u64 {
        self.saved_pages.load(Relaxed)
    }

    /// Discard and write-zeroes: zero the range, free the pages it covers whole.
    pub(crate) fn discard(&self, pos: u64, len: u64) {
        // SAFETY: the xarray is initialised and lives as long as `self`.
        let freed = unsafe { ffi::rnwblk_store_discard(self.xa.get(), pos, len) };
        self.pages.fetch_sub(freed as u64, Relaxed);
    }
}

/// Waits, when dropped, for every page free the stores deferred past an RCU grace period.
///
/// Discards free pages with `call_rcu()`, whose callback is module text. Unloading waits
/// for a grace period, not for the callbacks queued before it (Documentation/RCU/
/// rcubarrier.rst), so the module must not go away until `rcu_barrier()` has run them.
/// Held by the module after everything that owns a store, so it drops last.
pub(crate) struct DeferredFrees(());

impl DeferredFrees {
    pub(crate) fn new() -> Self {
        Self(())
    }
}

impl Drop for DeferredFrees {
    fn drop(&mut self) {
        // SAFETY: called from module teardown, in process context, where sleeping is fine.
        unsafe { ffi::bindings::rcu_barrier() };
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.flush();
        // SAFETY: the last reference is gone, so no disk uses either xarray any more.
        unsafe {
            ffi::rnwblk_store_destroy(self.xa.get());
            ffi::rnwblk_store_destroy(self.saved.get());
        }
    }
}
