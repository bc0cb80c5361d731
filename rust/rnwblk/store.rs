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

pub(crate) struct Store {
    xa: KBox<Opaque<ffi::bindings::xarray>>,
    pages: AtomicU64,
}

// SAFETY: the xarray does its own locking (xa_lock, RCU for readers).
unsafe impl Send for Store {}
// SAFETY: as above; every method takes `&self` and the C side synchronises.
unsafe impl Sync for Store {}

impl Store {
    pub(crate) fn new() -> Result<Arc<Self>> {
        let xa = KBox::new(Opaque::uninit(), GFP_KERNEL)?;
        // SAFETY: the xarray sits in its final (boxed) place and is initialised once here.
        unsafe { ffi::rnwblk_store_init(xa.get()) };
        Ok(Arc::new(Self { xa, pages: AtomicU64::new(0) }, GFP_KERNEL)?)
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
            match unsafe { ffi::rnwblk_store_populate(self.xa.get(), page * PAGE_SIZE as u64, may_sleep) } {
                1 => {
                    self.pages.fetch_add(1, Relaxed);
                }
                0 => {}
                _ => return Backing::NeedsSleep,
            }
        }
        Backing::Ready
    }

    /// Discard and write-zeroes: zero the range, free the pages it covers whole.
    pub(crate) fn discard(&self, pos: u64, len: u64) {
        // SAFETY: the xarray is initialised and lives as long as `self`.
        let freed = unsafe { ffi::rnwblk_store_discard(self.xa.get(), pos, len) };
        self.pages.fetch_sub(freed as u64, Relaxed);
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // SAFETY: the last reference is gone, so no disk uses the store any more.
        unsafe { ffi::rnwblk_store_destroy(self.xa.get()) };
    }
}
