// SPDX-License-Identifier: GPL-2.0
//! A registered configfs subsystem ([`Subsystem`]) and its root group's policy ([`Group`]).

use super::{
    attribute::AttributeTable,
    item::{Item, ItemBox, ItemVTable},
};
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr};
use kernel::{
    c_str, container_of, error::to_result, ffi::c_char, prelude::*, static_lock_class, str::CStr,
    types::Opaque, ThisModule,
};

/// The subsystem's directory: what `mkdir` and `rmdir` in it do.
pub(crate) trait Group: Send + Sync + 'static {
    /// What each directory made in the group holds.
    type Item: Item;

    /// `mkdir NAME`: the initialiser of the new item. An error fails the `mkdir` with its
    /// errno. Called with the subsystem's mutex held (one `mkdir`/`rmdir` at a time).
    fn make_item(&self, name: &CStr) -> Result<impl PinInit<Self::Item, Error>>;

    /// `rmdir`: the item leaves the tree. Its files are gone (no `show`/`store` of it runs
    /// from now on); it is freed once the last reference goes. Subsystem mutex held.
    fn drop_item(&self, item: &Self::Item);
}

/// `/sys/kernel/config/<name>/`, registered; `mkdir` in it makes `G::Item`s. Unregistered
/// on drop.
///
/// # Invariants
///
/// - `tables.subsystem` is registered with configfs; it is unregistered in `drop`, before
///   `tables` is freed. Its root group's type is `tables.group_type` (`G`'s callbacks),
///   and no other group has that type.
/// - Every item made in it is made by [`make_item::<G>`] with `tables.item_type`
///   (`G::Item`'s callbacks and attributes) as type, and holds a reference on the module
///   (`ct_owner`) until `rmdir`: the module's exit, which drops the subsystem, cannot begin
///   while one exists.
pub(crate) struct Subsystem<G: Group> {
    tables: Pin<KBox<Tables<G>>>,
}

/// Everything configfs points into, in one allocation that does not move.
struct Tables<G: Group> {
    /// Written by configfs (its lists, its mutex): only ever used through raw pointers.
    subsystem: Opaque<bindings::configfs_subsystem>,
    group_type: bindings::config_item_type,
    item_type: bindings::config_item_type,
    /// What `item_type` points to; read by configfs only.
    _attributes: AttributeTable,
    group: G,
}

// SAFETY: configfs serialises its use of the subsystem (its mutex and locks); the tables
// are immutable after `register`; `G` is Send + Sync.
unsafe impl<G: Group> Send for Subsystem<G> {}
// SAFETY: `&Subsystem` gives access to nothing (the callbacks share `&G`, and G is Sync).
unsafe impl<G: Group> Sync for Subsystem<G> {}

impl<G: Group> Subsystem<G> {
    /// Registers `/sys/kernel/config/<name>/`, whose `mkdir` asks `group` for items of
    /// `module` (each holds a reference on it).
    ///
    /// Register it last in the module's init, and keep it until the module's exit:
    /// configfs cannot unregister a subsystem that still has items, and items pin the
    /// module only once its init has succeeded.
    pub(crate) fn register(name: &CStr, module: &'static ThisModule, group: G) -> Result<Self> {
        let attributes = AttributeTable::new::<G::Item>(module)?;
        let tables = KBox::pin(
            Tables {
                subsystem: Opaque::new(bindings::configfs_subsystem::default()),
                group_type: bindings::config_item_type {
                    ct_owner: module.as_ptr(),
                    ct_item_ops: ptr::null_mut(),
                    // configfs only reads the operations (the C field is not const).
                    ct_group_ops: ptr::from_ref(&GroupVTable::<G>::OPS).cast_mut(),
                    ct_attrs: ptr::null_mut(),
                    ct_bin_attrs: ptr::null_mut(),
                },
                item_type: bindings::config_item_type {
                    ct_owner: module.as_ptr(),
                    ct_item_ops: ptr::from_ref(&ItemVTable::<G::Item>::OPS).cast_mut(),
                    ct_group_ops: ptr::null_mut(),
                    ct_attrs: attributes.as_ptr(),
                    ct_bin_attrs: ptr::null_mut(),
                },
                _attributes: attributes,
                group,
            },
            GFP_KERNEL,
        )?;
        let subsystem = tables.subsystem.get();
        // SAFETY: `subsystem` is zeroed, in its final place, not yet known to configfs:
        // what C does with config_group_init and mutex_init before registering. The name
        // is copied; the group type lives with the subsystem; the lock class is static.
        unsafe {
            bindings::config_group_init_type_name(
                ptr::addr_of_mut!((*subsystem).su_group),
                name.as_char_ptr(),
                &tables.group_type,
            );
            bindings::__mutex_init(
                ptr::addr_of_mut!((*subsystem).su_mutex),
                c_str!("configfs_subsystem::su_mutex").as_char_ptr(),
                // `LockClassKey` is a `repr(transparent)` `lock_class_key`.
                ptr::from_ref(static_lock_class!())
                    .cast::<bindings::lock_class_key>()
                    .cast_mut(),
            );
        }
        // SAFETY: initialised above; `tables` outlives the registration (`drop`).
        to_result(unsafe { bindings::configfs_register_subsystem(subsystem) })?;
        Ok(Self { tables })
    }
}

impl<G: Group> Drop for Subsystem<G> {
    fn drop(&mut self) {
        // SAFETY: registered (the invariants), and without items: each holds a module
        // reference, and the subsystem goes at the module's exit. configfs returns once no
        // callback of the subsystem runs.
        unsafe { bindings::configfs_unregister_subsystem(self.tables.subsystem.get()) };
    }
}

impl<G: Group> Tables<G> {
    /// The tables of the subsystem whose root group is `group`.
    ///
    /// # Safety
    ///
    /// `group` belongs to a group type with `G`'s callbacks, so (by [`Subsystem`]'s
    /// invariants) it is the root group of a registered `Subsystem<G>`, which outlives `'a`.
    unsafe fn of_group<'a>(group: *mut bindings::config_group) -> &'a Self {
        // SAFETY: `group` is the `su_group` of the `subsystem` field of a `Tables<G>`
        // (`Opaque` is `repr(transparent)`), live for `'a` (the contract).
        unsafe {
            let subsystem = container_of!(group, bindings::configfs_subsystem, su_group);
            &*container_of!(subsystem, Self, subsystem)
        }
    }

    fn make_item(&self, name: &CStr) -> Result<*mut bindings::config_item> {
        let init = self.group.make_item(name)?;
        // SAFETY: `item_type` has `G::Item`'s callbacks and attributes; it lives as long as
        // the subsystem, which outlives the item (its module reference; the invariants).
        unsafe { ItemBox::<G::Item>::new_in_configfs(name, &self.item_type, init) }
    }
}

/// The `configfs_group_operations` of `G`'s root group.
struct GroupVTable<G>(PhantomData<G>);

impl<G: Group> GroupVTable<G> {
    const OPS: bindings::configfs_group_operations = bindings::configfs_group_operations {
        make_item: Some(make_item::<G>),
        make_group: None,
        disconnect_notify: None,
        drop_item: Some(drop_item::<G>),
        is_visible: None,
        is_bin_visible: None,
    };
}

/// `make_item` of `G`'s root group.
///
/// # Safety
///
/// Called by configfs for a group whose type has `G`'s callbacks, with the new directory's
/// NUL-terminated name.
unsafe extern "C" fn make_item<G: Group>(
    group: *mut bindings::config_group,
    name: *const c_char,
) -> *mut bindings::config_item {
    // SAFETY: the contract: `G`'s root group (registered while configfs calls it), and a
    // NUL-terminated name that lives for the call.
    let (tables, name) = unsafe { (Tables::<G>::of_group(group), CStr::from_char_ptr(name)) };
    match tables.make_item(name) {
        Ok(item) => item,
        Err(e) => e.to_ptr(),
    }
}

/// `drop_item` of `G`'s root group: the item leaves the tree, and configfs's reference to it
/// is ours to put.
///
/// # Safety
///
/// Called by configfs for a group whose type has `G`'s callbacks and one of its items.
unsafe extern "C" fn drop_item<G: Group>(
    group: *mut bindings::config_group,
    item: *mut bindings::config_item,
) {
    {
        // SAFETY: `G`'s root group, registered; `item` was made by `make_item::<G>`, so
        // it has `G::Item`'s callbacks, and is referenced until the put below.
        let (tables, data) =
            unsafe { (Tables::<G>::of_group(group), ItemBox::<G::Item>::data(item)) };
        tables.group.drop_item(data);
    }
    // SAFETY: the reference configfs hands to `drop_item` ("If ->drop_item() exists, it is
    // responsible for the config_item_put()", fs/configfs/dir.c); `data` is not used after.
    unsafe { bindings::config_item_put(item) };
}
