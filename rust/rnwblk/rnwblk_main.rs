// SPDX-License-Identifier: GPL-2.0
//! rnwblk: a RAM-backed blk-mq block driver that advertises and honors REQ_NOWAIT.
//!
//! Layers: `ffi` (generated bindings, constants) and the C objects are the raw layer;
//! `store`, `tag_set`, `disk`, `request`, `hw_queue`, `workqueue` wrap it safely; the
//! policy (`dispatch`, `device`, `knobs`, `config`, `params`) is safe Rust. See
//! Documentation/rnwblk.rst.

#[path = "../common/debugfs.rs"]
mod debugfs;
#[path = "../common/version.rs"]
mod version;

mod config;
mod counters;
mod device;
mod disk;
mod dispatch;
mod ffi;
mod hw_queue;
mod knobs;
mod major;
mod mq_ops;
mod params;
mod request;
mod status_files;
mod store;
mod tag_set;
mod workqueue;

use device::{DriverCtx, LiveDevice};
use kernel::{c_str, prelude::*, sync::Arc};

module! {
    type: RnwBlk,
    name: "rnwblk",
    author: "rnw developers",
    description: "RAM-backed blk-mq block driver that honors REQ_NOWAIT",
    license: "GPL",
}

/// Field order is teardown order: devices first (deleting a disk waits for its I/O in
/// flight; disks use the ops, the debugfs root and the major), the rest after.
struct RnwBlk {
    _devices: KVec<LiveDevice>,
    _ops: disk::DiskOps,
    _debugfs: debugfs::Dir,
    _major: major::Major,
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
        let params = params::load()?;
        let major = major::Major::register(c_str!("rnwblk"))?;
        let mut root = debugfs::Dir::new(c_str!("rnwblk"), None)?;
        root.add_file(c_str!("version"), module, Arc::new(Version { major: major.number() }, GFP_KERNEL)?)?;
        let ops = disk::DiskOps::new(module)?;
        let ctx = DriverCtx { module, major: major.number(), fops: ops.as_ptr(), debugfs_root: &root };
        let mut devices = KVec::with_capacity(params.nr_devices as usize, GFP_KERNEL)?;
        for index in 0..params.nr_devices {
            devices.push(LiveDevice::create(&ctx, index, params.device.clone())?, GFP_KERNEL)?;
        }
        pr_info!("{} device(s), major {}\n", devices.len(), major.number());
        Ok(Self { _devices: devices, _ops: ops, _debugfs: root, _major: major })
    }
}
