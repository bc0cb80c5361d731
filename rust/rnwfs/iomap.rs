// SPDX-License-Identifier: GPL-2.0
//! The block mapping iomap asks for: reads see written extents, holes and unwritten
//! extents (zeros); writes into holes allocate *unwritten* extents, marked written only
//! when their data reached the device (writeback ioend or direct I/O completion), so a
//! reader never sees stale blocks. Under IOMAP_NOWAIT nothing sleeps: the mapping lock is
//! tried, and a write that would allocate returns EAGAIN.
#![deny(unsafe_code)]

use crate::rnwk::{
    bio::UnsubmittedBio,
    fs::Kiocb,
    iomap::{DioEndFlags, DioIter, DioReadEnd, IomapFlags, Mapping, MappingFlags, MappingKind},
};
use crate::{
    format::{
        extent_map::{self, Lookup},
        Extent, BLOCK_SHIFT, BLOCK_SIZE,
    },
    vfs::Inode,
};
use crate::{
    inode::NewBlocks,
    stats::{self, Attempt, Cause},
};
use kernel::prelude::*;

const BS: u64 = BLOCK_SIZE as u64;
/// Largest allocation for one mapping request (128 MiB).
const MAX_ALLOC_BLOCKS: u64 = 32768;

/// A mapping in the form iomap wants (the layer's [`Mapping`]), from rnwfs' extents.
struct Report;

impl Report {
    fn extent(e: &Extent, flags: MappingFlags) -> Mapping {
        Mapping {
            kind: if e.unwritten() {
                MappingKind::Unwritten
            } else {
                MappingKind::Mapped
            },
            flags,
            offset: e.logical << BLOCK_SHIFT,
            length: (e.len as u64) << BLOCK_SHIFT,
            device_offset: e.physical << BLOCK_SHIFT,
        }
    }

    fn hole(first: u64, end: u64) -> Mapping {
        Mapping {
            kind: MappingKind::Hole,
            flags: MappingFlags::NONE,
            offset: first << BLOCK_SHIFT,
            length: (end - first) << BLOCK_SHIFT,
            device_offset: 0,
        }
    }
}

/// EAGAIN for a nowait mapping, noting why on the read or write's attempt.
fn refuse(attempt: Option<&Attempt>, cause: Cause) -> Error {
    attempt.map_or(EAGAIN, |a| a.refuse(cause))
}

/// `iomap_begin` (rnwfs' `rnwk::iomap::Operations`): the mapping at `pos` for an
/// iteration with `flags`; `attempt` is the read or write's (direct I/O and buffered writes
/// carry it; faults, writeback and zeroing do not).
pub(crate) fn begin(
    inode: Inode<'_>,
    pos: u64,
    len: u64,
    flags: IomapFlags,
    attempt: Option<&Attempt>,
) -> Result<Mapping> {
    let first = pos >> BLOCK_SHIFT;
    let end = (pos + len.max(1)).div_ceil(BS);
    let nowait = flags.intersects(IomapFlags::NOWAIT | IomapFlags::OVERWRITE_ONLY);
    let writing = flags.contains(IomapFlags::WRITE);
    let allocating = writing && !flags.contains(IomapFlags::ZERO);
    // Metadata the written data depends on is not yet on disk (O_DSYNC must flush it).
    let dirty = if writing && (inode.dirty_datasync() || pos + len > inode.size()) {
        MappingFlags::DIRTY
    } else {
        MappingFlags::NONE
    };
    // A nowait direct I/O must be one mapping, as xfs requires: iomap submits a mapping's
    // bios before it asks for the next one, so refusing a later mapping (its lock busy)
    // would end the dio with EAGAIN after part of it was submitted; an async one's EAGAIN
    // then comes from its completion, too late for io_uring to retry. So the first mapping
    // must reach the end of the I/O (for a read, of the file: iomap reads no data past EOF,
    // and the mapping it asks for there is answered below without the lock).
    let direct_nowait = nowait && flags.contains(IomapFlags::DIRECT);
    let eof_block = inode.size().div_ceil(BS);
    if direct_nowait && !writing && first >= eof_block {
        return Ok(Report::hole(first, end.max(first + 1)));
    }
    let must_reach = if writing {
        pos + len
    } else {
        (pos + len).min(eof_block << BLOCK_SHIFT)
    };
    let whole = |r: Mapping| {
        if direct_nowait && r.offset.saturating_add(r.length) < must_reach {
            return Err(refuse(attempt, Cause::Other));
        }
        Ok(r)
    };
    let map = &inode.info().map;
    {
        let m = if nowait {
            map.try_read().ok_or_else(|| refuse(attempt, Cause::Lock))?
        } else {
            map.read()
        };
        match extent_map::lookup(m.list(), first) {
            Lookup::Mapped(e) => {
                if e.unwritten() && flags.contains(IomapFlags::OVERWRITE_ONLY) {
                    return Err(refuse(attempt, Cause::Alloc)); // would need sub-block zeroing
                }
                let dirty = if e.unwritten() && writing {
                    MappingFlags::DIRTY
                } else {
                    dirty
                };
                return whole(Report::extent(&e, dirty));
            }
            Lookup::Hole { next } => {
                if !allocating {
                    return whole(Report::hole(first, next.unwrap_or(end.max(first + 1))));
                }
                if nowait {
                    return Err(refuse(attempt, Cause::Alloc)); // allocating may sleep
                }
            }
        }
    }
    let mut m = map.write();
    match extent_map::lookup(m.list(), first) {
        Lookup::Mapped(e) => Ok(Report::extent(&e, dirty)),
        Lookup::Hole { next } => {
            let want = (next.unwrap_or(u64::MAX).min(end) - first).clamp(1, MAX_ALLOC_BLOCKS);
            let e = m.allocate(inode, first, want as u32, NewBlocks::Unwritten)?;
            Ok(Report::extent(&e, MappingFlags::NEW | MappingFlags::DIRTY))
        }
    }
}

/// Whether a nowait direct write of [pos, pos + len) can go without allocating: every
/// block mapped, and written if the write is sub-block (it would zero around its data).
pub(crate) fn nowait_overwrite(
    inode: Inode<'_>,
    pos: u64,
    len: u64,
    unaligned: bool,
) -> core::result::Result<(), Cause> {
    let map = inode.info().map.try_read().ok_or(Cause::Lock)?;
    let (mut block, end) = (pos >> BLOCK_SHIFT, (pos + len).div_ceil(BS));
    while block < end {
        match extent_map::lookup(map.list(), block) {
            Lookup::Mapped(e) if !(unaligned && e.unwritten()) => block = e.end_logical(),
            _ => return Err(Cause::Alloc),
        }
    }
    Ok(())
}

/// Writeback's mapping (`map_blocks`): the extent under `offset` (dirty data is never over
/// a hole: writes allocate).
pub(crate) fn map_blocks(inode: Inode<'_>, offset: u64) -> Result<Mapping> {
    let first = offset >> BLOCK_SHIFT;
    // The mapping lock is held for the lookup only, as in iomap_begin: the extent is a copy.
    let found = extent_map::lookup(inode.info().map.read().list(), first);
    match found {
        Lookup::Mapped(e) => Ok(Report::extent(&e, MappingFlags::NONE)),
        Lookup::Hole { .. } => {
            pr_err!(
                "inode {}: dirty data over a hole at block {}\n",
                inode.ino(),
                first
            );
            Err(EIO)
        }
    }
}

/// Marks the blocks of [offset, offset + size) written: their data is on the device.
pub(crate) fn convert_unwritten(inode: Inode<'_>, offset: u64, size: u64) -> Result {
    if size == 0 {
        return Ok(());
    }
    let start = offset >> BLOCK_SHIFT;
    let end = (offset + size).div_ceil(BS);
    inode.info().map.write().mark_written(inode, start, end)?;
    crate::inode::write_inode(inode, false)
}

/// Direct write completion (task context for writes that need it): convert what was
/// written into unwritten extents, then raise the size if the write extended the file.
pub(crate) fn dio_write_end_io(
    iocb: &Kiocb<'_>,
    size: isize,
    result: Result,
    flags: DioEndFlags,
) -> Result {
    // The I/O's file pins the inode (rnwfs': the layer checks, so the I/O's own result
    // stays what the caller sees).
    let Ok(inode) = Inode::of(iocb.file().inode()) else {
        return result.and(Err(EIO));
    };
    let pos = iocb.pos();
    stats::dio_write_completed(iocb, inode, &result);
    if result.is_err() || size <= 0 {
        return result;
    }
    if flags.unwritten() {
        convert_unwritten(inode, pos, size as u64)?;
    }
    if inode.extend_size(pos + size as u64) {
        inode.mark_dirty();
    }
    Ok(())
}

/// A direct I/O's bio, built by iomap, on its way to the device (`dio_submit_io`);
/// `attempt` is the read or write's (`Io::dio` in file.rs gives it to `dio_rw`).
///
/// 6.12's iomap never sets REQ_NOWAIT (a nowait dio of several bios could end half done).
/// A synchronous nowait dio that is one bio can carry it: the device's BLK_STS_AGAIN then
/// reaches the caller as EAGAIN, with nothing written. (`Attempt::set_dio` is not called for
/// async dios: their refusal would come too late for io_uring to retry.)
pub(crate) fn dio_submit_io(
    iter: &DioIter<'_>,
    mut bio: UnsubmittedBio<'_>,
    file_offset: u64,
    attempt: Option<&Attempt>,
) {
    if iter.is_nowait()
        && bio.device_supports_nowait()
        && attempt.is_some_and(|a| a.is_whole_dio(file_offset, bio.size()))
    {
        bio.set_nowait();
    }
    bio.submit();
}

/// Direct read completion (maybe in interrupt context): only the nowait statistics to keep.
pub(crate) fn dio_read_end_io(read: &DioReadEnd<'_>, result: Result) -> Result {
    stats::dio_read_completed(read, &result);
    result
}
