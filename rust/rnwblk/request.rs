// SPDX-License-Identifier: GPL-2.0
//! What rnwblk reads from a request beyond its data: the context it is dispatched in, and
//! what it counts as.

#![deny(unsafe_code)]

use crate::{
    counters::{Counter, Counters},
    rnwk::{
        block::mq::{Op, Rq},
        task,
    },
};

/// Whether this `->queue_rq` call runs outside the submitter: blk-mq dispatching from
/// kblockd (a rerun, a requeue, an async run: a workqueue worker) or from interrupt or
/// softirq context. The test is on the context, not the task: a request that another
/// task's synchronous queue run dispatches still counts as its submitter's.
pub(crate) fn dispatch_is_deferred() -> bool {
    !task::in_task() || task::current_is_workqueue_worker()
}

/// Counts a request about to start, by operation (and bytes).
pub(crate) fn count(c: &Counters, rq: &Rq) {
    match rq.op() {
        Op::Read => c.add2(Counter::Reads, 1, Counter::ReadBytes, rq.bytes().into()),
        Op::Write => c.add2(Counter::Writes, 1, Counter::WriteBytes, rq.bytes().into()),
        Op::Flush => c.inc(Counter::Flushes),
        Op::Discard => c.inc(Counter::Discards),
        Op::WriteZeroes => c.inc(Counter::WriteZeroes),
        Op::Other => {}
    }
}
