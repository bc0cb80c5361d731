// SPDX-License-Identifier: GPL-2.0
//! `DioReadEnd`: a direct read that ended, as its `->end_io` sees it.

use crate::rnwk::fs::{FileSystem, Kiocb};

/// A direct read that ended, before iomap completes its kiocb.
///
/// iomap completes direct reads inline (`IOMAP_DIO_INLINE_COMP`): where the read's last bio
/// ended, which for an asynchronous read is the device's completion context (a hard or soft
/// interrupt). So, unlike a direct write's `->end_io` (task context), this handle gives
/// only what may be used there: the kiocb's flags and the filesystem's in-core inode and
/// super block info (plain memory: atomics, no locks that sleep). It cannot reach the file,
/// the inode's methods or anything else that may sleep.
///
/// # Invariants
///
/// `iocb` is the ended read's kiocb, live and on its open file for `'a` (the `->end_io`
/// callback's; iomap completes the kiocb after the call).
pub(crate) struct DioReadEnd<'a> {
    iocb: Kiocb<'a>,
}

impl<'a> DioReadEnd<'a> {
    /// The handle of `iocb`, a direct read's kiocb in its `->end_io` (the tables' callback is
    /// the only caller).
    pub(super) fn new(iocb: Kiocb<'a>) -> Self {
        Self { iocb }
    }

    /// Whether the read was synchronous (its caller waits for it).
    pub(crate) fn is_sync(&self) -> bool {
        self.iocb.is_sync()
    }

    /// Whether the read was a nowait one (`IOCB_NOWAIT`).
    pub(crate) fn is_nowait(&self) -> bool {
        self.iocb.is_nowait()
    }

    /// `F`'s in-core info of the read's inode and of its super block; `None` if the inode
    /// is not `F`'s.
    pub(crate) fn infos<F: FileSystem>(&self) -> Option<(&'a F::InodeInfo, &'a F::SbInfo)> {
        let inode = self.iocb.file().inode();
        Some((inode.fs_info::<F>()?, inode.super_block().fs_info::<F>()?))
    }
}
