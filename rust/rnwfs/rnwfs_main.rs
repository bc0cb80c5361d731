// SPDX-License-Identifier: GPL-2.0
//! rnwfs: a small block-based filesystem on iomap that honors IOCB_NOWAIT.
//!
//! This first version only sets up the module's debugfs root (per-superblock statistics
//! will live there); the filesystem type is registered once the on-disk format exists.

#[path = "../common/debugfs.rs"]
mod debugfs;
#[path = "../common/version.rs"]
mod version;

// The on-disk format, shared with mkfs/fsck (tools/rnwfs-format compiles the same files):
// `pub` there is the tools' API, and the mount path that reads it is not written yet.
#[allow(unreachable_pub, dead_code, unused_imports)]
mod format;

use kernel::{c_str, prelude::*, sync::Arc};

module! {
    type: RnwFs,
    name: "rnwfs",
    author: "rnw developers",
    description: "Small block-based filesystem on iomap that honors IOCB_NOWAIT",
    license: "GPL",
}

struct RnwFs {
    _debugfs: debugfs::Dir,
}

/// `version`: what this build of the module is.
struct Version;

impl debugfs::Show for Version {
    fn show(&self, out: &mut debugfs::TextBuf) -> core::fmt::Result {
        use core::fmt::Write;
        writeln!(out, "rnwfs {} (no filesystem type registered yet)", version::RNW_VERSION)
    }
}

impl kernel::Module for RnwFs {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let mut dir = debugfs::Dir::new(c_str!("rnwfs"), None)?;
        dir.add_file(c_str!("version"), module, Arc::new(Version, GFP_KERNEL)?)?;
        Ok(Self { _debugfs: dir })
    }
}
