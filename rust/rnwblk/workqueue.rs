// SPDX-License-Identifier: GPL-2.0
//! A device's own workqueue for requests that must sleep.

use crate::{ffi, request::Cmd};
use core::ptr::NonNull;
use kernel::{prelude::*, str::CStr};

pub(crate) struct Workqueue(NonNull<ffi::bindings::workqueue_struct>);

// SAFETY: workqueues are safe to use from any context.
unsafe impl Send for Workqueue {}
// SAFETY: as above.
unsafe impl Sync for Workqueue {}

impl Workqueue {
    pub(crate) fn new(name: &CStr) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated; the workqueue copies it.
        let wq = unsafe { ffi::rnwblk_alloc_workqueue(name.as_char_ptr()) };
        NonNull::new(wq).map(Self).ok_or(ENOMEM)
    }

    /// Queues the command's work item (its `work_fn` was set by `Cmd::init`).
    pub(crate) fn queue(&self, cmd: &Cmd) {
        // SAFETY: the work item is initialised and the request owning it stays live until
        // the work function ends it.
        unsafe { ffi::rnwblk_queue_work(self.0.as_ptr(), cmd.work.get()) };
    }
}

impl Drop for Workqueue {
    fn drop(&mut self) {
        // SAFETY: ours; destroy_workqueue drains any work still queued.
        unsafe { ffi::bindings::destroy_workqueue(self.0.as_ptr()) };
    }
}
