// SPDX-License-Identifier: GPL-2.0
//! Writethrough buffered writes (Documentation/writethrough.rst): rnwfs' side of the layer's
//! engine (`rnwk::iomap::writethrough`, which builds and completes the bios): what a write's
//! end does (unwritten conversion, the O_DSYNC write-out FUA did not make unnecessary), and
//! the counters in debugfs `rnwfs/<device>/writethrough_stats`. Which writes are
//! writethrough is flags.rs'; the write path is file.rs'.
#![deny(unsafe_code)]

use crate::rnwk::{
    debugfs::{Show, TextBuf},
    fs::{InodeRef, Kiocb},
    iomap::{StableWrites, WritethroughEnded, WritethroughOps},
};
use crate::{iomap::convert_unwritten, iomap_ops::RnwfsIomap, vfs::Inode};
use core::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use kernel::prelude::*;

/// A filesystem's writethrough counters.
#[derive(Default)]
pub(crate) struct WritethroughStats {
    /// Synchronous writes ended (with their data on the device, or an error).
    sync: AtomicU64,
    /// Asynchronous writes that returned -EIOCBQUEUED.
    aio_queued: AtomicU64,
    /// Asynchronous writes completed from the dio_done workqueue.
    aio_done_on_wq: AtomicU64,
    /// Writes that ended with an error (EAGAIN of a refused nowait write not included).
    errors: AtomicU64,
    /// Asynchronous writes queued and not yet completed.
    aio_pending: AtomicI64,
    /// Writes refused by the device (REQ_NOWAIT): their data stayed dirty in the cache.
    refused: AtomicU64,
    /// Files whose page cache has stable writes now (a writethrough write in flight).
    stable_write_files: AtomicI64,
}

impl Show for WritethroughStats {
    fn show(&self, out: &mut TextBuf) -> core::fmt::Result {
        use core::fmt::Write;
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        writeln!(out, "sync {}", get(&self.sync))?;
        writeln!(out, "aio_queued {}", get(&self.aio_queued))?;
        writeln!(
            out,
            "aio_completed_on_dio_done_wq {}",
            get(&self.aio_done_on_wq)
        )?;
        writeln!(out, "errors {}", get(&self.errors))?;
        writeln!(
            out,
            "aio_pending {}",
            self.aio_pending.load(Ordering::Relaxed)
        )?;
        writeln!(out, "refused_by_device {}", get(&self.refused))?;
        writeln!(
            out,
            "stable_write_files {}",
            self.stable_write_files.load(Ordering::Relaxed)
        )
    }
}

impl WritethroughStats {
    /// A synchronous write (or an asynchronous one that ended before it was queued) ended.
    pub(crate) fn ended(&self, synchronous: bool, result: &Result<WritethroughEnded>) {
        if synchronous {
            self.sync.fetch_add(1, Ordering::Relaxed);
        }
        match result {
            Ok(_) => {}
            Err(e) if *e == EAGAIN => {
                self.refused.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// An asynchronous write was queued: it completes on the dio_done workqueue.
    pub(crate) fn queued(&self) {
        self.aio_queued.fetch_add(1, Ordering::Relaxed);
        self.aio_pending.fetch_add(1, Ordering::Relaxed);
    }

    fn completed_on_wq(&self, failed: bool) {
        self.aio_done_on_wq.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        self.aio_pending.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Whether a write that ended as `ended` still needs the O_DSYNC write-out (when the caller
/// asked for it): unless its bios were FUA, over written blocks, and the inode has no change
/// a read of the data depends on (its size, new blocks) left to write.
pub(crate) fn needs_sync_after(inode: Inode<'_>, ended: &WritethroughEnded) -> bool {
    !ended.fua || ended.unwritten || inode.dirty_datasync()
}

/// Never reached: the layer only asks about inodes of rnwfs' files (it writes through their
/// kiocbs); a foreign inode would get this count rather than a crash.
static NOT_OURS: StableWrites = StableWrites::new();

impl WritethroughOps for RnwfsIomap {
    fn bios_ended(
        inode: InodeRef<'_>,
        pos: u64,
        len: u64,
        unwritten: bool,
        result: Result,
    ) -> Result {
        result?;
        if unwritten {
            let inode = Inode::of(inode)?;
            convert_unwritten(inode, pos, len).inspect_err(|e| {
                pr_err!(
                    "inode {}: unwritten conversion failed: {:?}\n",
                    inode.ino(),
                    e
                )
            })?;
        }
        Ok(())
    }

    fn async_write_ended(
        iocb: &Kiocb<'_>,
        result: Result<isize>,
        ended: &WritethroughEnded,
    ) -> isize {
        let Ok(inode) = Inode::of(iocb.file().inode()) else {
            return EIO.to_errno() as isize; // never: the layer checks
        };
        let ret = match result {
            Ok(n) if needs_sync_after(inode, ended) => iocb.generic_write_sync(n),
            Ok(n) => n,
            Err(e) => e.to_errno() as isize,
        };
        inode
            .sb()
            .info()
            .writethrough_stats
            .completed_on_wq(ret < 0);
        ret
    }

    fn stable_writes<'a>(inode: InodeRef<'a>) -> &'a StableWrites {
        match Inode::of(inode) {
            Ok(inode) => &inode.info().stable_writes,
            Err(_) => &NOT_OURS,
        }
    }

    fn stable_writes_toggled(inode: InodeRef<'_>, on: bool) {
        if let Ok(inode) = Inode::of(inode) {
            let sb = inode.sb();
            let files = &sb.info().writethrough_stats.stable_write_files;
            files.fetch_add(if on { 1 } else { -1 }, Ordering::Relaxed);
        }
    }
}
