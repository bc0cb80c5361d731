// SPDX-License-Identifier: GPL-2.0
//! blk-mq drivers, after 6.12's `kernel::block::mq`: a driver implements [`Operations`],
//! whose callbacks become a constant `blk_mq_ops` table, makes a [`TagSet`] with it, and gets
//! its requests as typed handles: [`NewRequest`] in `queue_rq` (refused, or started into a
//! [`Request`] that must be ended exactly once) and [`Rq`] to read what a request asks for.

mod hw_ctx;
mod operations;
mod request;
mod rq_list;
mod segments;
mod tag_set;

pub(crate) use operations::Operations;
pub(crate) use request::{CompletionBatch, NewRequest, Op, Queued, Refusal, Request, Rq, Status};
pub(crate) use segments::Segment;
pub(crate) use tag_set::{TagSet, TagSetSpec};
