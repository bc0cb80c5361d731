// SPDX-License-Identifier: GPL-2.0
//! A configfs item: what the policy declares ([`Item`]) and how configfs holds it
//! ([`ItemBox`]: the `config_item` configfs links into its tree, then the policy's data).

use super::{Attribute, Page};
use crate::rnwk::bindings;
use core::marker::PhantomData;
use kernel::{container_of, prelude::*, str::CStr, types::Opaque};

/// The data of an item (a directory made by `mkdir` in a [`Subsystem`](super::Subsystem))
/// and what its attribute files mean.
///
/// configfs may call `show` and `store` concurrently, on any CPU (hence `Sync`), and frees
/// the item in whichever task drops the last reference (hence `Send`).
pub(crate) trait Item: Send + Sync + 'static {
    /// Which attribute a file is (typically an enum): what `show` and `store` are told.
    type Attr: Copy + 'static;

    /// The item's files, in directory order.
    const ATTRIBUTES: &'static [Attribute<Self::Attr>];

    /// A read of `attr`'s file: writes its text into `page`. An error fails the read with
    /// its errno.
    fn show(&self, attr: Self::Attr, page: &mut Page<'_>) -> Result;

    /// A write of `input` (the bytes written, at most a page) to `attr`'s file; called only
    /// for attributes declared [`Attribute::read_write`]. An error fails the write with its
    /// errno.
    fn store(&self, attr: Self::Attr, input: &[u8]) -> Result;
}

/// An item as configfs holds it.
///
/// # Invariants
///
/// - Made only by [`ItemBox::new_in_configfs`], which initialises `item` with an item type
///   whose callbacks are `T`'s ([`ItemVTable<T>`] and the attribute table of `T`).
/// - From then on configfs owns the box: it stays where it is, live, until the item type's
///   `release` (`release_item::<T>`) turns it back into a [`KBox`] and drops it, once the
///   last reference to `item` is gone. configfs calls the item's callbacks only while it
///   holds a reference.
#[pin_data]
pub(super) struct ItemBox<T: Item> {
    item: Opaque<bindings::config_item>,
    #[pin]
    data: T,
}

impl<T: Item> ItemBox<T> {
    /// Allocates an item initialised by `init` and names it `name`, for configfs to own:
    /// returns the `config_item` that `make_item` hands to configfs.
    ///
    /// # Safety
    ///
    /// `item_type` has `T`'s callbacks (its `ct_item_ops` is [`ItemVTable::<T>::OPS`], its
    /// attributes are the table built for `T`) and outlives the item.
    pub(super) unsafe fn new_in_configfs(
        name: &CStr,
        item_type: *const bindings::config_item_type,
        init: impl PinInit<T, Error>,
    ) -> Result<*mut bindings::config_item> {
        let boxed = KBox::pin_init(
            try_pin_init!(Self {
                // Zeroed, not uninit: config_item_set_name frees a previous name that is
                // not the inline buffer, so `ci_name` must start NULL.
                item: Opaque::new(bindings::config_item::default()),
                data <- init,
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: the box is never moved out of: configfs owns it until `release_item`
        // rebuilds it (the type's invariant).
        let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(boxed) });
        // SAFETY: `raw` points to the live box just leaked.
        let item = unsafe { (*raw).item.get() };
        // SAFETY: `item` is zeroed and not yet known to configfs; `name` is NUL-terminated
        // and copied; `item_type` has `T`'s callbacks and outlives the item (the contract).
        unsafe { bindings::config_item_init_type_name(item, name.as_char_ptr(), item_type) };
        Ok(item)
    }

    /// The data of the item `item`.
    ///
    /// # Safety
    ///
    /// `item` belongs to an item type with `T`'s callbacks (so, by the type's invariants,
    /// it is the `item` of an `ItemBox<T>`), and configfs holds a reference to it for `'a`.
    pub(super) unsafe fn data<'a>(item: *mut bindings::config_item) -> &'a T {
        // SAFETY: `item` is the `item` field of an `ItemBox<T>` (the contract).
        let this = unsafe { container_of!(item, Self, item) };
        // SAFETY: the box is live for `'a` (the contract and the type's invariants); only
        // shared references to its data are ever made.
        unsafe { &(*this).data }
    }
}

/// The `configfs_item_operations` of `T`'s items.
pub(super) struct ItemVTable<T>(PhantomData<T>);

impl<T: Item> ItemVTable<T> {
    pub(super) const OPS: bindings::configfs_item_operations = bindings::configfs_item_operations {
        release: Some(release_item::<T>),
        allow_link: None,
        drop_link: None,
    };
}

/// `release` of `T`'s items: the last reference is gone, the box goes.
///
/// # Safety
///
/// Called by configfs, once, for an item of a type whose `ct_item_ops` is
/// [`ItemVTable::<T>::OPS`], after its last reference is dropped.
unsafe extern "C" fn release_item<T: Item>(item: *mut bindings::config_item) {
    // SAFETY: such an item is the `item` of an `ItemBox<T>` that `new_in_configfs` leaked
    // (the invariants); with no reference left, nothing uses it any more.
    let this = unsafe { container_of!(item, ItemBox<T>, item) };
    // SAFETY: `this` came from `KBox::into_raw` and is freed only here, once.
    drop(unsafe { KBox::from_raw(this.cast_mut()) });
}
