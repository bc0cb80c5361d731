// SPDX-License-Identifier: GPL-2.0
//! The sparse backing store: pages allocated on first write, zeros where nothing was written.

use crate::ffi;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::{page::PAGE_SIZE, prelude::*, sync::Arc, types::Opaque};

/// A mapped piece of a request's data (one bio segment), valid while the segment callback
/// runs. Only ever copied with memcpy: user pages of O_DIRECT I/O may change underneath.
pub(crate) struct SegBuf {
    ptr: *mut u8,
    len: usize,
}

impl SegBuf {
    /// # Safety
    /// `ptr` must be valid for reads and writes of `len` bytes while the value lives.
    pub(crate) unsafe fn new(ptr: *mut u8, len: usize) -> Self {
        Self { ptr, len }
    }
}

/// Whether a write found its backing pages, and if not, what allocating them would take.
pub(crate) enum Backing {
    Ready,
    /// A page is missing and the caller may not allocate (nowait, strict policy).
    Missing,
    /// A page is missing and a non-sleeping allocation failed: only a sleeping one can help.
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

    /// Splits [pos, pos+len) at page boundaries: f(pos, offset into the range, chunk).
    fn chunks(pos: u64, len: usize, mut f: impl FnMut(u64, usize, usize) -> Result) -> Result {
        let mut done = 0;
        while done < len {
            let at = pos + done as u64;
            let chunk = (PAGE_SIZE - (at as usize % PAGE_SIZE)).min(len - done);
            f(at, done, chunk)?;
            done += chunk;
        }
        Ok(())
    }

    pub(crate) fn read(&self, pos: u64, seg: &SegBuf) {
        let _ = Self::chunks(pos, seg.len, |at, off, n| {
            // SAFETY: `seg` is valid for `len` bytes and `off + n <= len`; `at..at+n` lies
            // in one page, as the C side requires.
            unsafe { ffi::rnwblk_store_read(self.xa.get(), at, seg.ptr.add(off).cast(), n as u32) };
            Ok(())
        });
    }

    /// Copies into existing pages; callers make sure they exist (see [`Self::backing`]).
    pub(crate) fn write(&self, pos: u64, seg: &SegBuf) -> Result {
        Self::chunks(pos, seg.len, |at, off, n| {
            // SAFETY: as in `read`.
            let ret = unsafe {
                ffi::rnwblk_store_write(self.xa.get(), at, seg.ptr.add(off).cast(), n as u32)
            };
            kernel::error::to_result(ret)
        })
    }

    /// Makes sure [pos, pos+len) has pages. `may_alloc`: allocate without sleeping;
    /// `may_sleep`: allocate with a sleeping allocator (worker context only).
    pub(crate) fn backing(&self, pos: u64, len: u64, may_alloc: bool, may_sleep: bool) -> Backing {
        let first = pos / PAGE_SIZE as u64;
        let last = (pos + len.max(1) - 1) / PAGE_SIZE as u64;
        for page in first..=last {
            let at = page * PAGE_SIZE as u64;
            // SAFETY: the xarray is initialised and lives as long as `self`.
            if unsafe { ffi::rnwblk_store_present(self.xa.get(), at) } {
                continue;
            }
            if !may_alloc {
                return Backing::Missing;
            }
            // SAFETY: as above; `may_sleep` is only true in the worker (process context).
            match unsafe { ffi::rnwblk_store_populate(self.xa.get(), at, may_sleep) } {
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
