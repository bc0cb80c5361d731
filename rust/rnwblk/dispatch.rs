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

use crate::{
    config::IrqMode,
    counters::Counter,
    device::{Admit, Device},
    ffi::{self, BlkStatus},
    hw_queue::PollList,
    request::{self, Request},
    store::{Alloc, Backing},
};
use core::sync::atomic::Ordering::{Acquire, Relaxed};

/// True every `n`th time `seq` is bumped (never when `n == 0`).
fn every(seq: &core::sync::atomic::AtomicU64, n: u32) -> bool {
    n != 0 && (seq.fetch_add(1, Relaxed) + 1) % u64::from(n) == 0
}

/// Refuses a nowait request (not started yet): counted by cause, and not logged as an
/// I/O error, since AGAIN is what the submitter asked for.
fn again(dev: &Device, rq: &Request, cause: Counter) -> BlkStatus {
    dev.counters.inc(cause);
    rq.set_quiet();
    ffi::BLK_STS_AGAIN
}

/// `->queue_rq`. `poll_list` is the queue's list if it is a poll queue. A status other
/// than OK ends the (unstarted) request in blk-mq; BLK_STS_RESOURCE requeues it.
pub(crate) fn queue_rq(dev: &Device, poll_list: Option<&PollList>, rq: Request) -> BlkStatus {
    let knobs = &dev.knobs;

    if dev.power_cut.load(Acquire) {
        return ffi::BLK_STS_IOERR; // volatile cache: the power went (see power_cut)
    }
    let mut nowait = rq.nowait();
    if nowait {
        dev.counters.inc(Counter::NowaitRequests);
        if request::dispatch_is_deferred() {
            dev.counters.inc(Counter::NowaitDeferred);
            nowait = false;
        }
    }
    if every(&dev.seq_all, knobs.fail_every()) {
        dev.counters.inc(Counter::EioInjected);
        return ffi::BLK_STS_IOERR;
    }
    if nowait {
        if every(&dev.seq_nowait, knobs.again_every()) {
            return again(dev, &rq, Counter::AgainInjected);
        }
        if knobs.congested() {
            return again(dev, &rq, Counter::AgainCongested);
        }
    }
    match dev.budget.admit(knobs.max_inflight(), nowait) {
        Admit::Ok => {}
        Admit::Again => return again(dev, &rq, Counter::AgainBudget),
        Admit::Wait => {
            // RESOURCE rather than DEV_RESOURCE: besides our rerun when a request ends,
            // blk-mq schedules its own, so a rerun racing the requeue cannot be lost.
            dev.counters.inc(Counter::BudgetWaits);
            return ffi::BLK_STS_RESOURCE;
        }
    }

    // A nowait write is written before the request starts (what a volatile cache must keep
    // saved first), so that one that would need a sleeping allocation fails unstarted,
    // having changed nothing. The attempt is the check: no separate lookup of the pages.
    let written = nowait && rq.op() == ffi::REQ_OP_WRITE;
    if nowait && !cache_nowait(dev, &rq) || written && !write_nowait(dev, &rq) {
        release(dev);
        return again(dev, &rq, Counter::AgainAlloc);
    }

    count(dev, &rq);
    rq.start();
    rq.cmd().set_poll_list(poll_list);
    if written {
        finish(dev, rq, ffi::BLK_STS_OK);
        return ffi::BLK_STS_OK;
    }
    if !nowait && knobs.congested() {
        return punt(dev, rq);
    }
    // Nowait requests other than writes never need to sleep: only blocking ones punt.
    match execute(dev, &rq, false) {
        Ok(status) => finish(dev, rq, status),
        Err(NeedsSleep) => return punt(dev, rq),
    }
    ffi::BLK_STS_OK
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
fn cache_nowait(dev: &Device, rq: &Request) -> bool {
    if !dev.cfg.volatile_cache {
        return true;
    }
    match rq.op() {
        ffi::REQ_OP_WRITE => dev
            .store
            .save(rq.pos(), rq.bytes().into(), nowait_alloc(dev)),
        ffi::REQ_OP_FLUSH => !dev.store.has_unflushed(),
        ffi::REQ_OP_DISCARD | ffi::REQ_OP_WRITE_ZEROES => !dev.cfg.discard,
        _ => true,
    }
}

/// Volatile cache: saves what a write, discard or write-zeroes of [pos, pos+len) will change.
/// False: only a sleeping allocation can.
fn save(dev: &Device, pos: u64, len: u64, may_sleep: bool) -> bool {
    !dev.cfg.volatile_cache
        || dev.store.save(
            pos,
            len,
            if may_sleep {
                Alloc::NoIo
            } else {
                Alloc::NoWait
            },
        )
}

/// A nowait write, all or nothing: into the pages that exist, or (`nowait_alloc`) into
/// pages a non-sleeping allocation can get. False: nothing was written.
fn write_nowait(dev: &Device, rq: &Request) -> bool {
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

fn count(dev: &Device, rq: &Request) {
    let c = &dev.counters;
    match rq.op() {
        ffi::REQ_OP_READ => c.add2(Counter::Reads, 1, Counter::ReadBytes, rq.bytes().into()),
        ffi::REQ_OP_WRITE => c.add2(Counter::Writes, 1, Counter::WriteBytes, rq.bytes().into()),
        ffi::REQ_OP_FLUSH => c.inc(Counter::Flushes),
        ffi::REQ_OP_DISCARD => c.inc(Counter::Discards),
        ffi::REQ_OP_WRITE_ZEROES => c.inc(Counter::WriteZeroes),
        _ => {}
    }
}

/// Serving the request needs a sleeping allocation.
struct NeedsSleep;

/// Moves the data. `may_sleep` only in the worker.
fn execute(dev: &Device, rq: &Request, may_sleep: bool) -> Result<BlkStatus, NeedsSleep> {
    let store = &dev.store;
    let (pos, len) = (rq.pos(), u64::from(rq.bytes()));
    match rq.op() {
        ffi::REQ_OP_READ => {
            store.read(rq);
            Ok(ffi::BLK_STS_OK)
        }
        ffi::REQ_OP_WRITE => {
            if !save(dev, pos, len, may_sleep) {
                return if may_sleep {
                    Ok(ffi::BLK_STS_IOERR)
                } else {
                    Err(NeedsSleep)
                };
            }
            // Usually every page exists: one lookup per page. (Nowait writes are served in
            // `write_nowait`, before they start.)
            if store.write(rq).is_ok() {
                return Ok(ffi::BLK_STS_OK);
            }
            // A page is missing: allocate (and then write it all).
            match store.backing(pos, len, may_sleep) {
                Backing::Ready => {}
                Backing::NeedsSleep if may_sleep => return Ok(ffi::BLK_STS_IOERR),
                Backing::NeedsSleep => return Err(NeedsSleep),
            }
            match store.write(rq) {
                Ok(()) => Ok(ffi::BLK_STS_OK),
                Err(_) => Err(NeedsSleep),
            }
        }
        ffi::REQ_OP_FLUSH if !store.has_unflushed() => Ok(ffi::BLK_STS_OK),
        // Forgetting what a volatile cache saved may take long: in the worker.
        ffi::REQ_OP_FLUSH if !may_sleep => Err(NeedsSleep),
        ffi::REQ_OP_FLUSH => {
            store.flush();
            Ok(ffi::BLK_STS_OK)
        }
        ffi::REQ_OP_DISCARD | ffi::REQ_OP_WRITE_ZEROES if dev.cfg.discard => {
            // A volatile cache may copy every page of a large range: in the worker.
            if dev.cfg.volatile_cache && !may_sleep {
                return Err(NeedsSleep);
            }
            if !save(dev, pos, len, may_sleep) {
                return Ok(ffi::BLK_STS_IOERR);
            }
            store.discard(pos, len);
            Ok(ffi::BLK_STS_OK)
        }
        _ => Ok(ffi::BLK_STS_NOTSUPP),
    }
}

/// Hands a started blocking request to the worker, which may sleep.
fn punt(dev: &Device, rq: Request) -> BlkStatus {
    dev.counters.inc(Counter::Punted);
    let cmd: *const _ = rq.cmd();
    let _ = rq.into_raw(); // the worker owns it now
                           // SAFETY: the command belongs to the request the worker now owns.
    dev.worker.queue(unsafe { &*cmd });
    ffi::BLK_STS_OK
}

/// The worker's half of a punted request (process context: may sleep).
pub(crate) fn run_punted(dev: &Device, rq: Request) {
    if dev.power_cut.load(Acquire) {
        return finish(dev, rq, ffi::BLK_STS_IOERR);
    }
    let status = match execute(dev, &rq, true) {
        Ok(status) => status,
        Err(NeedsSleep) => ffi::BLK_STS_IOERR, // a page vanished twice: give up
    };
    finish(dev, rq, status);
}

/// Delivers the completion the way the device is configured to.
fn finish(dev: &Device, rq: Request, status: BlkStatus) {
    rq.cmd().set_status(status);
    if let Some(list) = rq.cmd().poll_list() {
        list.add(rq);
        return;
    }
    match dev.knobs.irqmode() {
        IrqMode::Inline => end_now(dev, rq, status),
        IrqMode::Softirq => rq.complete_softirq(),
        IrqMode::Timer => rq.complete_after(dev.knobs.completion_nsec()),
    }
}

/// Ends a started request: releases its budget, then completes it.
pub(crate) fn end_now(dev: &Device, rq: Request, status: BlkStatus) {
    release(dev);
    rq.end(status);
}

/// Ends a polled request through the poller's batch.
pub(crate) fn end_polled(dev: &Device, rq: Request, iob: *mut ffi::bindings::io_comp_batch) {
    release(dev);
    dev.counters.inc(Counter::Polled);
    rq.end_polled(iob);
}

fn release(dev: &Device) {
    if dev.budget.release() {
        dev.rerun_queues();
    }
}
