// SPDX-License-Identifier: GPL-2.0
//! A request handed to rnwblk by blk-mq, and the per-request command (the PDU) that carries
//! its completion timer and its deferred-work item.

use crate::{ffi, hw_queue::PollList};
use core::{
    ffi::c_void,
    ptr::NonNull,
    sync::atomic::{AtomicPtr, AtomicU8, Ordering::Relaxed},
};
use kernel::types::Opaque;

/// The driver's part of every request (tag set `cmd_size`).
#[repr(C)]
pub(crate) struct Cmd {
    pub(crate) timer: Opaque<ffi::bindings::hrtimer>,
    pub(crate) work: Opaque<ffi::bindings::work_struct>,
    /// The status the deferred completion (timer, softirq, poll) ends the request with.
    status: AtomicU8,
    /// The poll queue's list, for requests submitted on a poll queue.
    poll_list: AtomicPtr<PollList>,
}

impl Cmd {
    /// Initialises the command in place (tag set `init_request`).
    ///
    /// # Safety
    /// `cmd` points to the PDU of a request being set up, not in use by anything else.
    pub(crate) unsafe fn init(
        cmd: *mut Cmd,
        timer_fn: unsafe extern "C" fn(
            *mut ffi::bindings::hrtimer,
        ) -> ffi::bindings::hrtimer_restart,
        work_fn: unsafe extern "C" fn(*mut ffi::bindings::work_struct),
    ) {
        // SAFETY: per the contract, the PDU is ours to initialise.
        unsafe {
            ffi::rnwblk_timer_init((*cmd).timer.get(), Some(timer_fn));
            ffi::rnwblk_work_init((*cmd).work.get(), Some(work_fn));
            core::ptr::addr_of_mut!((*cmd).status).write(AtomicU8::new(0));
            core::ptr::addr_of_mut!((*cmd).poll_list).write(AtomicPtr::new(core::ptr::null_mut()));
        }
    }

    pub(crate) fn set_status(&self, status: ffi::BlkStatus) {
        self.status.store(status, Relaxed);
    }

    pub(crate) fn status(&self) -> ffi::BlkStatus {
        self.status.load(Relaxed)
    }

    pub(crate) fn set_poll_list(&self, list: Option<&PollList>) {
        let p = list.map_or(core::ptr::null_mut(), |l| {
            l as *const PollList as *mut PollList
        });
        self.poll_list.store(p, Relaxed);
    }

    /// The list outlives the request (hence the free lifetime), so the request can be moved
    /// onto it.
    pub(crate) fn poll_list<'a>(&self) -> Option<&'a PollList> {
        // SAFETY: set from the hardware queue the request was submitted on, which outlives
        // every request on it.
        unsafe { self.poll_list.load(Relaxed).as_ref() }
    }

    /// The command that embeds `timer`.
    ///
    /// # Safety
    /// `timer` is the `timer` field of a live `Cmd`.
    pub(crate) unsafe fn from_timer(timer: *mut ffi::bindings::hrtimer) -> *mut Cmd {
        // `timer` is the first field of a `repr(C)` struct.
        timer.cast()
    }

    /// The command that embeds `work`.
    ///
    /// # Safety
    /// `work` is the `work` field of a live `Cmd`.
    pub(crate) unsafe fn from_work(work: *mut ffi::bindings::work_struct) -> *mut Cmd {
        // SAFETY: per the contract, stepping back to the start of the struct stays inside it.
        unsafe {
            work.cast::<u8>()
                .sub(core::mem::offset_of!(Cmd, work))
                .cast()
        }
    }
}

/// The driver's command of `rq` (blk_mq_rq_to_pdu: the PDU follows the request).
///
/// # Safety
/// `rq` is a request of a tag set whose `cmd_size` is that of [`Cmd`].
pub(crate) unsafe fn pdu_of(rq: *mut ffi::bindings::request) -> *mut Cmd {
    // SAFETY: per the contract, the PDU is allocated right behind the request.
    unsafe { rq.add(1).cast() }
}

/// A started (or about to be started) request that rnwblk owns until it ends it: every
/// path ends it exactly once (`end`, `complete`, or by handing it to a timer, the worker,
/// or the poll list, which end it later).
pub(crate) struct Request(NonNull<ffi::bindings::request>);

// SAFETY: a request may be completed from any context; ownership moves with the value.
unsafe impl Send for Request {}

impl Request {
    /// # Safety
    /// `rq` is a live request blk-mq handed to the driver and nothing else ends it.
    pub(crate) unsafe fn from_raw(rq: *mut ffi::bindings::request) -> Self {
        // SAFETY: blk-mq never hands out a null request.
        Self(unsafe { NonNull::new_unchecked(rq) })
    }

    /// # Safety
    /// `cmd` is the PDU of a request the caller owns (see [`Self::from_raw`]).
    pub(crate) unsafe fn from_cmd(cmd: *mut Cmd) -> Self {
        // SAFETY: the PDU sits right behind its request (blk_mq_rq_from_pdu).
        unsafe { Self::from_raw(cmd.cast::<ffi::bindings::request>().sub(1)) }
    }

    /// The raw request, for the C side of a wrapper (also the store's data copy).
    pub(crate) fn raw(&self) -> *mut ffi::bindings::request {
        self.0.as_ptr()
    }

    // The accessors below read the fields the block layer's static inlines read
    // (blk_rq_pos, blk_rq_bytes, req_op, rq->q->queuedata, blk_mq_rq_to_pdu), in place:
    // they run several times per request, and an out-of-line C call for each was a
    // measurable part of the submission path. Fields only, through bindgen's layout.

    /// The device (queue data) this request is for.
    pub(crate) fn queue_data(&self) -> *const c_void {
        // SAFETY: the request is live, so is its queue.
        unsafe { (*(*self.raw()).q).queuedata }
    }

    pub(crate) fn cmd(&self) -> &Cmd {
        // SAFETY: the PDU sits right behind the request (blk_mq_rq_to_pdu), was initialised
        // by `Cmd::init` and lives as long as the request.
        unsafe { &*pdu_of(self.raw()) }
    }

    /// Byte offset on the device.
    pub(crate) fn pos(&self) -> u64 {
        // SAFETY: the request is live; blk-mq does not move it while the driver owns it.
        unsafe { (*self.raw()).__sector << ffi::SECTOR_SHIFT }
    }

    pub(crate) fn bytes(&self) -> u32 {
        // SAFETY: as in `pos`.
        unsafe { (*self.raw()).__data_len }
    }

    pub(crate) fn op(&self) -> u32 {
        // SAFETY: as in `pos`.
        unsafe { (*self.raw()).cmd_flags & ffi::REQ_OP_MASK }
    }

    /// REQ_NOWAIT: the submitter asked for BLK_STS_AGAIN rather than any wait.
    pub(crate) fn nowait(&self) -> bool {
        // SAFETY: as in `pos`.
        unsafe { (*self.raw()).cmd_flags & ffi::REQ_NOWAIT != 0 }
    }

    /// Ends without a kernel log line ("nonblocking retry error" for AGAIN).
    pub(crate) fn set_quiet(&self) {
        // SAFETY: the request is ours and not started: nobody else writes its flags.
        unsafe { (*self.raw()).rq_flags |= ffi::RQF_QUIET };
    }

    pub(crate) fn start(&self) {
        // SAFETY: the request is live and not started yet.
        unsafe { ffi::bindings::blk_mq_start_request(self.raw()) };
    }

    /// Ends the request now.
    pub(crate) fn end(self, status: ffi::BlkStatus) {
        // SAFETY: we own the request; ending consumes that ownership.
        unsafe { ffi::bindings::blk_mq_end_request(self.raw(), status) };
    }

    /// Completes through blk-mq's softirq path; `->complete` ends it with the cmd's status.
    pub(crate) fn complete_softirq(self) {
        // SAFETY: as in `end`; `->complete` is rnwblk's.
        unsafe { ffi::bindings::blk_mq_complete_request(self.raw()) };
    }

    /// Ends a polled request through the poller's batch.
    pub(crate) fn end_polled(self, iob: *mut ffi::bindings::io_comp_batch) {
        let status = self.cmd().status();
        // SAFETY: we own the request; `iob` is the poller's batch (or null).
        unsafe { ffi::rnwblk_end_polled(self.raw(), iob, status) };
    }

    /// Hands the request to its command's timer, which ends it `nsec` from now.
    pub(crate) fn complete_after(self, nsec: u64) {
        let timer = self.cmd().timer.get();
        let _ = self.into_raw();
        // SAFETY: the timer was initialised by `Cmd::init` and is idle (one use per request).
        unsafe { ffi::rnwblk_timer_start(timer, nsec) };
    }

    /// Gives up ownership (to the timer, the worker, or a poll list).
    pub(crate) fn into_raw(self) -> *mut ffi::bindings::request {
        self.raw()
    }
}

/// Whether this `->queue_rq` call runs outside the submitter: blk-mq dispatching from
/// kblockd (a rerun, a requeue, an async run) or from interrupt context.
pub(crate) fn dispatch_is_deferred() -> bool {
    // SAFETY: reads only the running context's state.
    unsafe { ffi::rnwblk_dispatch_is_deferred() }
}
