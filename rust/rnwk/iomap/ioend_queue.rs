// SPDX-License-Identifier: GPL-2.0
//! `IoendQueue`: writeback ioends whose bios ended, handed to a handler in process context
//! (a bio ends in any context; converting unwritten extents sleeps).

use super::CompletedIoend;
use crate::rnwk::{
    bindings,
    workqueue::{Work, Workqueue, WqFlags},
};
use core::{
    ptr::{self, NonNull},
    sync::atomic::{AtomicPtr, AtomicUsize, Ordering},
};
use kernel::{prelude::*, str::CStr};

/// What a queue does with each ended ioend: finish it (or drop it, which finishes it with
/// EIO).
pub(crate) type IoendHandler = fn(CompletedIoend);

/// Ended ioends, handled in order on a workqueue of their own.
///
/// The bio end_io pushes onto a lock-free stack (it may run in hard interrupt context); the
/// work item takes the whole stack at once and hands the ioends to the handler oldest
/// first. The link of the stack is the ioend's `io_list.next`, unused between the bio's
/// submission and its completion.
///
/// # Invariants
///
/// - `work` is the first field and was initialised with [`Self::run`]; the queue is only
///   reached through the pinned box [`Self::new`] returns, so neither moves.
/// - `ended` is null or the newest of a chain of ended, unfinished ioends linked through
///   `io_list.next` (the oldest's is null), owned by the queue.
/// - `expected` counts the ioends made to complete here ([`super::Ioend::complete_on`])
///   whose bio end_io has not returned from [`Self::push`] yet; `drop` waits until it is
///   zero, then flushes the workqueue, so the queue outlives every bio pointing at it and
///   every run of its work item.
#[repr(C)]
pub(crate) struct IoendQueue {
    work: Work,
    ended: AtomicPtr<bindings::iomap_ioend>,
    expected: AtomicUsize,
    handler: IoendHandler,
    wq: Workqueue,
}

// SAFETY: the fields shared between tasks are atomics; the work item and the workqueue are
// used through their thread-safe kernel APIs.
unsafe impl Send for IoendQueue {}
// SAFETY: as above.
unsafe impl Sync for IoendQueue {}

impl IoendQueue {
    /// A queue whose ioends are handled by `handler` on a new workqueue `name` (which, like
    /// any writeback completion, may be needed to reclaim memory, and stops while the
    /// system is frozen).
    pub(crate) fn new(name: &CStr, handler: IoendHandler) -> Result<Pin<KBox<Self>>> {
        let wq = Workqueue::new(name, WqFlags::MEM_RECLAIM | WqFlags::FREEZABLE)?;
        let queue = KBox::new(
            Self {
                work: Work::uninit(),
                ended: AtomicPtr::new(ptr::null_mut()),
                expected: AtomicUsize::new(0),
                handler,
                wq,
            },
            GFP_KERNEL,
        )?;
        let raw = KBox::into_raw(queue);
        // SAFETY: `raw` is the new box, not shared yet; the work item is its first field and
        // never queued before this; the box is pinned below and never moves.
        unsafe {
            Work::init(ptr::addr_of_mut!((*raw).work), Self::run);
            // INVARIANT: `work` initialised with `run`; the box is pinned from here on.
            Ok(Pin::from(KBox::from_raw(raw)))
        }
    }

    /// Counts an ioend that will complete here (before its bio is submitted).
    pub(super) fn expect_one(&self) {
        self.expected.fetch_add(1, Ordering::Relaxed);
    }

    /// An ended ioend: onto the stack, and the work item queued. Any context.
    ///
    /// # Safety
    ///
    /// `ioend` is an ended, unfinished ioend made to complete on this queue, given up by the
    /// caller.
    pub(super) unsafe fn push(&self, ioend: *mut bindings::iomap_ioend) {
        let mut head = self.ended.load(Ordering::Relaxed);
        loop {
            // SAFETY: the caller gave the ioend up: its list link is ours until it is taken
            // off the stack.
            unsafe { (*ioend).io_list.next = head.cast() };
            match self.ended.compare_exchange_weak(
                head,
                ioend,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => head = now,
            }
        }
        // SAFETY: `work` was initialised with `run` and lives as long as the queue, which
        // outlives every ioend it expects (type invariants).
        unsafe { self.wq.queue(&self.work) };
        // Last: from here on the queue may go (after the work just queued has run).
        self.expected.fetch_sub(1, Ordering::Release);
    }

    /// The work function: hands every ended ioend to the handler, oldest first.
    ///
    /// # Safety
    ///
    /// `work` is the `work` field of a live `IoendQueue` (the only work item `run` is set
    /// on).
    unsafe extern "C" fn run(work: *mut bindings::work_struct) {
        // SAFETY: per the contract; `work` is the first field of the `repr(C)` queue.
        let queue = unsafe { &*work.cast::<IoendQueue>() };
        // Newest first on the stack: reverse it.
        let mut newest = queue.ended.swap(ptr::null_mut(), Ordering::Acquire);
        let mut oldest: *mut bindings::iomap_ioend = ptr::null_mut();
        while !newest.is_null() {
            // SAFETY: a chain of ended ioends owned by the queue (type invariant), taken off
            // the stack by the swap: ours alone.
            unsafe {
                let next = (*newest).io_list.next.cast::<bindings::iomap_ioend>();
                (*newest).io_list.next = oldest.cast();
                oldest = newest;
                newest = next;
            }
        }
        while let Some(ioend) = NonNull::new(oldest) {
            // SAFETY: as above; the link is read before the ioend is handed on, then the
            // list head is made empty again, as iomap_finish_ioends expects it.
            let done = unsafe {
                oldest = (*ioend.as_ptr()).io_list.next.cast();
                bindings::rnwk_init_list_head(ptr::addr_of_mut!((*ioend.as_ptr()).io_list));
                CompletedIoend::from_raw(ioend)
            };
            (queue.handler)(done);
        }
    }

    /// Waits until every ioend made to complete here was handled. May sleep.
    ///
    /// A filesystem calls it before it tears down what its handler uses; `drop` calls it
    /// too. The VFS ends a super block only after its writeback ended, so the wait for bios
    /// is a formality there; for a bio still in flight it polls (nothing else would wake it).
    pub(crate) fn drain(&self) {
        while self.expected.load(Ordering::Acquire) != 0 {
            // SAFETY: sleeps; the caller is in process context, as `drop` is.
            unsafe { bindings::msleep(1) };
        }
        // Every ioend is pushed and its work queued: let the work run.
        self.wq.flush();
    }
}

impl Drop for IoendQueue {
    fn drop(&mut self) {
        // A bio still pointing here would end on freed memory.
        self.drain();
    }
}
