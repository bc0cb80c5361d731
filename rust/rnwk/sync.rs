// SPDX-License-Identifier: GPL-2.0
//! Synchronisation the kernel crate of 6.12 does not wrap: RCU read-side sections, waiting
//! for RCU callbacks, and a reader/writer semaphore with the try-variants nowait paths need.

use super::bindings;
use core::marker::PhantomData;

/// An RCU read-side section, from `new` to drop (`rcu_read_lock()`/`rcu_read_unlock()`).
///
/// What a reader finds under RCU is borrowed from the guard, so it cannot outlive the
/// section. Not `Send`: the section belongs to the task (or CPU) that entered it.
pub(crate) struct RcuReadGuard(PhantomData<*mut ()>);

impl RcuReadGuard {
    pub(crate) fn new() -> Self {
        // SAFETY: rcu_read_lock() may be called in any context; `drop` ends the section on
        // the same task, since the guard cannot be sent elsewhere.
        unsafe { bindings::rnwk_rcu_read_lock() };
        Self(PhantomData)
    }
}

impl Drop for RcuReadGuard {
    fn drop(&mut self) {
        // SAFETY: `new` entered the section on this task (the guard is not `Send`).
        unsafe { bindings::rnwk_rcu_read_unlock() };
    }
}

#[allow(dead_code, unused_imports)] // rnwfs's (rnwblk has no rwsem)
mod rwsem;
#[allow(unused_imports)]
pub(crate) use rwsem::RwSem;

/// Waits, when dropped, for every RCU callback queued before (`rcu_barrier()`).
///
/// The page store frees pages with `call_rcu()`, whose callback is module text. Unloading
/// waits for a grace period, not for the callbacks queued before it
/// (Documentation/RCU/rcubarrier.rst), so a module that queues them holds one of these
/// after everything that may queue one, so that it drops last.
pub(crate) struct RcuBarrierOnDrop(());

impl RcuBarrierOnDrop {
    pub(crate) fn new() -> Self {
        Self(())
    }
}

impl Drop for RcuBarrierOnDrop {
    fn drop(&mut self) {
        // SAFETY: rcu_barrier() may be called from any process context; it sleeps, which a
        // drop at module teardown may.
        unsafe { bindings::rcu_barrier() };
    }
}
