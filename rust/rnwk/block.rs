// SPDX-License-Identifier: GPL-2.0
//! Block devices: the major, disks, request queues, blk-mq, and the RAM page store.

pub(crate) mod gen_disk;
pub(crate) mod major;
pub(crate) mod mq;
pub(crate) mod ram_store;
pub(crate) mod request_queue;
