// SPDX-License-Identifier: GPL-2.0
//! rnwfs: a small block-based filesystem on iomap that honors IOCB_NOWAIT.
//!
//! Documentation/rnwfs.rst describes the format and the design. In short: extent-mapped
//! files on iomap (buffered, direct and mmap I/O), allocation as unwritten extents that
//! become written when their data is on the device, metadata through the buffer cache, and
//! every step of a nowait read or write either done without sleeping or refused with
//! EAGAIN.

// The abstraction layer's parts rnwfs uses so far (rnwblk uses others: not all of each
// part is used here).
#[path = "../rnwk"]
#[allow(dead_code)]
mod rnwk {
    #[macro_use]
    mod macros;
    mod bindings;
    pub(crate) mod bio;
    pub(crate) mod c_table;
    pub(crate) mod clock;
    pub(crate) mod debugfs;
    pub(crate) mod errno;
    pub(crate) mod fs;
    pub(crate) mod iomap;
    pub(crate) mod kvec;
    pub(crate) mod sync;
    pub(crate) mod workqueue;
}
#[path = "../common/version.rs"]
mod version;

// The on-disk format, shared with mkfs/fsck (tools/rnwfs-format compiles the same files):
// `pub` there is the tools' API, and not all of it is used by the kernel yet.
#[allow(unreachable_pub, dead_code, unused_imports)]
mod format;

mod alloc;
mod buffer;
mod dir;
mod disk;
mod ffi;
mod file;
mod flags;
mod fs_type;
mod inode;
mod ioctl;
mod iomap;
mod iomap_ops;
mod namei;
mod stats;
mod super_block;
mod vfs;
mod writeback;
mod writethrough;
use kernel::{c_str, prelude::*, sync::Arc};
use rnwk::debugfs;

module! {
    type: RnwFsModule,
    name: "rnwfs",
    author: "rnw developers",
    description: "Small block-based filesystem on iomap that honors IOCB_NOWAIT",
    license: "GPL",
    // What MODULE_ALIAS_FS("rnwfs") declares: `mount -t rnwfs` loads the module.
    alias: ["fs-rnwfs"],
}

/// Unregistered (refusing new mounts) before the debugfs root goes; the last drop waits for
/// the RCU callbacks in flight (inodes are freed by one, in the module's text) before the
/// module's memory goes.
struct RnwFsModule {
    _fs: rnwk::fs::Registration<vfs::RnwFs>,
    _debugfs: debugfs::Dir,
    _rcu_barrier: rnwk::sync::RcuBarrierOnDrop,
}

/// `version`: what this build of the module is.
struct Version;

impl debugfs::Show for Version {
    fn show(&self, out: &mut debugfs::TextBuf) -> core::fmt::Result {
        use core::fmt::Write;
        writeln!(out, "rnwfs {}", version::RNW_VERSION)
    }
}

impl kernel::Module for RnwFsModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let mut dir = debugfs::Dir::new(c_str!("rnwfs"), None)?;
        dir.add_file(c_str!("version"), module, Arc::new(Version, GFP_KERNEL)?)?;
        Ok(Self {
            _fs: rnwk::fs::Registration::new(module)?,
            _debugfs: dir,
            _rcu_barrier: rnwk::sync::RcuBarrierOnDrop::new(),
        })
    }
}
