// SPDX-License-Identifier: GPL-2.0
//! blk-mq requests as typed handles:
//!
//! - [`Rq`], a borrowed view of a request the driver owns: what it asks for;
//! - [`NewRequest`], what `queue_rq` gets: refused (a status for blk-mq; the request never
//!   started) or started into a
//! - [`Request`], owned and started, which must be ended exactly once: consumed by
//!   [`Request::end`], [`Request::complete`], [`Request::complete_after`] (a timer),
//!   [`Request::queue_work`] (a worker), [`Request::into_poll_list`] or
//!   [`Request::end_in_batch`]. The deferred ones come back to the driver as a `Request`
//!   again, through its [`Operations`](super::Operations).
//!
//! Each request carries rnwk's [`Pdu`] (the tag set's `cmd_size`): the timer, the work item
//! and the status of a deferred completion.

use super::hw_ctx::HwCtx;
use crate::rnwk::{
    bindings,
    block::request_queue::RequestQueue,
    time::{HrTimer, HrTimerFn},
    workqueue::{Work, WorkFn, Workqueue},
};
use core::{
    marker::PhantomData,
    ops::Deref,
    ptr::NonNull,
    sync::atomic::{AtomicU8, Ordering::Relaxed},
};
use kernel::{prelude::*, types::Opaque};

/// What a request asks for (`req_op`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Read,
    Write,
    Flush,
    Discard,
    WriteZeroes,
    /// Anything else (zone management, driver-private operations).
    Other,
}

/// The status a request ends with (`blk_status_t`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Ok,
    /// `BLK_STS_NOTSUPP`: the operation is not supported.
    NotSupported,
    /// `BLK_STS_IOERR`.
    IoErr,
    /// `BLK_STS_AGAIN`: would block, and the submitter asked not to (`REQ_NOWAIT`).
    Again,
}

impl Status {
    fn to_raw(self) -> bindings::blk_status_t {
        match self {
            Self::Ok => bindings::BLK_STS_OK,
            Self::NotSupported => bindings::BLK_STS_NOTSUPP,
            Self::IoErr => bindings::BLK_STS_IOERR,
            Self::Again => bindings::BLK_STS_AGAIN,
        }
    }

    /// Only `to_raw` values are stored in a PDU; anything else reads as an I/O error.
    fn from_raw(raw: bindings::blk_status_t) -> Self {
        match raw {
            bindings::BLK_STS_OK => Self::Ok,
            bindings::BLK_STS_NOTSUPP => Self::NotSupported,
            bindings::BLK_STS_AGAIN => Self::Again,
            _ => Self::IoErr,
        }
    }
}

/// Why `queue_rq` refuses a request, which then never started.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// blk-mq ends the request with `BLK_STS_IOERR`.
    IoErr,
    /// blk-mq ends the request with `BLK_STS_AGAIN`.
    Again,
    /// `BLK_STS_RESOURCE`: blk-mq requeues the request and runs the queue again later.
    Resource,
}

/// rnwk's part of every request (`blk_mq_rq_to_pdu`).
///
/// # Invariants
///
/// Initialised by `init_request` (timer and work item with rnwk's callbacks for the tag
/// set's `Operations`), dropped by `exit_request`. `timer` is first: the timer callback
/// finds the PDU at the timer's address.
#[repr(C)]
pub(super) struct Pdu {
    timer: HrTimer,
    work: Work,
    /// The status a deferred completion (softirq, timer, poll) ends the request with.
    status: AtomicU8,
}

impl Pdu {
    /// Initialises the PDU of a request being set up.
    ///
    /// # Safety
    ///
    /// `pdu` is the PDU of a request in `init_request`: valid for writes, not in use.
    pub(super) unsafe fn init(pdu: *mut Self, timer_fn: HrTimerFn, work_fn: WorkFn) {
        // SAFETY: per the contract the PDU is ours to initialise, in its final place.
        unsafe {
            HrTimer::init(core::ptr::addr_of_mut!((*pdu).timer), timer_fn);
            Work::init(core::ptr::addr_of_mut!((*pdu).work), work_fn);
            core::ptr::addr_of_mut!((*pdu).status).write(AtomicU8::new(0));
        }
    }

    /// The PDU of `rq`: it sits right behind the request (`blk_mq_rq_to_pdu`, in place
    /// rather than a call per use on the I/O path).
    pub(super) fn of(rq: *mut bindings::request) -> *mut Self {
        rq.wrapping_add(1).cast()
    }

    /// The request of `pdu` (`blk_mq_rq_from_pdu`).
    pub(super) fn request(pdu: *mut Self) -> *mut bindings::request {
        pdu.cast::<bindings::request>().wrapping_sub(1)
    }

    /// The PDU that embeds `timer`: its first field (type invariant).
    pub(super) fn of_timer(timer: *mut bindings::hrtimer) -> *mut Self {
        timer.cast()
    }

    /// The PDU that embeds `work`.
    pub(super) fn of_work(work: *mut bindings::work_struct) -> *mut Self {
        work.cast::<u8>()
            .wrapping_sub(core::mem::offset_of!(Pdu, work))
            .cast()
    }

    /// The status a deferred completion was given.
    pub(super) fn status(&self) -> Status {
        Status::from_raw(self.status.load(Relaxed))
    }

    fn set_status(&self, status: Status) {
        self.status.store(status.to_raw(), Relaxed);
    }
}

/// A request the driver owns, seen through a shared reference: what it asks for.
///
/// # Invariants
///
/// For the lifetime of the reference, the request is live, belongs to a tag set made by
/// [`TagSet`](super::TagSet) (so its PDU is an initialised [`Pdu`] and its queue's data is
/// the tag set's `Operations::QueueData`), and is owned by the driver: blk-mq handed it to
/// `queue_rq` and takes it back only when the driver ends it (or refuses it). Only the
/// owner writes the fields read here.
#[repr(transparent)]
pub(crate) struct Rq(Opaque<bindings::request>);

impl Rq {
    /// # Safety
    ///
    /// `ptr` satisfies the type invariants for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::request) -> &'a Self {
        // SAFETY: `Rq` is a transparent wrapper; the caller vouches for the rest.
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The raw request, for the layer's C (the page store copies its data).
    pub(crate) fn as_ptr(&self) -> *mut bindings::request {
        self.0.get()
    }

    // The accessors below read the fields the block layer's static inlines read
    // (blk_rq_pos, blk_rq_bytes, req_op, ...) in place, through bindgen's layout: they run
    // several times per request, and an out-of-line C call for each was a measurable part
    // of the submission path.

    /// What the request asks for.
    pub(crate) fn op(&self) -> Op {
        // SAFETY: the request is live and its flags are not changed while the driver owns
        // it (type invariant).
        let op = unsafe { (*self.as_ptr()).cmd_flags } & bindings::REQ_OP_MASK;
        match op {
            bindings::REQ_OP_READ => Op::Read,
            bindings::REQ_OP_WRITE => Op::Write,
            bindings::REQ_OP_FLUSH => Op::Flush,
            bindings::REQ_OP_DISCARD => Op::Discard,
            bindings::REQ_OP_WRITE_ZEROES => Op::WriteZeroes,
            _ => Op::Other,
        }
    }

    /// `REQ_NOWAIT`: the submitter asked for `BLK_STS_AGAIN` rather than any wait.
    pub(crate) fn is_nowait(&self) -> bool {
        // SAFETY: as in `op`.
        unsafe { (*self.as_ptr()).cmd_flags & bindings::REQ_NOWAIT != 0 }
    }

    /// Byte offset on the device.
    pub(crate) fn pos(&self) -> u64 {
        // SAFETY: as in `op`.
        unsafe { (*self.as_ptr()).__sector << bindings::SECTOR_SHIFT }
    }

    /// Bytes of data.
    pub(crate) fn bytes(&self) -> u32 {
        // SAFETY: as in `op`.
        unsafe { (*self.as_ptr()).__data_len }
    }

    /// Whether the request was submitted on a poll queue (`HCTX_TYPE_POLL`).
    pub(crate) fn on_poll_queue(&self) -> bool {
        // SAFETY: a live request has a live hardware queue, whose type is set before the
        // queue runs (blk_mq_map_swqueue).
        u32::from(unsafe { (*(*self.as_ptr()).mq_hctx).type_ }) == bindings::HCTX_TYPE_POLL
    }

    /// The queue the request is on.
    pub(crate) fn queue(&self) -> &RequestQueue {
        // SAFETY: the queue outlives its live requests; the borrow cannot outlive `self`.
        unsafe { RequestQueue::from_raw((*self.as_ptr()).q) }
    }

    /// The status a deferred completion was given.
    pub(super) fn pdu_status(&self) -> Status {
        self.pdu().status()
    }

    fn pdu(&self) -> &Pdu {
        // SAFETY: the PDU of a request of an rnwk tag set is initialised and lives as long
        // as the request (type invariant); it is only used through `&`.
        unsafe { &*Pdu::of(self.as_ptr()) }
    }
}

/// The value `queue_rq` returns to blk-mq, only made by [`NewRequest::refuse`] and
/// [`NewRequest::start`]: a request is either refused or started, never left as it came.
#[must_use]
pub(crate) struct Queued(pub(super) bindings::blk_status_t);

/// A request `queue_rq` got and has not started.
///
/// # Invariants
///
/// `rq` is the request of a `queue_rq` call in progress (the lifetime), owned by the
/// driver and not started.
pub(crate) struct NewRequest<'a> {
    rq: &'a Rq,
}

impl<'a> NewRequest<'a> {
    /// # Safety
    ///
    /// `rq` satisfies the type invariants (of [`Rq`] and of `NewRequest`) for `'a`.
    pub(super) unsafe fn from_raw(rq: *mut bindings::request) -> Self {
        // SAFETY: per the contract.
        let rq = unsafe { Rq::from_raw(rq) };
        Self { rq }
    }

    /// Ends the request without a kernel log line when refused (for `BLK_STS_AGAIN`, blk-mq
    /// would log a "nonblocking retry error").
    pub(crate) fn set_quiet(&mut self) {
        // SAFETY: the request is ours and not started (type invariant): nobody else writes
        // its flags.
        unsafe { (*self.rq.as_ptr()).rq_flags |= bindings::RQF_QUIET };
    }

    /// Refuses the request: blk-mq ends it (or requeues it, [`Refusal::Resource`]) with that
    /// status. It never started, so nothing of it happened.
    pub(crate) fn refuse(self, why: Refusal) -> Queued {
        Queued(match why {
            Refusal::IoErr => bindings::BLK_STS_IOERR,
            Refusal::Again => bindings::BLK_STS_AGAIN,
            Refusal::Resource => bindings::BLK_STS_RESOURCE,
        })
    }

    /// Starts the request: the driver owns it until it ends it, through the returned token.
    pub(crate) fn start(self) -> (Request, Queued) {
        let rq = self.rq.as_ptr();
        // SAFETY: the request is live, ours and not started (type invariant).
        unsafe { bindings::blk_mq_start_request(rq) };
        // SAFETY: started just above; this `NewRequest` is consumed, so the token is the
        // only handle on it.
        (
            unsafe { Request::from_raw(rq) },
            Queued(bindings::BLK_STS_OK),
        )
    }
}

impl Deref for NewRequest<'_> {
    type Target = Rq;
    fn deref(&self) -> &Rq {
        self.rq
    }
}

/// A started request the driver owns and must end exactly once.
///
/// # Invariants
///
/// `rq` satisfies [`Rq`]'s invariants, is started, and this is the only handle on it: it is
/// ended, or handed to something that gives it back as a `Request` (the timer, the worker,
/// the poll list, blk-mq's completion), only by a method that consumes `self`.
#[must_use = "a started request must be ended exactly once"]
pub(crate) struct Request {
    rq: NonNull<Rq>,
    /// Not `Sync`: the owner alone uses the request.
    _not_sync: PhantomData<core::cell::Cell<()>>,
}

// SAFETY: a request may be ended or handed on from any context; ownership moves with the
// token.
unsafe impl Send for Request {}

impl Request {
    /// # Safety
    ///
    /// `rq` satisfies the type invariants, and the caller gives up its ownership.
    pub(super) unsafe fn from_raw(rq: *mut bindings::request) -> Self {
        // SAFETY: a live request (the contract) is not null.
        let rq = unsafe { NonNull::new_unchecked(rq.cast()) };
        Self {
            rq,
            _not_sync: PhantomData,
        }
    }

    /// Gives up ownership (to blk-mq, a timer, the worker or a poll list).
    fn into_raw(self) -> *mut bindings::request {
        let rq = self.as_ptr();
        core::mem::forget(self);
        rq
    }

    /// Ends the request now, with `status`.
    pub(crate) fn end(self, status: Status) {
        let rq = self.into_raw();
        // SAFETY: a started request we owned (type invariant); ending gives it back.
        unsafe { bindings::blk_mq_end_request(rq, status.to_raw()) };
    }

    /// Completes the request through blk-mq's completion path (the softirq, or an IPI to the
    /// submitting CPU): the tag set's `Operations::complete` gets it back, with `status`.
    pub(crate) fn complete(self, status: Status) {
        self.pdu().set_status(status);
        let rq = self.into_raw();
        // SAFETY: a started request we owned; blk-mq calls rnwk's `->complete` with it, which
        // makes it a `Request` again.
        unsafe { bindings::blk_mq_complete_request(rq) };
    }

    /// Hands the request to its timer: `nsec` from now, `Operations::complete` gets it back
    /// with `status`.
    pub(crate) fn complete_after(self, status: Status, nsec: u64) {
        self.pdu().set_status(status);
        let timer: *const HrTimer = &self.pdu().timer;
        let _ = self.into_raw();
        // SAFETY: the timer was initialised by `init_request` and is idle: it is armed only
        // here, by the request's single owner, and disarms by firing. The request (and so
        // the PDU) stays live until the timer's callback ends it.
        unsafe { (*timer).start(nsec) };
    }

    /// Hands the request to `wq`: `Operations::run_work` gets it back in process context.
    pub(crate) fn queue_work(self, wq: &Workqueue) {
        let work: *const Work = &self.pdu().work;
        let _ = self.into_raw();
        // SAFETY: the work item was initialised by `init_request` and is not pending: it is
        // queued only here, by the request's single owner. The request stays live until the
        // work function ends it; destroying `wq` first runs what is queued.
        unsafe { wq.queue(&*work) };
    }

    /// On a poll queue, holds the request until `->poll` reaps it, which gives it to
    /// `Operations::complete_polled` with `status`. Elsewhere gives the request back.
    pub(crate) fn into_poll_list(self, status: Status) -> Result<(), Self> {
        if !self.on_poll_queue() {
            return Err(self);
        }
        self.pdu().set_status(status);
        // SAFETY: the request's hardware queue was set up by rnwk's `init_hctx` and is not
        // torn down while it has requests.
        let hctx = unsafe { HwCtx::from_hctx((*self.as_ptr()).mq_hctx) };
        // SAFETY: we own the request (on no list) and hand it to the poll list.
        unsafe { hctx.hold(self.into_raw()) };
        Ok(())
    }

    /// Ends a polled request through the poller's completion batch (or now, if the batch
    /// cannot take it).
    pub(crate) fn end_in_batch(self, status: Status, batch: &mut CompletionBatch<'_>) {
        let rq = self.into_raw();
        // SAFETY: a started request we owned; `batch.iob` is the poller's batch or null,
        // which blk_mq_add_to_batch refuses.
        unsafe {
            if !bindings::rnwk_blk_mq_add_to_batch(rq, batch.iob, status.to_raw()) {
                bindings::blk_mq_end_request(rq, status.to_raw());
            }
        }
    }
}

impl Deref for Request {
    type Target = Rq;
    fn deref(&self) -> &Rq {
        // SAFETY: the request is live while we own it (type invariant).
        unsafe { self.rq.as_ref() }
    }
}

impl Drop for Request {
    /// A request dropped without being ended would hang its submitter: end it with an I/O
    /// error, and say so (a driver bug).
    fn drop(&mut self) {
        pr_err!("rnwk: a request was dropped without being ended: ended with EIO\n");
        // SAFETY: a started request we own (type invariant); `self` is going away.
        unsafe { bindings::blk_mq_end_request(self.as_ptr(), bindings::BLK_STS_IOERR) };
    }
}

/// The poller's completion batch, given to `Operations::complete_polled`.
///
/// # Invariants
///
/// `iob` is null or the `io_comp_batch` of the `->poll` call in progress, for `'a`.
pub(crate) struct CompletionBatch<'a> {
    iob: *mut bindings::io_comp_batch,
    _call: PhantomData<&'a mut bindings::io_comp_batch>,
}

impl CompletionBatch<'_> {
    /// # Safety
    ///
    /// `iob` satisfies the type invariants.
    pub(super) unsafe fn from_raw(iob: *mut bindings::io_comp_batch) -> Self {
        Self {
            iob,
            _call: PhantomData,
        }
    }
}
