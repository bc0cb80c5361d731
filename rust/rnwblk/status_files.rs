// SPDX-License-Identifier: GPL-2.0
//! A device's debugfs directory, /sys/kernel/debug/rnwblk/rnwblkN/:
//!   counters   `name value` per counter, then the `pages`, `saved_pages` and `inflight` gauges
//!   config     what the device was created with (and that it supports nowait)
//!   <knob>     one read-write file per runtime knob (see knobs.rs)

#![deny(unsafe_code)]

use crate::{
    device::Device,
    knobs::KnobId,
    rnwk::debugfs::{self, Knob, Show, TextBuf},
};
use core::fmt::{self, Write};
use kernel::{c_str, prelude::*, str::CStr, sync::Arc};

struct CountersView(Arc<Device>);

impl Show for CountersView {
    fn show(&self, out: &mut TextBuf) -> fmt::Result {
        for (name, v) in self.0.counters.iter() {
            writeln!(out, "{name} {v}")?;
        }
        writeln!(out, "pages {}", self.0.store.pages())?;
        writeln!(out, "saved_pages {}", self.0.store.saved_pages())?;
        writeln!(out, "inflight {}", self.0.budget.inflight())
    }
}

struct ConfigView(Arc<Device>);

impl Show for ConfigView {
    fn show(&self, out: &mut TextBuf) -> fmt::Result {
        let c = &self.0.cfg;
        writeln!(out, "size_mib {}", c.size_mib)?;
        writeln!(out, "bs {}", c.block_size)?;
        writeln!(out, "submit_queues {}", c.submit_queues)?;
        writeln!(out, "poll_queues {}", c.poll_queues)?;
        writeln!(out, "hw_queue_depth {}", c.hw_queue_depth)?;
        writeln!(out, "discard {}", u8::from(c.discard))?;
        writeln!(out, "volatile_cache {}", u8::from(c.volatile_cache))?;
        // BLK_FEAT_NOWAIT: 6.12 has no queue/nowait attribute, so the driver says it.
        writeln!(out, "nowait 1")?;
        writeln!(out, "poll {}", u8::from(c.poll_queues > 0))
    }
}

struct KnobFile {
    dev: Arc<Device>,
    id: KnobId,
}

impl Knob for KnobFile {
    fn get(&self) -> u64 {
        self.dev.knobs.get(self.id)
    }

    fn set(&self, v: u64) -> Result {
        self.dev.knobs.set(self.id, v)
    }
}

pub(crate) fn create(
    root: &debugfs::Dir,
    name: &CStr,
    module: &'static ThisModule,
    dev: &Arc<Device>,
) -> Result<debugfs::Dir> {
    let mut dir = debugfs::Dir::new(name, Some(root))?;
    dir.add_file(
        c_str!("counters"),
        module,
        Arc::new(CountersView(dev.clone()), GFP_KERNEL)?,
    )?;
    dir.add_file(
        c_str!("config"),
        module,
        Arc::new(ConfigView(dev.clone()), GFP_KERNEL)?,
    )?;
    for id in KnobId::ALL {
        let knob = Arc::new(
            KnobFile {
                dev: dev.clone(),
                id,
            },
            GFP_KERNEL,
        )?;
        dir.add_knob(id.file_name(), module, knob)?;
    }
    Ok(dir)
}
