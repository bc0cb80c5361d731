// SPDX-License-Identifier: GPL-2.0
//! Nowait statistics (include/uapi/linux/rnwfs.h): per file and per filesystem, how many
//! nowait reads and writes were done and, for those refused with EAGAIN, the first step
//! that would have blocked.
//!
//! A read or write records its outcome once: in read_iter/write_iter, or, for an async
//! direct I/O that was submitted, in its completion (the device's BLK_STS_AGAIN shows only
//! there). The step that refuses names the cause on the [`Attempt`]; iomap carries the
//! attempt to `iomap_begin` and `dio_submit_io` (it is rnwfs' `Operations::Private`).
#![deny(unsafe_code)]

use crate::{
    ffi,
    rnwk::{fs::Kiocb, iomap::DioReadEnd},
    vfs::{Inode, RnwFs},
};
use core::{
    cell::Cell,
    sync::atomic::{AtomicU64, Ordering},
};
use kernel::prelude::*;

/// Why a nowait attempt was refused (`enum rnwfs_nowait_cause`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cause {
    Alloc = ffi::rnwfs_nowait_cause_RNWFS_NOWAIT_ALLOC as isize,
    Lock = ffi::rnwfs_nowait_cause_RNWFS_NOWAIT_LOCK as isize,
    Cache = ffi::rnwfs_nowait_cause_RNWFS_NOWAIT_CACHE as isize,
    Writeback = ffi::rnwfs_nowait_cause_RNWFS_NOWAIT_WRITEBACK as isize,
    Device = ffi::rnwfs_nowait_cause_RNWFS_NOWAIT_DEVICE as isize,
    Other = ffi::rnwfs_nowait_cause_RNWFS_NOWAIT_OTHER as isize,
}

const CAUSES: usize = ffi::rnwfs_nowait_cause_RNWFS_NOWAIT_NR_CAUSES as usize;

/// How a nowait read or write ended.
#[derive(Clone, Copy)]
pub(crate) enum Outcome {
    Done,
    Refused(Cause),
}

/// Counters of one direction.
#[derive(Default)]
struct Side {
    ok: AtomicU64,
    eagain: [AtomicU64; CAUSES],
}

impl Side {
    fn record(&self, outcome: Outcome) {
        let counter = match outcome {
            Outcome::Done => &self.ok,
            Outcome::Refused(cause) => &self.eagain[cause as usize],
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self, ok: &mut u64, eagain: &mut [u64; CAUSES]) {
        *ok = self.ok.load(Ordering::Relaxed);
        for (out, c) in eagain.iter_mut().zip(self.eagain.iter()) {
            *out = c.load(Ordering::Relaxed);
        }
    }
}

/// The counters of a file or of a filesystem.
#[derive(Default)]
pub(crate) struct NowaitStats {
    read: Side,
    write: Side,
}

/// The size of `struct rnwfs_nowait_stats`, the ioctls' ABI: two u32, then 14 u64, no padding.
pub(crate) const ABI_SIZE: usize = 8 + 8 * (2 + 2 * CAUSES);
const _: () = assert!(core::mem::size_of::<ffi::rnwfs_nowait_stats>() == ABI_SIZE);

/// The cause names the debugfs file shows, in `enum rnwfs_nowait_cause` order.
const CAUSE_NAMES: [&str; CAUSES] = ["alloc", "lock", "cache", "writeback", "device", "other"];

impl NowaitStats {
    pub(crate) fn snapshot(&self) -> ffi::rnwfs_nowait_stats {
        let mut s = ffi::rnwfs_nowait_stats {
            version: ffi::RNWFS_NOWAIT_STATS_VERSION,
            size: core::mem::size_of::<ffi::rnwfs_nowait_stats>() as u32,
            ..Default::default()
        };
        self.read.snapshot(&mut s.read_ok, &mut s.read_eagain);
        self.write.snapshot(&mut s.write_ok, &mut s.write_eagain);
        s
    }

    /// A snapshot as `struct rnwfs_nowait_stats` lays it out (native byte order), for
    /// copying to user space.
    pub(crate) fn to_abi_bytes(&self) -> [u8; ABI_SIZE] {
        let s = self.snapshot();
        let mut out = [0u8; ABI_SIZE];
        let words = Iterator::chain(
            Iterator::chain([s.read_ok, s.write_ok].into_iter(), s.read_eagain),
            s.write_eagain,
        );
        out[0..4].copy_from_slice(&s.version.to_ne_bytes());
        out[4..8].copy_from_slice(&s.size.to_ne_bytes());
        for (chunk, w) in out[8..].chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&w.to_ne_bytes());
        }
        out
    }
}

/// debugfs `rnwfs/<device>/nowait_stats`: the filesystem's counters, one per line.
impl crate::rnwk::debugfs::Show for NowaitStats {
    fn show(&self, out: &mut crate::rnwk::debugfs::TextBuf) -> core::fmt::Result {
        use core::fmt::Write;
        let s = self.snapshot();
        writeln!(out, "read_ok {}", s.read_ok)?;
        for (name, n) in CAUSE_NAMES.iter().zip(s.read_eagain) {
            writeln!(out, "read_eagain_{} {}", name, n)?;
        }
        writeln!(out, "write_ok {}", s.write_ok)?;
        for (name, n) in CAUSE_NAMES.iter().zip(s.write_eagain) {
            writeln!(out, "write_eagain_{} {}", name, n)?;
        }
        Ok(())
    }
}

/// Counts `outcome` of a nowait read or write on `inode`, for the file and its filesystem.
pub(crate) fn record(inode: Inode<'_>, write: bool, outcome: Outcome) {
    record_in(
        &inode.info().stats,
        &inode.sb().info().stats,
        write,
        outcome,
    );
}

/// Counts `outcome` in a file's and its filesystem's counters (atomics only: also from
/// interrupt context).
fn record_in(file: &NowaitStats, fs: &NowaitStats, write: bool, outcome: Outcome) {
    for stats in [file, fs] {
        if write { &stats.write } else { &stats.read }.record(outcome);
    }
}

/// One read or write in progress: under IOCB_NOWAIT, the first step that refused it; for a
/// direct I/O, its range.
pub(crate) struct Attempt {
    cause: Cell<Option<Cause>>,
    dio: Cell<(u64, u64)>,
}

impl Attempt {
    pub(crate) fn new() -> Self {
        Self {
            cause: Cell::new(None),
            dio: Cell::new((0, 0)),
        }
    }

    /// The direct I/O about to be submitted: `len` bytes at `pos`; a bio that covers all of
    /// it, under IOCB_NOWAIT, gets REQ_NOWAIT (`rnwfs_dio_is_whole`).
    ///
    /// Set for synchronous I/O only: its caller waits for the bio, so a device's refusal
    /// reaches it as EAGAIN from whatever context the bio ends in. An async one would get
    /// the refusal after write_iter returned, on the dio workqueue, where io_uring (whose
    /// first attempt is nowait even when its user did not ask) cannot retry it
    /// (io_rw_should_reissue needs the submitting task): the application would see EAGAIN
    /// for a write it never asked to be nowait. io_uring plugs a batch of requests, so that
    /// is the common case, not a race.
    pub(crate) fn set_dio(&self, pos: u64, len: u64) {
        self.dio.set((pos, len));
    }

    /// Notes why the attempt is refused; returns the EAGAIN to propagate.
    pub(crate) fn refuse(&self, cause: Cause) -> Error {
        if self.cause.get().is_none() {
            self.cause.set(Some(cause));
        }
        EAGAIN
    }

    pub(crate) fn cause(&self) -> Option<Cause> {
        self.cause.get()
    }

    /// Whether a bio of `size` bytes at `offset` is all of this attempt's direct I/O, which
    /// may then carry REQ_NOWAIT (see `set_dio`).
    pub(crate) fn is_whole_dio(&self, offset: u64, size: u32) -> bool {
        self.dio.get() == (offset, size.into())
    }
}

/// What a submitted direct I/O's result says of its nowait attempt.
fn dio_outcome(result: &Result) -> Outcome {
    if matches!(result, Err(e) if *e == EAGAIN) {
        Outcome::Refused(Cause::Device)
    } else {
        Outcome::Done
    }
}

/// Completion of a submitted async direct write: counts it if it was a nowait attempt.
pub(crate) fn dio_write_completed(iocb: &Kiocb<'_>, inode: Inode<'_>, result: &Result) {
    if iocb.is_sync() || !iocb.is_nowait() {
        return; // synchronous I/O is counted by read_iter/write_iter
    }
    record(inode, true, dio_outcome(result));
}

/// Completion of a submitted async direct read (maybe in interrupt context): counts it if it
/// was a nowait attempt.
pub(crate) fn dio_read_completed(read: &DioReadEnd<'_>, result: &Result) {
    if read.is_sync() || !read.is_nowait() {
        return; // synchronous I/O is counted by read_iter/write_iter
    }
    if let Some((inode, sb)) = read.infos::<RnwFs>() {
        record_in(&inode.stats, &sb.stats, false, dio_outcome(result));
    }
}
