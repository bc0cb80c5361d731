// SPDX-License-Identifier: GPL-2.0
//! rnwblk as a blk-mq driver: the layer's [`Operations`], each forwarded to the policy in
//! `dispatch`.

#![deny(unsafe_code)]

use crate::{
    device::Device,
    dispatch,
    rnwk::block::mq::{CompletionBatch, NewRequest, Operations, Queued, Request, Status},
};

/// The driver type of every rnwblk tag set.
pub(crate) struct RnwBlk;

impl Operations for RnwBlk {
    type QueueData = Device;

    fn queue_rq(dev: &Device, rq: NewRequest<'_>) -> Queued {
        dispatch::queue_rq(dev, rq)
    }

    /// Softirq and timer completions.
    fn complete(dev: &Device, rq: Request, status: Status) {
        dispatch::end_now(dev, rq, status);
    }

    /// Punted requests, in the device's worker.
    fn run_work(dev: &Device, rq: Request) {
        dispatch::run_punted(dev, rq);
    }

    fn complete_polled(dev: &Device, rq: Request, status: Status, batch: &mut CompletionBatch<'_>) {
        dispatch::end_polled(dev, rq, status, batch);
    }
}
