// SPDX-License-Identifier: GPL-2.0
//! rnwfs on iomap: its [`Operations`] (the mapping of iomap.rs, the writeback completion of
//! writeback.rs, the direct I/O hooks), from which the layer builds its iomap, page-cache
//! and fault tables, and the iomap calls the rest of rnwfs makes with its operations.
#![deny(unsafe_code)]

use crate::rnwk::{
    bio::UnsubmittedBio,
    fs::{InodeRef, Kiocb},
    iomap::{
        self, DioEndFlags, DioIter, DioReadEnd, FiemapInfo, Ioend, IomapFlags, Mapping, Operations,
    },
};
use crate::{stats::Attempt, vfs::Inode};
use kernel::prelude::*;

/// rnwfs' iomap operations.
pub(crate) struct RnwfsIomap;

impl Operations for RnwfsIomap {
    /// A read or write's nowait attempt: where a refusal in the mapping is noted, and the
    /// direct I/O's range (for REQ_NOWAIT).
    type Private = Attempt;

    fn iomap_begin<'a>(
        inode: InodeRef<'a>,
        pos: u64,
        length: u64,
        flags: IomapFlags,
        attempt: Option<&'a Attempt>,
    ) -> Result<Mapping> {
        crate::iomap::begin(Inode::of(inode)?, pos, length, flags, attempt)
    }

    fn map_blocks(inode: InodeRef<'_>, offset: u64, _len: u32) -> Result<Mapping> {
        crate::iomap::map_blocks(Inode::of(inode)?, offset)
    }

    fn prepare_ioend(ioend: Ioend<'_>, status: i32) -> i32 {
        crate::writeback::prepare_ioend(ioend, status)
    }

    fn dio_write_end_io(
        iocb: Kiocb<'_>,
        size: isize,
        result: Result,
        flags: DioEndFlags,
    ) -> Result {
        crate::iomap::dio_write_end_io(&iocb, size, result, flags)
    }

    fn dio_read_end_io(read: DioReadEnd<'_>, result: Result) -> Result {
        crate::iomap::dio_read_end_io(&read, result)
    }

    fn dio_submit_io<'a>(
        iter: DioIter<'a>,
        bio: UnsubmittedBio<'a>,
        file_offset: u64,
        attempt: Option<&'a Attempt>,
    ) {
        crate::iomap::dio_submit_io(&iter, bio, file_offset, attempt)
    }
}

/// `inode_operations.fiemap` of regular files.
pub(crate) fn fiemap(inode: InodeRef<'_>, info: FiemapInfo<'_>, start: u64, len: u64) -> Result {
    iomap::fiemap::<RnwfsIomap>(inode, info, start, len)
}

/// Zeroes [pos, pos + len) through the page cache (an empty range does nothing). Callers
/// hold i_rwsem exclusively.
pub(crate) fn zero_range(inode: Inode<'_>, pos: u64, len: u64) -> Result {
    iomap::zero_range::<RnwfsIomap>(inode.layer(), pos, len)
}

/// Zeroes the rest of the block holding `pos` (before the size drops to `pos`). Callers
/// hold i_rwsem exclusively.
pub(crate) fn truncate_page(inode: Inode<'_>, pos: u64) -> Result {
    iomap::truncate_page::<RnwfsIomap>(inode.layer(), pos)
}

/// SEEK_DATA (`data`) or SEEK_HOLE from `offset`. Callers hold i_rwsem.
pub(crate) fn seek(inode: Inode<'_>, offset: i64, data: bool) -> Result<i64> {
    if data {
        iomap::seek_data::<RnwfsIomap>(inode.layer(), offset)
    } else {
        iomap::seek_hole::<RnwfsIomap>(inode.layer(), offset)
    }
}
