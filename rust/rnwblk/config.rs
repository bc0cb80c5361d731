// SPDX-License-Identifier: GPL-2.0
//! A device's configuration (from module parameters or configfs) and its validation.

#![deny(unsafe_code)]

use crate::knobs::KnobValues;
use kernel::prelude::*;

/// Everything fixed for a device's lifetime, plus the initial runtime knob values
/// (irqmode is one: every request can take any completion path).
#[derive(Clone)]
pub(crate) struct DeviceConfig {
    pub(crate) size_mib: u64,
    pub(crate) block_size: u32,
    pub(crate) submit_queues: u32,
    pub(crate) poll_queues: u32,
    pub(crate) hw_queue_depth: u32,
    pub(crate) discard: bool,
    /// Completed writes are lost by a power cut until a flush (see store.rs).
    pub(crate) volatile_cache: bool,
    pub(crate) knobs: KnobValues,
}

pub(crate) const MAX_SIZE_MIB: u64 = 1 << 20; // 1 TiB (sparse)
pub(crate) const MAX_QUEUES: u32 = 256;
pub(crate) const MAX_QUEUE_DEPTH: u32 = 4096;

/// Checks one value; on failure logs `what=value: why` and fails with EINVAL.
fn require(ok: bool, what: &str, value: u64, why: &str) -> Result {
    if ok {
        return Ok(());
    }
    pr_err!("{}={}: {}\n", what, value, why);
    Err(EINVAL)
}

impl DeviceConfig {
    /// Validates every field, logging each problem; EINVAL if there was one.
    pub(crate) fn validate(&self) -> Result {
        let checks = [
            require(
                (1..=MAX_SIZE_MIB).contains(&self.size_mib),
                "size",
                self.size_mib,
                "must be 1..1048576 (MiB)",
            ),
            require(
                matches!(self.block_size, 512 | 1024 | 2048 | 4096),
                "bs",
                self.block_size.into(),
                "must be 512, 1024, 2048 or 4096",
            ),
            require(
                (1..=MAX_QUEUES).contains(&self.submit_queues),
                "submit_queues",
                self.submit_queues.into(),
                "must be 1..256",
            ),
            require(
                self.poll_queues <= MAX_QUEUES,
                "poll_queues",
                self.poll_queues.into(),
                "must be 0..256",
            ),
            require(
                (1..=MAX_QUEUE_DEPTH).contains(&self.hw_queue_depth),
                "hw_queue_depth",
                self.hw_queue_depth.into(),
                "must be 1..4096",
            ),
            self.knobs.validate(),
        ];
        checks.into_iter().find(|r| r.is_err()).unwrap_or(Ok(()))
    }
}
