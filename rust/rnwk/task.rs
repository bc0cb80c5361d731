// SPDX-License-Identifier: GPL-2.0
//! What the running context is, and giving the CPU up in long loops.

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

/// Lets another task run if one should (`cond_resched()`), in a long loop in process
/// context. A call where sleeping is not allowed is a bug the kernel reports
/// (DEBUG_ATOMIC_SLEEP), not a memory-safety one.
pub(crate) fn cond_resched() {
    // SAFETY: cond_resched() has no preconditions beyond a context that may sleep, which
    // the kernel checks itself.
    unsafe { bindings::rnwk_cond_resched() };
}
