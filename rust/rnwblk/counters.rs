// SPDX-License-Identifier: GPL-2.0
//! Per-device counters, shown in debugfs `counters` as `name value` lines.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

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

const NAMES: [&str; 16] = [
    "reads",
    "writes",
    "read_bytes",
    "write_bytes",
    "flushes",
    "discards",
    "write_zeroes",
    "nowait_requests",
    "again_alloc",
    "again_budget",
    "again_congested",
    "again_injected",
    "eio_injected",
    "punted",
    "budget_waits",
    "polled",
];

#[derive(Default)]
pub(crate) struct Counters([AtomicU64; NAMES.len()]);

impl Counters {
    pub(crate) fn add(&self, c: Counter, n: u64) {
        self.0[c as usize].fetch_add(n, Relaxed);
    }

    pub(crate) fn inc(&self, c: Counter) {
        self.add(c, 1);
    }

    /// Every counter with its name, in a fixed order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        NAMES.iter().zip(self.0.iter()).map(|(n, v)| (*n, v.load(Relaxed)))
    }
}
