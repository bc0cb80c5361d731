// SPDX-License-Identifier: GPL-2.0
//! The blk-mq driver interface: a driver implements [`Operations`]; rnwk turns it into a
//! constant `blk_mq_ops` table whose callbacks recover the typed handles from blk-mq's
//! pointers and call the driver's safe methods.

use super::{
    hw_ctx::HwCtx,
    request::{CompletionBatch, NewRequest, Pdu, Queued, Request, Status},
    rq_list::RqList,
    tag_set::TagSet,
};
use crate::rnwk::{bindings, c_table};
use core::{ffi::c_void, marker::PhantomData};
use kernel::prelude::*;

/// A blk-mq driver.
///
/// Every callback runs in a context blk-mq chooses: `queue_rq` in its non-blocking dispatch
/// (no sleeping), `complete` in softirq or timer (hardirq) context, `complete_polled` in the
/// poller's, `run_work` in a workqueue (may sleep).
pub(crate) trait Operations: Sized + 'static {
    /// What every callback gets: the data the tag set holds for its disks' queues.
    type QueueData: Send + Sync;

    /// A new request: refuse it, or start it and end it (now or later, through a
    /// [`Request`] method that hands it back to one of the methods below).
    fn queue_rq(data: &Self::QueueData, rq: NewRequest<'_>) -> Queued;

    /// A request given to [`Request::complete`] or [`Request::complete_after`], with the
    /// status it was given.
    fn complete(data: &Self::QueueData, rq: Request, status: Status);

    /// A request given to [`Request::queue_work`], in the worker.
    fn run_work(data: &Self::QueueData, rq: Request);

    /// A request given to [`Request::into_poll_list`], reaped by `->poll`.
    fn complete_polled(
        data: &Self::QueueData,
        rq: Request,
        status: Status,
        batch: &mut CompletionBatch<'_>,
    );
}

/// The `blk_mq_ops` of `T` ([`OperationsVTable::VTABLE`]) and its callbacks.
pub(super) struct OperationsVTable<T: Operations>(PhantomData<T>);

impl<T: Operations> OperationsVTable<T> {
    /// The driver data of `rq`'s queue.
    ///
    /// # Safety
    ///
    /// `rq` is a live request of a `TagSet<T>`, which keeps the data alive (its invariant:
    /// every queue on it has the tag set's `T::QueueData` as queue data) for `'a`.
    unsafe fn data<'a>(rq: *mut bindings::request) -> &'a T::QueueData {
        // SAFETY: per the contract.
        unsafe { &*(*(*rq).q).queuedata.cast::<T::QueueData>() }
    }

    /// `->queue_rq` for one request (from `queue_rq` or `queue_rqs`).
    ///
    /// # Safety
    ///
    /// `rq` is a request of a `TagSet<T>` that blk-mq hands to the driver, not started.
    unsafe fn queue_one(rq: *mut bindings::request) -> bindings::blk_status_t {
        // SAFETY: per the contract; the request is the driver's for this call (a
        // `NewRequest`), and keeps its queue's data alive.
        let (data, new) = unsafe { (Self::data(rq), NewRequest::from_raw(rq)) };
        T::queue_rq(data, new).0
    }

    /// # Safety
    ///
    /// Called by blk-mq on a queue of a `TagSet<T>`, with `bd->rq` handed to the driver.
    unsafe extern "C" fn queue_rq_callback(
        _hctx: *mut bindings::blk_mq_hw_ctx,
        bd: *const bindings::blk_mq_queue_data,
    ) -> bindings::blk_status_t {
        // SAFETY: per the contract.
        unsafe { Self::queue_one((*bd).rq) }
    }

    /// A plug list's worth of requests at once (what blk-mq prefers when it can: no
    /// per-request direct-issue round trip). Those refused with RESOURCE go back on the list,
    /// for blk-mq to issue one by one; other refusals end as blk-mq ends a `->queue_rq`
    /// error.
    ///
    /// # Safety
    ///
    /// Called by blk-mq with a plug list of requests of a `TagSet<T>`.
    unsafe extern "C" fn queue_rqs_callback(list: *mut bindings::rq_list) {
        // SAFETY: per the contract, blk-mq hands the list's requests to the driver.
        let mut todo = unsafe { RqList::take_raw(list) };
        let mut requeue = RqList::new();
        while let Some(rq) = todo.pop() {
            // SAFETY: a request blk-mq handed over, not started.
            let status = unsafe { Self::queue_one(rq) };
            match status {
                bindings::BLK_STS_OK => {}
                // SAFETY: refused, so still ours (never started): back to blk-mq.
                bindings::BLK_STS_RESOURCE | bindings::BLK_STS_DEV_RESOURCE => unsafe {
                    requeue.push_tail(rq)
                },
                // SAFETY: refused, so still ours: ended as blk-mq ends a failed ->queue_rq.
                _ => unsafe { bindings::blk_mq_end_request(rq, status) },
            }
        }
        // SAFETY: `list` was emptied by `take_raw`; the requeued requests go back to blk-mq.
        unsafe { requeue.give_raw(list) };
    }

    /// # Safety
    ///
    /// Called by blk-mq with a request given to `Request::complete`.
    unsafe extern "C" fn complete_callback(rq: *mut bindings::request) {
        // SAFETY: per the contract the request is ours again, started, with its status in
        // the PDU.
        let (data, rq) = unsafe { (Self::data(rq), Request::from_raw(rq)) };
        let status = rq.pdu_status();
        T::complete(data, rq, status);
    }

    /// # Safety
    ///
    /// Called by the hrtimer core with the timer of a request given to
    /// `Request::complete_after`.
    unsafe extern "C" fn timer_callback(
        timer: *mut bindings::hrtimer,
    ) -> bindings::hrtimer_restart {
        let rq = Pdu::request(Pdu::of_timer(timer));
        // SAFETY: per the contract the timer owned the request, which it now hands back.
        let (data, rq) = unsafe { (Self::data(rq), Request::from_raw(rq)) };
        let status = rq.pdu_status();
        T::complete(data, rq, status);
        bindings::hrtimer_restart_HRTIMER_NORESTART
    }

    /// # Safety
    ///
    /// Called by the workqueue with the work item of a request given to
    /// `Request::queue_work`.
    unsafe extern "C" fn work_callback(work: *mut bindings::work_struct) {
        let rq = Pdu::request(Pdu::of_work(work));
        // SAFETY: per the contract the worker owned the request, which it now hands back.
        let (data, rq) = unsafe { (Self::data(rq), Request::from_raw(rq)) };
        T::run_work(data, rq);
    }

    /// Reaps what the poll list holds; returns how many.
    ///
    /// # Safety
    ///
    /// Called by blk-mq with a set-up hardware queue of a `TagSet<T>` and the poller's batch.
    unsafe extern "C" fn poll_callback(
        hctx: *mut bindings::blk_mq_hw_ctx,
        iob: *mut bindings::io_comp_batch,
    ) -> i32 {
        // SAFETY: per the contract the hctx is set up; the batch is the poller's.
        let (hw, mut batch) = unsafe { (HwCtx::from_hctx(hctx), CompletionBatch::from_raw(iob)) };
        let mut taken = hw.take();
        let mut n = 0;
        while let Some(rq) = taken.pop() {
            // SAFETY: a request the poll list owned, now ours: marked complete (as
            // completed by polling, not by blk-mq's completion path), then handed back.
            let (data, rq) = unsafe {
                bindings::rnwk_blk_mq_set_request_complete(rq);
                (Self::data(rq), Request::from_raw(rq))
            };
            let status = rq.pdu_status();
            T::complete_polled(data, rq, status, &mut batch);
            n += 1;
        }
        n
    }

    /// # Safety
    ///
    /// Called by blk-mq with a `TagSet<T>`'s tag set.
    unsafe extern "C" fn map_queues_callback(set: *mut bindings::blk_mq_tag_set) {
        // SAFETY: per the contract.
        unsafe { TagSet::<T>::map_queues(set) };
    }

    /// # Safety
    ///
    /// Called by blk-mq once per hardware queue before it is used.
    unsafe extern "C" fn init_hctx_callback(
        hctx: *mut bindings::blk_mq_hw_ctx,
        _data: *mut c_void,
        _index: u32,
    ) -> i32 {
        match HwCtx::new() {
            Ok(hw) => {
                // SAFETY: never moved out of its allocation: `exit_hctx` turns the pointer
                // back into the box.
                let hw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(hw) });
                // SAFETY: the hctx is ours to set up.
                unsafe { (*hctx).driver_data = hw.cast() };
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by blk-mq once per hardware queue set up by `init_hctx`, with no request left
    /// on it.
    unsafe extern "C" fn exit_hctx_callback(hctx: *mut bindings::blk_mq_hw_ctx, _index: u32) {
        // SAFETY: stored by `init_hctx`; nothing uses the queue any more.
        drop(unsafe { KBox::from_raw((*hctx).driver_data.cast::<HwCtx>()) });
    }

    /// # Safety
    ///
    /// Called by blk-mq for each request of a `TagSet<T>` (whose `cmd_size` is a `Pdu`'s) as
    /// it is allocated.
    unsafe extern "C" fn init_request_callback(
        _set: *mut bindings::blk_mq_tag_set,
        rq: *mut bindings::request,
        _hctx_idx: u32,
        _numa_node: u32,
    ) -> i32 {
        // SAFETY: per the contract the PDU is ours to initialise.
        unsafe { Pdu::init(Pdu::of(rq), Self::timer_callback, Self::work_callback) };
        0
    }

    /// # Safety
    ///
    /// Called by blk-mq for each request initialised by `init_request`, as it is freed.
    unsafe extern "C" fn exit_request_callback(
        _set: *mut bindings::blk_mq_tag_set,
        rq: *mut bindings::request,
        _hctx_idx: u32,
    ) {
        // SAFETY: per the contract the PDU is initialised and no longer used.
        unsafe { core::ptr::drop_in_place(Pdu::of(rq)) };
    }

    pub(super) const VTABLE: bindings::blk_mq_ops = bindings::blk_mq_ops {
        queue_rq: Some(Self::queue_rq_callback),
        queue_rqs: Some(Self::queue_rqs_callback),
        complete: Some(Self::complete_callback),
        poll: Some(Self::poll_callback),
        map_queues: Some(Self::map_queues_callback),
        init_hctx: Some(Self::init_hctx_callback),
        exit_hctx: Some(Self::exit_hctx_callback),
        init_request: Some(Self::init_request_callback),
        exit_request: Some(Self::exit_request_callback),
        // SAFETY: an operation table; every other operation is optional (absent when zero).
        ..unsafe { c_table::zeroed() }
    };
}
