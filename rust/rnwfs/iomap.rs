// SPDX-License-Identifier: GPL-2.0
//! The block mapping iomap asks for: reads see written extents, holes and unwritten
//! extents (zeros); writes into holes allocate *unwritten* extents, marked written only
//! when their data reached the device (writeback ioend or direct I/O completion), so a
//! reader never sees stale blocks. Under IOMAP_NOWAIT nothing sleeps: the mapping lock is
//! tried, and a write that would allocate returns EAGAIN.

use crate::rnwk::{
    bio::UnsubmittedBio,
    fs::{InodeRef, Kiocb},
    iomap::{DioIter, IomapOut, Mapping, MappingFlags, MappingKind, WritepageCtx},
};
use crate::{
    ffi,
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

fn begin(
    inode: Inode<'_>,
    pos: u64,
    len: u64,
    flags: u32,
    attempt: Option<&Attempt>,
) -> Result<Mapping> {
    let first = pos >> BLOCK_SHIFT;
    let end = (pos + len.max(1)).div_ceil(BS);
    let nowait = flags & (ffi::IOMAP_NOWAIT | ffi::IOMAP_OVERWRITE_ONLY) != 0;
    let writing = flags & ffi::IOMAP_WRITE != 0;
    let allocating = writing && flags & ffi::IOMAP_ZERO == 0;
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
    let direct_nowait = nowait && flags & ffi::IOMAP_DIRECT != 0;
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
                if e.unwritten() && flags & ffi::IOMAP_OVERWRITE_ONLY != 0 {
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

/// `iomap_ops.iomap_begin` (`srcmap`, for copy-on-write filesystems, is not used).
#[no_mangle]
extern "C" fn rnwfs_iomap_begin(
    inode: InodeRef<'_>,
    pos: i64,
    length: i64,
    flags: u32,
    iomap: IomapOut<'_>,
    _srcmap: *mut core::ffi::c_void,
) -> i32 {
    let inode = match Inode::of(inode) {
        Ok(inode) => inode,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: the iteration's private pointer is one rnwfs set (file.rs gives iomap its
    // read or write's Attempt, which outlives the iteration) or null (page faults,
    // writeback, zeroing).
    let attempt = unsafe { Attempt::from_private(iomap.iter_private()) };
    match begin(inode, pos as u64, length as u64, flags, attempt) {
        Ok(m) => {
            iomap.fill(inode.sb().layer(), &m);
            0
        }
        Err(e) => e.to_errno(),
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

/// Writeback: the extent under `offset` (dirty data is never over a hole: writes allocate).
#[no_mangle]
extern "C" fn rnwfs_map_blocks(
    wpc: WritepageCtx<'_>,
    inode: InodeRef<'_>,
    offset: i64,
    _len: u32,
) -> i32 {
    let inode = match Inode::of(inode) {
        Ok(inode) => inode,
        Err(e) => return e.to_errno(),
    };
    let first = offset as u64 >> BLOCK_SHIFT;
    // The mapping lock is held for the lookup only, as in iomap_begin: the extent is a copy.
    let found = extent_map::lookup(inode.info().map.read().list(), first);
    match found {
        Lookup::Mapped(e) => {
            wpc.fill(inode.sb().layer(), &Report::extent(&e, MappingFlags::NONE));
            0
        }
        Lookup::Hole { .. } => {
            pr_err!(
                "inode {}: dirty data over a hole at block {}\n",
                inode.ino(),
                first
            );
            EIO.to_errno()
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

/// Direct I/O completion (task context for writes that need it): convert what was
/// written into unwritten extents, then raise the size if the write extended the file.
#[no_mangle]
extern "C" fn rnwfs_dio_end_io(iocb: Kiocb<'_>, size: isize, error: i32, flags: u32) -> i32 {
    // The I/O's file pins the inode.
    let (inode, pos) = match Inode::of(iocb.file().inode()) {
        Ok(inode) => (inode, iocb.pos()),
        Err(e) => return e.to_errno(),
    };
    stats::dio_completed(&iocb, inode, true, error);
    if error != 0 || size <= 0 {
        return error;
    }
    if flags & ffi::IOMAP_DIO_UNWRITTEN != 0 {
        if let Err(e) = convert_unwritten(inode, pos, size as u64) {
            return e.to_errno();
        }
    }
    if inode.extend_size(pos + size as u64) {
        inode.mark_dirty();
    }
    0
}

/// A direct I/O's bio, built by iomap, on its way to the device (`iomap_dio_ops.submit_io`).
///
/// 6.12's iomap never sets REQ_NOWAIT (a nowait dio of several bios could end half done).
/// A synchronous nowait dio that is one bio can carry it: the device's BLK_STS_AGAIN then
/// reaches the caller as EAGAIN, with nothing written. (`Attempt::set_dio` is not called for
/// async dios: their refusal would come too late for io_uring to retry.)
#[no_mangle]
extern "C" fn rnwfs_dio_submit_io(
    iter: DioIter<'_>,
    mut bio: UnsubmittedBio<'_>,
    file_offset: i64,
) {
    if iter.is_nowait() && bio.device_supports_nowait() {
        // SAFETY: rnwfs' direct I/O passes iomap_dio_rw its Attempt as `private` (file.rs,
        // `Io::dio`), which lives on the submitting stack: the bio is being submitted.
        let attempt = unsafe { Attempt::from_private(iter.private()) };
        if attempt.is_some_and(|a| a.is_whole_dio(file_offset as u64, bio.size())) {
            bio.set_nowait();
        }
    }
    bio.submit();
}

/// Direct read completion: only the nowait statistics to keep.
#[no_mangle]
extern "C" fn rnwfs_dio_read_end_io(iocb: Kiocb<'_>, _size: isize, error: i32, _flags: u32) -> i32 {
    if let Ok(inode) = Inode::of(iocb.file().inode()) {
        stats::dio_completed(&iocb, inode, false, error);
    }
    error
}
