// SPDX-License-Identifier: GPL-2.0
//! High-resolution timers embedded in an object the layer owns (a request's PDU).

use super::bindings;
use kernel::types::Opaque;

/// The callback of an [`HrTimer`]: gets the timer, returns whether to restart it.
pub(crate) type HrTimerFn =
    unsafe extern "C" fn(*mut bindings::hrtimer) -> bindings::hrtimer_restart;

/// A one-shot relative timer on `CLOCK_MONOTONIC`, embedded in a larger object.
///
/// # Invariants
///
/// After [`HrTimer::init`], the timer is initialised with its callback and stays at its
/// address as long as the object embedding it lives.
#[repr(transparent)]
pub(crate) struct HrTimer(Opaque<bindings::hrtimer>);

impl HrTimer {
    /// Initialises the timer in place with callback `f`.
    ///
    /// # Safety
    ///
    /// `this` is valid for writes, not armed (or never initialised), and does not move for as
    /// long as it is used.
    pub(crate) unsafe fn init(this: *mut Self, f: HrTimerFn) {
        let timer = Opaque::raw_get(this.cast::<Opaque<bindings::hrtimer>>());
        // SAFETY: per the contract the memory is ours to initialise; hrtimer_init sets every
        // field but the callback, which is set right after, before anyone can arm the timer.
        unsafe {
            bindings::hrtimer_init(
                timer,
                bindings::CLOCK_MONOTONIC as bindings::clockid_t,
                bindings::hrtimer_mode_HRTIMER_MODE_REL,
            );
            (*timer).function = Some(f);
        }
    }

    /// Arms the timer to fire `nsec` nanoseconds from now.
    ///
    /// # Safety
    ///
    /// The timer was initialised by [`HrTimer::init`] and is not armed; whatever the callback
    /// uses stays valid until it has run.
    pub(crate) unsafe fn start(&self, nsec: u64) {
        let expires = i64::try_from(nsec).unwrap_or(i64::MAX);
        // SAFETY: per the contract the timer is initialised and idle.
        unsafe {
            bindings::hrtimer_start_range_ns(
                self.0.get(),
                expires,
                0,
                bindings::hrtimer_mode_HRTIMER_MODE_REL,
            )
        };
    }
}
