// SPDX-License-Identifier: GPL-2.0
//! What every device needs from the module: the block major, the block device operations,
//! the debugfs root, the device index map and the default configuration (the module
//! parameters, which new configfs devices start from).

#![deny(unsafe_code)]

use crate::{
    config::DeviceConfig,
    rnwk::{
        block::{gen_disk::DiskOps, major::Major},
        debugfs,
    },
};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::{prelude::*, sync::Arc};

/// Device indices (rnwblk<N>, minor N) in use.
pub(crate) struct Indices([AtomicU64; 4]);

pub(crate) const MAX_INDEX: u32 = 256;

impl Indices {
    const fn new() -> Self {
        Self([
            AtomicU64::new(0),
            AtomicU64::new(0),
            AtomicU64::new(0),
            AtomicU64::new(0),
        ])
    }

    fn try_claim(&self, i: u32) -> bool {
        let bit = 1u64 << (i % 64);
        self.0[(i / 64) as usize].fetch_or(bit, Relaxed) & bit == 0
    }

    /// Claims the lowest free index; ENOSPC if all are taken.
    pub(crate) fn claim(&self) -> Result<u32> {
        (0..MAX_INDEX).find(|&i| self.try_claim(i)).ok_or(ENOSPC)
    }

    pub(crate) fn release(&self, i: u32) {
        self.0[(i / 64) as usize].fetch_and(!(1u64 << (i % 64)), Relaxed);
    }
}

pub(crate) struct Driver {
    pub(crate) module: &'static ThisModule,
    pub(crate) major: Major,
    pub(crate) ops: Arc<DiskOps>,
    pub(crate) debugfs: debugfs::Dir,
    pub(crate) indices: Indices,
    pub(crate) defaults: DeviceConfig,
}

impl Driver {
    pub(crate) fn new(
        module: &'static ThisModule,
        major: Major,
        debugfs: debugfs::Dir,
        defaults: DeviceConfig,
    ) -> Result<Arc<Self>> {
        let ops = DiskOps::new(module)?;
        Ok(Arc::new(
            Self {
                module,
                major,
                ops,
                debugfs,
                indices: Indices::new(),
                defaults,
            },
            GFP_KERNEL,
        )?)
    }
}
