// SPDX-License-Identifier: GPL-2.0
//! Per-device counters, shown in debugfs `counters` as `name value` lines. Per CPU: the I/O
//! path adds to the submitting (or completing) CPU's copy without an atomic or a shared
//! cache line; a read sums the CPUs' copies (a sum, not a snapshot, like the block layer's
//! own statistics).

use crate::ffi;
use core::ptr::NonNull;
use kernel::prelude::*;

/// What is counted. BLK_STS_AGAIN is counted by cause.
#[derive(Clone, Copy)]
pub(crate) enum Counter {
    Reads,
    Writes,
    ReadBytes,
    WriteBytes,
    Flushes,
    Discards,
    WriteZeroes,
    /// REQ_NOWAIT requests seen.
    NowaitRequests,
    /// REQ_NOWAIT requests dispatched outside their submitter, served as blocking ones.
    NowaitDeferred,
    /// A nowait write needed a backing page (strict policy, or a non-sleeping allocation failed).
    AgainAlloc,
    /// The in-flight budget was exhausted.
    AgainBudget,
    /// Injected congestion (`congested`).
    AgainCongested,
    /// Injected by `again_every`.
    AgainInjected,
    /// EIO injected by `fail_every`.
    EioInjected,
    /// Blocking requests handed to the worker (sleeping allocation, congestion).
    Punted,
    /// Blocking requests requeued until the budget had room.
    BudgetWaits,
    /// Requests completed by polling.
    Polled,
}

const NAMES: [&str; 17] = [
    "reads",
    "writes",
    "read_bytes",
    "write_bytes",
    "flushes",
    "discards",
    "write_zeroes",
    "nowait_requests",
    "nowait_deferred",
    "again_alloc",
    "again_budget",
    "again_congested",
    "again_injected",
    "eio_injected",
    "punted",
    "budget_waits",
    "polled",
];

pub(crate) struct Counters(NonNull<u64>);

// SAFETY: each CPU adds only to its own copy (this_cpu_add, safe in any context); readers sum.
unsafe impl Send for Counters {}
// SAFETY: as above.
unsafe impl Sync for Counters {}

impl Counters {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: allocates a zeroed per-CPU array of that many u64 (GFP_KERNEL).
        let c = unsafe { ffi::rnwblk_counters_alloc(NAMES.len() as u32) };
        NonNull::new(c).map(Self).ok_or(ENOMEM)
    }

    fn add(&self, c: Counter, n: u64) {
        // SAFETY: allocated in `new` with NAMES.len() entries; `c` indexes NAMES.
        unsafe { ffi::rnwblk_counter_add(self.0.as_ptr(), c as u32, n) };
    }

    /// `add(c, n)` and `add(d, m)` in one call (a request and its bytes).
    pub(crate) fn add2(&self, c: Counter, n: u64, d: Counter, m: u64) {
        // SAFETY: as in `add`.
        unsafe { ffi::rnwblk_counter_add2(self.0.as_ptr(), c as u32, n, d as u32, m) };
    }

    pub(crate) fn inc(&self, c: Counter) {
        self.add(c, 1);
    }

    /// Every counter with its name, in a fixed order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        NAMES.iter().enumerate().map(|(i, n)| {
            // SAFETY: as in `add`; `i < NAMES.len()`.
            (*n, unsafe {
                ffi::rnwblk_counter_sum(self.0.as_ptr(), i as u32)
            })
        })
    }
}

impl Drop for Counters {
    fn drop(&mut self) {
        // SAFETY: allocated in `new`; the device (and every user of the counters) is gone.
        unsafe { ffi::rnwblk_counters_free(self.0.as_ptr()) };
    }
}
