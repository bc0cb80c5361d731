// SPDX-License-Identifier: GPL-2.0
//! What the running context is.

use super::bindings;

/// True in process context (`in_task()`): not in an interrupt, softirq or NMI.
pub(crate) fn in_task() -> bool {
    // SAFETY: reads only the running context's preempt count.
    unsafe { bindings::rnwk_in_task() }
}

/// True if the current task is a workqueue worker (`PF_WQ_WORKER`): the code runs on behalf
/// of whoever queued the work, not of the task itself.
pub(crate) fn current_is_workqueue_worker() -> bool {
    // SAFETY: reads only the current task's flags; `current` is always valid.
    unsafe { bindings::rnwk_current_is_wq_worker() }
}
