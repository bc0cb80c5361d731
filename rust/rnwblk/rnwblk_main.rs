// SPDX-License-Identifier: GPL-2.0
//! rnwblk: a RAM-backed blk-mq block driver that advertises and honors REQ_NOWAIT.
//!
//! Layers: `rnwk` (rust/rnwk/, the abstraction layer shared with rnwfs) holds all the FFI:
//! raw pointers, bindgen types and C of the I/O path; the policy (`dispatch`, `device`,
//! `mq_ops`, `request`, `knobs`, `config`, `counters`, `status_files`, `driver`) is safe Rust
//! above it (`#![deny(unsafe_code)]`), and so are its configfs devices (`configfs`, on
//! `rnwk::configfs`) and module parameters (`params`, read through `rnwk::module_param`
//! from the `module_param()` table in rnwblk_params.c). See Documentation/rnwblk.rst and
//! Documentation/safe-layer.rst.

#[path = "../rnwk/mod.rs"]
mod rnwk;
#[path = "../common/version.rs"]
mod version;

mod config;
mod configfs;
mod counters;
mod device;
mod dispatch;
mod driver;
mod knobs;
mod live_device;
mod mq_ops;
mod params;
mod request;
mod status_files;

use driver::Driver;
use kernel::{c_str, prelude::*, sync::Arc};
use live_device::LiveDevice;
use rnwk::{
    block::{major::Major, ram_store::Store},
    debugfs,
    sync::RcuBarrierOnDrop,
};

module! {
    type: RnwBlk,
    name: "rnwblk",
    author: "rnw developers",
    description: "RAM-backed blk-mq block driver that honors REQ_NOWAIT",
    license: "GPL",
}

/// Field order is teardown order: configfs first (no item exists then: each pins the
/// module; the subsystem holds the last other reference to the driver), the load-time
/// devices next (deleting a disk waits for its I/O in flight), the driver (major, block
/// device operations, debugfs root) next; the wait for the stores' deferred page frees
/// (call_rcu) after every store is gone.
struct RnwBlk {
    _configfs: configfs::Registration,
    _devices: KVec<LiveDevice>,
    _driver: Arc<Driver>,
    _deferred_frees: RcuBarrierOnDrop,
}

/// debugfs `version`.
struct Version {
    major: u32,
}

impl debugfs::Show for Version {
    fn show(&self, out: &mut debugfs::TextBuf) -> core::fmt::Result {
        use core::fmt::Write;
        writeln!(out, "rnwblk {} major {}", version::RNW_VERSION, self.major)
    }
}

impl kernel::Module for RnwBlk {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let params = params::load(module)?;
        let major = Major::register(c_str!("rnwblk"))?;
        let mut root = debugfs::Dir::new(c_str!("rnwblk"), None)?;
        root.add_file(
            c_str!("version"),
            module,
            Arc::new(
                Version {
                    major: major.number(),
                },
                GFP_KERNEL,
            )?,
        )?;
        let driver = Driver::new(module, major, root, params.device.clone())?;
        let mut devices = KVec::with_capacity(params.nr_devices as usize, GFP_KERNEL)?;
        for _ in 0..params.nr_devices {
            let index = driver.indices.claim()?;
            let dev = LiveDevice::create(&driver, index, params.device.clone(), Store::new()?)?;
            devices.push(dev, GFP_KERNEL)?;
        }
        // Last: nothing may fail once configfs can make items (see configfs::register).
        let configfs = configfs::register(&driver)?;
        pr_info!(
            "{} device(s), major {}\n",
            devices.len(),
            driver.major.number()
        );
        Ok(Self {
            _configfs: configfs,
            _devices: devices,
            _driver: driver,
            _deferred_frees: RcuBarrierOnDrop::new(),
        })
    }
}
