// SPDX-License-Identifier: GPL-2.0
//! What rnwblk does with a request: the nowait policy, fault injection, the budget, the data
//! transfer and the completion mode. Safe Rust over the request/store/worker wrappers.
//!
//! `queue_rq` runs in blk-mq's non-blocking dispatch context: nothing here sleeps, for any
//! request. What would sleep (a GFP_NOIO page allocation; serving a blocking request while
//! congested) goes to the device's worker for blocking requests; a REQ_NOWAIT request gets
//! BLK_STS_AGAIN instead, before it is started. So do a volatile cache's flushes (with pages
//! to forget), discards and write-zeroes, which may walk many pages.
//!
//! Only in the submitter's own dispatch, though (its plug flush or direct issue, as the
//! block layer's own refusals happen in submit_bio). A nowait request blk-mq dispatches
//! later, from kblockd (after a budget wait, with an I/O scheduler, with the queue busy) or
//! from interrupt context, is served as a blocking one: its submitter has moved on, and a
//! late AGAIN reaches it where it cannot retry — io_uring's first attempt is nowait even
//! when its user did not ask, and it retries an EAGAIN only in the submitting task
//! (io_rw_should_reissue), so its application would get EAGAIN for a plain read.

#![deny(unsafe_code)]

use crate::{
    counters::Counter,
    device::{Admit, Device},
    knobs::IrqMode,
    request,
    rnwk::block::{
        mq::{CompletionBatch, NewRequest, Op, Queued, Refusal, Request, Rq, Status},
        ram_store::{Alloc, Backing},
    },
};
use core::sync::atomic::Ordering::{Acquire, Relaxed};

/// True every `n`th time `seq` is bumped (never when `n == 0`).
fn every(seq: &core::sync::atomic::AtomicU64, n: u32) -> bool {
    n != 0 && (seq.fetch_add(1, Relaxed) + 1) % u64::from(n) == 0
}

/// Refuses a nowait request (not started yet): counted by cause, and not logged as an
/// I/O error, since AGAIN is what the submitter asked for.
fn again(dev: &Device, mut rq: NewRequest<'_>, cause: Counter) -> Queued {
    dev.counters.inc(cause);
    rq.set_quiet();
    rq.refuse(Refusal::Again)
}

/// `->queue_rq`. A refusal ends the (unstarted) request in blk-mq; `Resource` requeues it.
pub(crate) fn queue_rq(dev: &Device, rq: NewRequest<'_>) -> Queued {
    let knobs = &dev.knobs;

    if dev.power_cut.load(Acquire) {
        return rq.refuse(Refusal::IoErr); // volatile cache: the power went (see power_cut)
    }
    let mut nowait = rq.is_nowait();
    if nowait {
        dev.counters.inc(Counter::NowaitRequests);
        if request::dispatch_is_deferred() {
            dev.counters.inc(Counter::NowaitDeferred);
            nowait = false;
        }
    }
    if every(&dev.seq_all, knobs.fail_every()) {
        dev.counters.inc(Counter::EioInjected);
        return rq.refuse(Refusal::IoErr);
    }
    if nowait {
        if every(&dev.seq_nowait, knobs.again_every()) {
            return again(dev, rq, Counter::AgainInjected);
        }
        if knobs.congested() {
            return again(dev, rq, Counter::AgainCongested);
        }
    }
    match dev.budget.admit(knobs.max_inflight(), nowait) {
        Admit::Ok => {}
        Admit::Again => return again(dev, rq, Counter::AgainBudget),
        Admit::Wait => {
            // RESOURCE rather than DEV_RESOURCE: besides our rerun when a request ends,
            // blk-mq schedules its own, so a rerun racing the requeue cannot be lost.
            dev.counters.inc(Counter::BudgetWaits);
            return rq.refuse(Refusal::Resource);
        }
    }

    // A nowait write is written before the request starts (what a volatile cache must keep
    // saved first), so that one that would need a sleeping allocation fails unstarted,
    // having changed nothing. The attempt is the check: no separate lookup of the pages.
    let written = nowait && rq.op() == Op::Write;
    if nowait && !cache_nowait(dev, &rq) || written && !write_nowait(dev, &rq) {
        dev.release(rq.queue());
        return again(dev, rq, Counter::AgainAlloc);
    }

    request::count(&dev.counters, &rq);
    let (rq, queued) = rq.start();
    if written {
        finish(dev, rq, Status::Ok);
        return queued;
    }
    if !nowait && knobs.congested() {
        punt(dev, rq);
        return queued;
    }
    // Nowait requests other than writes never need to sleep: only blocking ones punt.
    match execute(dev, &rq, false) {
        Ok(status) => finish(dev, rq, status),
        Err(NeedsSleep) => punt(dev, rq),
    }
    queued
}

/// The allocation a nowait request may make: none, or (`nowait_alloc`) a non-sleeping one.
fn nowait_alloc(dev: &Device) -> Alloc {
    if dev.knobs.nowait_alloc() {
        Alloc::NoWait
    } else {
        Alloc::None
    }
}

/// Volatile cache: a nowait write saves what it changes, without a sleeping allocation; a
/// request only the worker serves (a flush with pages to forget, a discard or write-zeroes,
/// which may copy many) is refused. False: AGAIN.
fn cache_nowait(dev: &Device, rq: &Rq) -> bool {
    if !dev.cfg.volatile_cache {
        return true;
    }
    match rq.op() {
        Op::Write => dev
            .store
            .save(rq.pos(), rq.bytes().into(), nowait_alloc(dev)),
        Op::Flush => !dev.store.has_unflushed(),
        Op::Discard | Op::WriteZeroes => !dev.cfg.discard,
        _ => true,
    }
}

/// Volatile cache: saves what a write, discard or write-zeroes of [pos, pos+len) will change.
/// False: only a sleeping allocation can.
fn save(dev: &Device, pos: u64, len: u64, may_sleep: bool) -> bool {
    let alloc = if may_sleep {
        Alloc::NoIo
    } else {
        Alloc::NoWait
    };
    !dev.cfg.volatile_cache || dev.store.save(pos, len, alloc)
}

/// A nowait write, all or nothing: into the pages that exist, or (`nowait_alloc`) into
/// pages a non-sleeping allocation can get. False: nothing was written.
fn write_nowait(dev: &Device, rq: &Rq) -> bool {
    let store = &dev.store;
    if store.write(rq).is_ok() {
        return true;
    }
    dev.knobs.nowait_alloc()
        && matches!(
            store.backing(rq.pos(), rq.bytes().into(), false),
            Backing::Ready
        )
        && store.write(rq).is_ok()
}

/// Serving the request needs a sleeping allocation.
struct NeedsSleep;

/// Moves the data. `may_sleep` only in the worker.
fn execute(dev: &Device, rq: &Rq, may_sleep: bool) -> Result<Status, NeedsSleep> {
    let store = &dev.store;
    let (pos, len) = (rq.pos(), u64::from(rq.bytes()));
    match rq.op() {
        Op::Read => match store.read(rq) {
            Ok(()) => Ok(Status::Ok),
            Err(_) => Ok(Status::IoErr),
        },
        Op::Write => {
            if !save(dev, pos, len, may_sleep) {
                return if may_sleep {
                    Ok(Status::IoErr)
                } else {
                    Err(NeedsSleep)
                };
            }
            // Usually every page exists: one lookup per page. (Nowait writes are served in
            // `write_nowait`, before they start.)
            if store.write(rq).is_ok() {
                return Ok(Status::Ok);
            }
            // A page is missing: allocate (and then write it all).
            match store.backing(pos, len, may_sleep) {
                Backing::Ready => {}
                Backing::NeedsSleep if may_sleep => return Ok(Status::IoErr),
                Backing::NeedsSleep => return Err(NeedsSleep),
            }
            match store.write(rq) {
                Ok(()) => Ok(Status::Ok),
                Err(_) => Err(NeedsSleep),
            }
        }
        Op::Flush if !store.has_unflushed() => Ok(Status::Ok),
        // Forgetting what a volatile cache saved may take long: in the worker.
        Op::Flush if !may_sleep => Err(NeedsSleep),
        Op::Flush => {
            store.flush();
            Ok(Status::Ok)
        }
        Op::Discard | Op::WriteZeroes if dev.cfg.discard => {
            // A volatile cache may copy every page of a large range: in the worker.
            if dev.cfg.volatile_cache && !may_sleep {
                return Err(NeedsSleep);
            }
            if !save(dev, pos, len, may_sleep) {
                return Ok(Status::IoErr);
            }
            store.discard(pos, len);
            Ok(Status::Ok)
        }
        _ => Ok(Status::NotSupported),
    }
}

/// Hands a started blocking request to the worker, which may sleep.
fn punt(dev: &Device, rq: Request) {
    dev.counters.inc(Counter::Punted);
    rq.queue_work(&dev.worker);
}

/// The worker's half of a punted request (process context: may sleep).
pub(crate) fn run_punted(dev: &Device, rq: Request) {
    if dev.power_cut.load(Acquire) {
        return finish(dev, rq, Status::IoErr);
    }
    let status = match execute(dev, &rq, true) {
        Ok(status) => status,
        Err(NeedsSleep) => Status::IoErr, // a page vanished twice: give up
    };
    finish(dev, rq, status);
}

/// Delivers the completion the way the device is configured to: a request on a poll queue
/// waits for the poller, whatever `irqmode` says.
fn finish(dev: &Device, rq: Request, status: Status) {
    let Err(rq) = rq.into_poll_list(status) else {
        return;
    };
    match dev.knobs.irqmode() {
        IrqMode::Inline => end_now(dev, rq, status),
        IrqMode::Softirq => rq.complete(status),
        IrqMode::Timer => rq.complete_after(status, dev.knobs.completion_nsec()),
    }
}

/// Ends a started request: releases its budget, then completes it.
pub(crate) fn end_now(dev: &Device, rq: Request, status: Status) {
    dev.release(rq.queue());
    rq.end(status);
}

/// Ends a polled request through the poller's batch.
pub(crate) fn end_polled(
    dev: &Device,
    rq: Request,
    status: Status,
    batch: &mut CompletionBatch<'_>,
) {
    dev.release(rq.queue());
    dev.counters.inc(Counter::Polled);
    rq.end_in_batch(status, batch);
}
