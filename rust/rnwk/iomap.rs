// SPDX-License-Identifier: GPL-2.0
//! iomap: a filesystem implements [`Operations`] and makes its iomap calls through this
//! module (direct I/O, buffered writes, zeroing, seeking, FIEMAP, the page cache's read and
//! writeback, write faults), which passes iomap the tables built from it; what iomap hands
//! back to those tables (a direct I/O's iteration, a writeback ioend, the mapping to
//! report) comes to the filesystem as typed handles; and the queue on which writeback
//! ioends complete in process context.

pub(crate) mod aops;
pub(crate) mod calls;
pub(crate) mod dio;
mod dio_read_end;
pub(crate) mod fault;
pub(crate) mod flags;
pub(crate) mod ioend;
pub(crate) mod ioend_queue;
pub(crate) mod mapping;
pub(crate) mod operations;
pub(crate) mod page_cache_ops;
pub(crate) mod writethrough;

pub(crate) use calls::{
    buffered_write, dio_rw, fiemap, seek_data, seek_hole, truncate_page, zero_range, FiemapInfo,
};
pub(crate) use dio::DioIter;
pub(crate) use dio_read_end::DioReadEnd;
pub(crate) use flags::{DioEndFlags, DioFlags, IomapFlags};
pub(crate) use ioend::{CompletedIoend, Ioend};
pub(crate) use ioend_queue::{IoendHandler, IoendQueue};
pub(crate) use mapping::{Mapping, MappingFlags, MappingKind};
pub(crate) use operations::Operations;
pub(crate) use page_cache_ops::PageCacheTables;
pub(crate) use writethrough::{
    Ended as WritethroughEnded, Prepared as PreparedWritethrough, StableWrites, SubmitOptions,
    Submitted, WritethroughOps,
};
