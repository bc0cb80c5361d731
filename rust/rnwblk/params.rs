// SPDX-License-Identifier: GPL-2.0
//! The module parameters (declared in rnwblk_params.c), validated into device configs.

use crate::{
    config::DeviceConfig,
    ffi,
    knobs::{IrqMode, KnobValues},
};
use kernel::prelude::*;

pub(crate) const MAX_DEVICES: u32 = 64;

pub(crate) struct Params {
    pub(crate) nr_devices: u32,
    /// The configuration of each device created at load.
    pub(crate) device: DeviceConfig,
}

/// Reads and validates the parameters; EINVAL (with a message per bad value) refuses the load.
pub(crate) fn load() -> Result<Params> {
    let mut p = ffi::rnwblk_module_params::default();
    // SAFETY: fills the struct from the module's parameter variables.
    unsafe { ffi::rnwblk_get_module_params(&mut p) };
    let Some(irqmode) = IrqMode::from_u32(p.irqmode) else {
        pr_err!(
            "irqmode={}: must be 0 (inline), 1 (softirq) or 2 (timer)\n",
            p.irqmode
        );
        return Err(EINVAL);
    };
    if p.nr_devices > MAX_DEVICES {
        pr_err!(
            "nr_devices={}: must be at most {}\n",
            p.nr_devices,
            MAX_DEVICES
        );
        return Err(EINVAL);
    }
    let device = DeviceConfig {
        size_mib: p.size as u64,
        block_size: p.bs,
        submit_queues: p.submit_queues,
        poll_queues: p.poll_queues,
        hw_queue_depth: p.hw_queue_depth,
        discard: p.discard,
        volatile_cache: p.volatile_cache,
        knobs: KnobValues {
            irqmode,
            completion_nsec: p.completion_nsec as u64,
            max_inflight: p.max_inflight,
            fail_every: p.fail_every,
            again_every: p.again_every,
            congested: false,
            nowait_alloc: p.nowait_alloc,
        },
    };
    device.validate()?;
    Ok(Params {
        nr_devices: p.nr_devices,
        device,
    })
}
