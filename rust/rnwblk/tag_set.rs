// SPDX-License-Identifier: GPL-2.0
//! A blk-mq tag set with rnwblk's operations, optional poll queues, and a command per request.

use crate::{ffi, mq_ops, request::Cmd};
use core::ffi::c_void;
use kernel::{error::to_result, prelude::*, types::Opaque};

pub(crate) struct TagSpec {
    pub(crate) submit_queues: u32,
    pub(crate) poll_queues: u32,
    pub(crate) queue_depth: u32,
}

pub(crate) struct TagSet {
    raw: KBox<Opaque<ffi::bindings::blk_mq_tag_set>>,
}

// SAFETY: blk-mq synchronises all use of the tag set; we only hand out its address.
unsafe impl Send for TagSet {}
// SAFETY: as above.
unsafe impl Sync for TagSet {}

impl TagSet {
    /// `driver_data` is what the operations get back (the device); it must outlive the set.
    pub(crate) fn new(spec: &TagSpec, driver_data: *const c_void) -> Result<Self> {
        let raw = KBox::new(
            Opaque::new(ffi::bindings::blk_mq_tag_set::default()),
            GFP_KERNEL,
        )?;
        let set = raw.get();
        // SAFETY: `set` is ours, zeroed (a valid empty tag set) and in its final place.
        unsafe {
            (*set).ops = &mq_ops::OPS;
            (*set).nr_hw_queues = spec.submit_queues + spec.poll_queues;
            // Only a set with a poll map gets BLK_FEAT_POLL (blk_mq_alloc_queue).
            (*set).nr_maps = if spec.poll_queues > 0 {
                ffi::HCTX_MAX_TYPES
            } else {
                1
            };
            (*set).queue_depth = spec.queue_depth;
            (*set).numa_node = ffi::bindings::NUMA_NO_NODE;
            (*set).cmd_size = core::mem::size_of::<Cmd>() as u32;
            (*set).flags = ffi::BLK_MQ_F_SHOULD_MERGE;
            (*set).driver_data = driver_data as *mut c_void;
            to_result(ffi::bindings::blk_mq_alloc_tag_set(set))?;
        }
        Ok(Self { raw })
    }

    pub(crate) fn as_ptr(&self) -> *mut ffi::bindings::blk_mq_tag_set {
        self.raw.get()
    }
}

impl Drop for TagSet {
    fn drop(&mut self) {
        // SAFETY: allocated in `new`; the disk using it is gone (`Device` drops it first).
        unsafe { ffi::bindings::blk_mq_free_tag_set(self.raw.get()) };
    }
}
