// SPDX-License-Identifier: GPL-2.0
//! Workqueues and the work items the layer embeds in its objects (a request's PDU).

use super::bindings;
use core::ptr::NonNull;
use kernel::{prelude::*, str::CStr, types::Opaque};

/// `WQ_*` flags of a new workqueue.
#[derive(Clone, Copy)]
pub(crate) struct WqFlags(u32);

impl WqFlags {
    /// `WQ_MEM_RECLAIM`: a rescuer thread guarantees progress under memory pressure (the
    /// queue's work is on the path of reclaim, e.g. block I/O).
    pub(crate) const MEM_RECLAIM: Self = Self(bindings::wq_flags_WQ_MEM_RECLAIM);
    /// `WQ_UNBOUND`: work runs on any CPU, not the queuing one.
    pub(crate) const UNBOUND: Self = Self(bindings::wq_flags_WQ_UNBOUND);
    /// `WQ_FREEZABLE`: the queue stops while the system is frozen (suspend), as writeback does.
    #[allow(dead_code)] // rnwfs's (the ioend queue)
    pub(crate) const FREEZABLE: Self = Self(bindings::wq_flags_WQ_FREEZABLE);
}

impl core::ops::BitOr for WqFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// An owned workqueue, destroyed on drop (which waits for the work still queued).
///
/// # Invariants
///
/// `wq` was returned by `alloc_workqueue` and is destroyed only in `drop`.
pub(crate) struct Workqueue {
    wq: NonNull<bindings::workqueue_struct>,
}

// SAFETY: a workqueue may be used and destroyed from any task.
unsafe impl Send for Workqueue {}
// SAFETY: queueing work is safe from any context, concurrently.
unsafe impl Sync for Workqueue {}

impl Workqueue {
    /// A new workqueue named `name` (copied). May sleep.
    pub(crate) fn new(name: &CStr, flags: WqFlags) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated; the workqueue copies it.
        let wq = unsafe { bindings::rnwk_alloc_workqueue(name.as_char_ptr(), flags.0) };
        // INVARIANT: a non-null result is a new workqueue.
        NonNull::new(wq).map(|wq| Self { wq }).ok_or(ENOMEM)
    }

    /// Queues `work`; false if it was already pending.
    ///
    /// # Safety
    ///
    /// `work` was initialised by [`Work::init`], and the object embedding it stays valid until
    /// its function has run.
    pub(crate) unsafe fn queue(&self, work: &Work) -> bool {
        // SAFETY: the workqueue is live (type invariant); `work` per the contract.
        unsafe { bindings::rnwk_queue_work(self.wq.as_ptr(), work.0.get()) }
    }

    /// Waits until the work queued before the call has run (`flush_workqueue`). May sleep.
    #[allow(dead_code)] // rnwfs's (the ioend queue)
    pub(crate) fn flush(&self) {
        // SAFETY: the workqueue is live (type invariant).
        unsafe { bindings::__flush_workqueue(self.wq.as_ptr()) }
    }
}

impl Drop for Workqueue {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the workqueue is live and ours; destroy_workqueue
        // runs the work still queued first.
        unsafe { bindings::destroy_workqueue(self.wq.as_ptr()) };
    }
}

/// The function of a [`Work`] item.
pub(crate) type WorkFn = unsafe extern "C" fn(*mut bindings::work_struct);

/// A work item embedded in a larger object.
///
/// # Invariants
///
/// After [`Work::init`], the item is initialised with its function and stays at its address
/// as long as the object embedding it lives.
#[repr(transparent)]
pub(crate) struct Work(Opaque<bindings::work_struct>);

impl Work {
    /// An item to be initialised in place by [`Work::init`] before any other use.
    #[allow(dead_code)] // rnwfs's (the ioend queue)
    pub(crate) const fn uninit() -> Self {
        Self(Opaque::uninit())
    }

    /// Initialises the item in place with function `f`.
    ///
    /// # Safety
    ///
    /// `this` is valid for writes, not queued (or never initialised), and does not move for
    /// as long as it is used.
    pub(crate) unsafe fn init(this: *mut Self, f: WorkFn) {
        let work = Opaque::raw_get(this.cast::<Opaque<bindings::work_struct>>());
        // SAFETY: per the contract the memory is ours to initialise.
        unsafe { bindings::rnwk_init_work(work, Some(f)) };
    }
}
