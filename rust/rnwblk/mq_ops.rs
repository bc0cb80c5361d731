// SPDX-License-Identifier: GPL-2.0
//! rnwblk's `blk_mq_ops`: each callback recovers the typed objects from blk-mq's pointers
//! and calls the safe policy in `dispatch`.

use crate::{
    device::Device,
    dispatch,
    ffi::{self, bindings},
    hw_queue::HwQueue,
    request::{pdu_of, Cmd, Request},
};
use core::ffi::c_void;
use kernel::prelude::*;

pub(crate) static OPS: bindings::blk_mq_ops = bindings::blk_mq_ops {
    queue_rq: Some(queue_rq),
    queue_rqs: Some(queue_rqs),
    complete: Some(complete),
    poll: Some(poll),
    map_queues: Some(map_queues),
    init_hctx: Some(init_hctx),
    exit_hctx: Some(exit_hctx),
    init_request: Some(init_request),
    // SAFETY: every other operation is optional; all-zero is "not provided".
    ..unsafe { core::mem::zeroed() }
};

/// The device a request is for.
fn device_of<'a>(rq: &Request) -> &'a Device {
    // SAFETY: the queue data is the Device, which outlives its disk and every request.
    unsafe { &*rq.queue_data().cast::<Device>() }
}

/// # Safety
/// `hctx` is a hardware context set up by `init_hctx`.
unsafe fn hw_queue<'a>(hctx: *mut bindings::blk_mq_hw_ctx) -> &'a HwQueue {
    // SAFETY: per the contract, driver_data is our HwQueue, live until `exit_hctx`.
    unsafe { &*(*hctx).driver_data.cast::<HwQueue>() }
}

unsafe extern "C" fn queue_rq(
    hctx: *mut bindings::blk_mq_hw_ctx,
    bd: *const bindings::blk_mq_queue_data,
) -> bindings::blk_status_t {
    // SAFETY: blk-mq passes a set-up hctx and a request that is now ours.
    unsafe { queue_one(hctx, (*bd).rq) }
}

/// A plug list's worth of requests at once (what blk-mq prefers when it can: no
/// per-request direct-issue round trip). Each request goes through `queue_one`.
unsafe extern "C" fn queue_rqs(list: *mut bindings::rq_list) {
    // SAFETY: blk-mq hands over its plug list; the helper calls `queue_one` with each
    // request and its (set-up) hctx, and leaves on the list only what it did not take.
    unsafe { ffi::rnwblk_queue_rqs(list, Some(queue_one)) }
}

/// `->queue_rq` for one request (from `queue_rq` or `queue_rqs`).
unsafe extern "C" fn queue_one(
    hctx: *mut bindings::blk_mq_hw_ctx,
    rq: *mut bindings::request,
) -> bindings::blk_status_t {
    // SAFETY: blk-mq passes a set-up hctx and a request that is now ours.
    let (hwq, rq) = unsafe { (hw_queue(hctx), Request::from_raw(rq)) };
    // SAFETY: as above; the type is set before the queue runs (blk_mq_map_swqueue).
    let polled = u32::from(unsafe { (*hctx).type_ }) == ffi::HCTX_TYPE_POLL;
    dispatch::queue_rq(device_of(&rq), polled.then(|| hwq.poll_list()), rq)
}

/// Softirq completion (`blk_mq_complete_request`).
unsafe extern "C" fn complete(rq: *mut bindings::request) {
    // SAFETY: blk-mq hands back a request we completed: ours again.
    let rq = unsafe { Request::from_raw(rq) };
    let status = rq.cmd().status();
    dispatch::end_now(device_of(&rq), rq, status);
}

unsafe extern "C" fn poll(
    hctx: *mut bindings::blk_mq_hw_ctx,
    iob: *mut bindings::io_comp_batch,
) -> i32 {
    // SAFETY: a set-up hctx.
    let hwq = unsafe { hw_queue(hctx) };
    let dev = hwq.device();
    hwq.poll_list()
        .reap(|rq| dispatch::end_polled(dev, rq, iob))
}

unsafe extern "C" fn map_queues(set: *mut bindings::blk_mq_tag_set) {
    // SAFETY: our tag set; its driver data is the Device.
    unsafe {
        let dev = &*(*set).driver_data.cast::<Device>();
        ffi::rnwblk_map_queues(set, dev.cfg.submit_queues, dev.cfg.poll_queues);
    }
}

unsafe extern "C" fn init_hctx(
    hctx: *mut bindings::blk_mq_hw_ctx,
    driver_data: *mut c_void,
    _index: u32,
) -> i32 {
    match HwQueue::new(driver_data.cast::<Device>()) {
        Ok(hwq) => {
            // SAFETY: the hctx is ours to set up; `exit_hctx` frees what we store.
            unsafe { (*hctx).driver_data = KBox::into_raw(hwq).cast() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

unsafe extern "C" fn exit_hctx(hctx: *mut bindings::blk_mq_hw_ctx, _index: u32) {
    // SAFETY: stored by `init_hctx`; no request uses the queue any more.
    unsafe { drop(KBox::from_raw((*hctx).driver_data.cast::<HwQueue>())) };
}

unsafe extern "C" fn init_request(
    _set: *mut bindings::blk_mq_tag_set,
    rq: *mut bindings::request,
    _hctx_idx: u32,
    _numa_node: u32,
) -> i32 {
    // SAFETY: a request of our tag set being set up: its PDU is ours to initialise.
    unsafe { Cmd::init(pdu_of(rq), timer_expired, punted_work) };
    0
}

/// Timer completion: the request's latency has passed.
unsafe extern "C" fn timer_expired(timer: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
    // SAFETY: the timer of a command whose request the timer owns (`complete_after`).
    let rq = unsafe { Request::from_cmd(Cmd::from_timer(timer)) };
    let status = rq.cmd().status();
    dispatch::end_now(device_of(&rq), rq, status);
    bindings::hrtimer_restart_HRTIMER_NORESTART
}

/// The worker runs a punted request.
unsafe extern "C" fn punted_work(work: *mut bindings::work_struct) {
    // SAFETY: the work item of a command whose request the worker owns (`punt`).
    let rq = unsafe { Request::from_cmd(Cmd::from_work(work)) };
    dispatch::run_punted(device_of(&rq), rq);
}
