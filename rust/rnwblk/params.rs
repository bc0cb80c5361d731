// SPDX-License-Identifier: GPL-2.0
//! The module parameters (declared in rnwblk_params.c), validated into device configs.

#![deny(unsafe_code)]

use crate::{
    config::DeviceConfig,
    knobs::{IrqMode, KnobValues},
    rnwk::module_param,
};
use kernel::{c_str, prelude::*, ThisModule};

pub(crate) const MAX_DEVICES: u32 = 64;

pub(crate) struct Params {
    pub(crate) nr_devices: u32,
    /// The configuration of each device created at load.
    pub(crate) device: DeviceConfig,
}

/// Reads and validates the parameters; EINVAL (with a message per bad value) refuses the load.
pub(crate) fn load(module: &'static ThisModule) -> Result<Params> {
    let uint = |name| module_param::read::<u32>(module, name);
    let ulong = |name| {
        let value = module_param::read::<usize>(module, name)?;
        u64::try_from(value).map_err(|_| EINVAL)
    };
    let boolean = |name| module_param::read::<bool>(module, name);

    let irqmode = uint(c_str!("irqmode"))?;
    let Some(irqmode) = IrqMode::from_u32(irqmode) else {
        pr_err!(
            "irqmode={}: must be 0 (inline), 1 (softirq) or 2 (timer)\n",
            irqmode
        );
        return Err(EINVAL);
    };
    let nr_devices = uint(c_str!("nr_devices"))?;
    if nr_devices > MAX_DEVICES {
        pr_err!(
            "nr_devices={}: must be at most {}\n",
            nr_devices,
            MAX_DEVICES
        );
        return Err(EINVAL);
    }
    let device = DeviceConfig {
        size_mib: ulong(c_str!("size"))?,
        block_size: uint(c_str!("bs"))?,
        submit_queues: uint(c_str!("submit_queues"))?,
        poll_queues: uint(c_str!("poll_queues"))?,
        hw_queue_depth: uint(c_str!("hw_queue_depth"))?,
        discard: boolean(c_str!("discard"))?,
        volatile_cache: boolean(c_str!("volatile_cache"))?,
        knobs: KnobValues {
            irqmode,
            completion_nsec: ulong(c_str!("completion_nsec"))?,
            max_inflight: uint(c_str!("max_inflight"))?,
            fail_every: uint(c_str!("fail_every"))?,
            again_every: uint(c_str!("again_every"))?,
            congested: false,
            nowait_alloc: boolean(c_str!("nowait_alloc"))?,
        },
    };
    device.validate()?;
    Ok(Params { nr_devices, device })
}
