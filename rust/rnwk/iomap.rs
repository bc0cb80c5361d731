// SPDX-License-Identifier: GPL-2.0
//! iomap: what a filesystem on iomap is given in its callbacks (a direct I/O's iteration,
//! a writeback ioend, the mapping to report) and the queue on which writeback ioends
//! complete in process context.

pub(crate) mod dio;
pub(crate) mod ioend;
pub(crate) mod ioend_queue;
pub(crate) mod mapping;

pub(crate) use dio::DioIter;
pub(crate) use ioend::{CompletedIoend, Ioend};
pub(crate) use ioend_queue::{IoendHandler, IoendQueue};
pub(crate) use mapping::{IomapOut, Mapping, MappingFlags, MappingKind, WritepageCtx};
