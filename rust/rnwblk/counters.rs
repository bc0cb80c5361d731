// SPDX-License-Identifier: GPL-2.0
//! Per-device counters, shown in debugfs `counters` as `name value` lines. Per CPU: the I/O
//! path adds to the submitting (or completing) CPU's copy without an atomic or a shared
//! cache line; a read sums the CPUs' copies (a sum, not a snapshot, like the block layer's
//! own statistics).

#![deny(unsafe_code)]

use crate::rnwk::percpu::PerCpuCounters;
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

pub(crate) struct Counters(PerCpuCounters<{ NAMES.len() }>);

impl Counters {
    pub(crate) fn new() -> Result<Self> {
        Ok(Self(PerCpuCounters::new()?))
    }

    /// Adds `n` to `c` and `m` to `d` in one call (a request and its bytes).
    pub(crate) fn add2(&self, c: Counter, n: u64, d: Counter, m: u64) {
        self.0.add2(c as usize, n, d as usize, m);
    }

    pub(crate) fn inc(&self, c: Counter) {
        self.0.add(c as usize, 1);
    }

    /// Every counter with its name, in a fixed order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        NAMES.iter().enumerate().map(|(i, n)| (*n, self.0.sum(i)))
    }
}
