// SPDX-License-Identifier: GPL-2.0
//! Per-CPU arrays of `u64` counters: added to on the running CPU without an atomic or a
//! shared cache line, summed over the CPUs when read (a sum, not a snapshot).

use super::bindings;
use core::ptr::NonNull;
use kernel::prelude::*;

/// `N` counters per CPU.
///
/// # Invariants
///
/// `ptr` is a per-CPU allocation of `N` `u64`s per CPU (`rnwk_percpu_u64_alloc(N)`), live
/// until `drop` frees it.
pub(crate) struct PerCpuCounters<const N: usize> {
    ptr: NonNull<u64>,
}

// SAFETY: each CPU adds only to its own copy (this_cpu_add, safe in any context); readers
// only sum. Nothing else is shared.
unsafe impl<const N: usize> Send for PerCpuCounters<N> {}
// SAFETY: as above: every method takes `&self` and is safe to call concurrently.
unsafe impl<const N: usize> Sync for PerCpuCounters<N> {}

impl<const N: usize> PerCpuCounters<N> {
    /// `N` zeroed counters (GFP_KERNEL: may sleep).
    pub(crate) fn new() -> Result<Self> {
        let n = u32::try_from(N).map_err(|_| EINVAL)?;
        // SAFETY: allocates a zeroed per-CPU array; any `n` is valid (NULL on failure).
        let ptr = unsafe { bindings::rnwk_percpu_u64_alloc(n) };
        // INVARIANT: a non-null result is an allocation of `N` u64s per CPU.
        NonNull::new(ptr).map(|ptr| Self { ptr }).ok_or(ENOMEM)
    }

    /// Adds `v` to counter `i` on this CPU; an index out of range adds nothing.
    pub(crate) fn add(&self, i: usize, v: u64) {
        if i < N {
            // SAFETY: by the type invariant `ptr` holds `N` counters per CPU; `i < N`.
            unsafe { bindings::rnwk_percpu_u64_add(self.ptr.as_ptr(), i as u32, v) };
        }
    }

    /// `add(i, v)` and `add(j, w)` in one call (the I/O path: a request and its bytes).
    pub(crate) fn add2(&self, i: usize, v: u64, j: usize, w: u64) {
        if i < N && j < N {
            // SAFETY: as in `add`; `i < N` and `j < N`.
            unsafe { bindings::rnwk_percpu_u64_add2(self.ptr.as_ptr(), i as u32, v, j as u32, w) };
        }
    }

    /// Counter `i` summed over every possible CPU (0 out of range).
    pub(crate) fn sum(&self, i: usize) -> u64 {
        if i >= N {
            return 0;
        }
        // SAFETY: as in `add`; `i < N`.
        unsafe { bindings::rnwk_percpu_u64_sum(self.ptr.as_ptr(), i as u32) }
    }
}

impl<const N: usize> Drop for PerCpuCounters<N> {
    fn drop(&mut self) {
        // SAFETY: by the type invariant `ptr` is live; `&mut self` means no user is left.
        unsafe { bindings::rnwk_percpu_u64_free(self.ptr.as_ptr()) };
    }
}
