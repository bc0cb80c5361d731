// SPDX-License-Identifier: GPL-2.0
//! A blk-mq tag set: the hardware queues (default and, optionally, poll ones), their depth,
//! the driver's [`Operations`] and the data every callback gets.

use super::{operations::OperationsVTable, request::Pdu, Operations};
use crate::rnwk::bindings;
use core::ffi::c_void;
use kernel::{error::to_result, prelude::*, sync::Arc, types::Opaque};

/// The queues of a tag set.
pub(crate) struct TagSetSpec {
    /// Hardware queues for ordinary submissions (at least 1).
    pub(crate) submit_queues: u32,
    /// Hardware queues for polled I/O (`HCTX_TYPE_POLL`); 0: none, and no polling.
    pub(crate) poll_queues: u32,
    /// Tags (requests in flight) per hardware queue.
    pub(crate) queue_depth: u32,
}

/// A tag set whose requests go to `T`.
///
/// # Invariants
///
/// - `inner` was allocated by `blk_mq_alloc_tag_set` with `OperationsVTable::<T>::VTABLE`,
///   a [`Pdu`] per request and `driver_data` pointing to `*data`; it is freed in `drop`,
///   before `data` is released.
/// - `inner` is the first field of this `repr(C)` struct (`map_queues` finds the
///   `TagSet` from it).
/// - Every queue on the set is made by [`GenDisk`](crate::rnwk::block::gen_disk::GenDisk)
///   with `*data` as its queue data.
#[pin_data(PinnedDrop)]
#[repr(C)]
pub(crate) struct TagSet<T: Operations> {
    #[pin]
    inner: Opaque<bindings::blk_mq_tag_set>,
    submit_queues: u32,
    poll_queues: u32,
    data: Arc<T::QueueData>,
}

// SAFETY: blk-mq synchronises every use of the tag set; the data is Send + Sync.
unsafe impl<T: Operations> Send for TagSet<T> {}
// SAFETY: `&TagSet` only hands out the set's address and the (Sync) data.
unsafe impl<T: Operations> Sync for TagSet<T> {}

impl<T: Operations> TagSet<T> {
    /// Allocates the tag set; `data` is what every callback gets. May sleep.
    pub(crate) fn new(spec: &TagSetSpec, data: Arc<T::QueueData>) -> Result<Arc<Self>> {
        let nr_hw_queues = spec
            .submit_queues
            .checked_add(spec.poll_queues)
            .ok_or(EINVAL)?;
        let set = bindings::blk_mq_tag_set {
            ops: &OperationsVTable::<T>::VTABLE,
            nr_hw_queues,
            // Only a set with a poll map gets BLK_FEAT_POLL (blk_mq_alloc_queue).
            nr_maps: if spec.poll_queues > 0 {
                bindings::HCTX_MAX_TYPES
            } else {
                1
            },
            queue_depth: spec.queue_depth,
            numa_node: bindings::NUMA_NO_NODE,
            cmd_size: core::mem::size_of::<Pdu>() as u32,
            flags: bindings::BLK_MQ_F_SHOULD_MERGE,
            driver_data: data_ptr(&data),
            ..Default::default()
        };
        Arc::pin_init(
            // The counts first: blk_mq_alloc_tag_set calls `->map_queues`, which reads them.
            try_pin_init!(TagSet {
                submit_queues: spec.submit_queues,
                poll_queues: spec.poll_queues,
                inner <- PinInit::<_, Error>::pin_chain(Opaque::new(set), |inner| {
                    // SAFETY: a zeroed tag set filled in above, in its final place; the
                    // allocation validates the queue counts and depth.
                    to_result(unsafe { bindings::blk_mq_alloc_tag_set(inner.get()) })
                }),
                data,
            }),
            GFP_KERNEL,
        )
    }

    /// `data` as the raw queue data of a new disk.
    pub(in crate::rnwk) fn data_ptr(&self) -> *mut c_void {
        data_ptr(&self.data)
    }

    pub(in crate::rnwk) fn as_ptr(&self) -> *mut bindings::blk_mq_tag_set {
        self.inner.get()
    }

    /// `->map_queues`: the default queues first, then the poll queues.
    ///
    /// # Safety
    ///
    /// `set` is the `inner` of a `TagSet<T>` whose queue counts are initialised (`new`
    /// initialises them before it allocates the set).
    pub(super) unsafe fn map_queues(set: *mut bindings::blk_mq_tag_set) {
        let this = set.cast::<Self>();
        // SAFETY: per the contract; `inner` is the first field of the repr(C) struct. Raw
        // reads: during `new` the rest of the struct is not initialised yet.
        let (submit_queues, poll_queues) = unsafe {
            (
                core::ptr::addr_of!((*this).submit_queues).read(),
                core::ptr::addr_of!((*this).poll_queues).read(),
            )
        };
        let mut offset = 0;
        // SAFETY: blk-mq calls `->map_queues` with the set's maps not in use yet.
        let (nr_maps, maps) = unsafe { ((*set).nr_maps as usize, &mut (*set).map) };
        for (i, map) in maps.iter_mut().enumerate().take(nr_maps) {
            map.nr_queues = match i as u32 {
                bindings::HCTX_TYPE_DEFAULT => submit_queues,
                bindings::HCTX_TYPE_POLL => poll_queues,
                _ => {
                    map.nr_queues = 0;
                    continue;
                }
            };
            map.queue_offset = offset;
            offset += map.nr_queues;
            // SAFETY: a map of the set, sized above.
            unsafe { bindings::blk_mq_map_queues(map) };
        }
    }
}

#[pinned_drop]
impl<T: Operations> PinnedDrop for TagSet<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: allocated in `new` (type invariant); every disk on it holds an `Arc` of the
        // set, so none is left.
        unsafe { bindings::blk_mq_free_tag_set(self.inner.get()) };
    }
}

/// The address of `data`, as C stores it (it is only read through `&T::QueueData`).
fn data_ptr<D>(data: &Arc<D>) -> *mut c_void {
    let data: &D = data;
    (data as *const D).cast_mut().cast()
}
