// SPDX-License-Identifier: GPL-2.0
//! Attribute files: their declaration ([`Attribute`]), the text a read returns ([`Page`]),
//! and the table configfs reads, with one pair of callbacks per attribute.

use super::item::{Item, ItemBox};
use crate::rnwk::bindings;
use core::fmt::{self, Write};
use kernel::{ffi::c_char, page::PAGE_SIZE, prelude::*, str::CStr, ThisModule};

/// One file of an item: its name, which attribute it is (`key`, what [`Item::show`] and
/// [`Item::store`] are told), and whether it may be written.
pub(crate) struct Attribute<A> {
    name: &'static CStr,
    key: A,
    writable: bool,
}

impl<A> Attribute<A> {
    /// A file that shows and takes a value (mode 0644, as C's `CONFIGFS_ATTR`).
    pub(crate) const fn read_write(name: &'static CStr, key: A) -> Self {
        Self {
            name,
            key,
            writable: true,
        }
    }

    /// A file that only shows a value (mode 0444, as `CONFIGFS_ATTR_RO`): configfs refuses
    /// to open it for writing.
    pub(crate) const fn read_only(name: &'static CStr, key: A) -> Self {
        Self {
            name,
            key,
            writable: false,
        }
    }
}

/// The text of an attribute being read: configfs's page. `write!` into it; text that does
/// not fit fails the read with EINVAL.
pub(crate) struct Page<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Page<'_> {
    /// What `write!`/`writeln!` call (an inherent method, found before [`fmt::Write`]'s).
    pub(crate) fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result {
        Write::write_fmt(self, args).map_err(|_| EINVAL)
    }
}

impl Write for Page<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self
            .len
            .checked_add(s.len())
            .filter(|&end| end <= self.buf.len())
            .ok_or(fmt::Error)?;
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

type ShowFn = unsafe extern "C" fn(*mut bindings::config_item, *mut c_char) -> isize;
type StoreFn = unsafe extern "C" fn(*mut bindings::config_item, *const c_char, usize) -> isize;

/// configfs tells `show` and `store` the item, not the attribute: each attribute gets its
/// own instance of the callbacks, with its index in [`Item::ATTRIBUTES`] as a constant.
macro_rules! callbacks_by_index {
    ($($index:literal)*) => {
        /// The most attributes an item may have: the callbacks instantiated below.
        const MAX_ATTRIBUTES: usize = [$($index),*].len();

        /// The callbacks of `T::ATTRIBUTES[index]`.
        fn callbacks<T: Item>(index: usize) -> Option<(ShowFn, StoreFn)> {
            match index {
                $($index => Some((show_attribute::<T, $index>, store_attribute::<T, $index>)),)*
                _ => None,
            }
        }
    };
}

callbacks_by_index!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);

/// The attributes of `T`'s item type as configfs reads them: a `configfs_attribute` per
/// attribute, and the NULL-terminated array of pointers to them (`ct_attrs`).
///
/// # Invariants
///
/// `pointers` holds one pointer per element of `_attributes`, in order, then NULL; neither
/// vector changes after [`AttributeTable::new`], so the pointers stay valid (into the
/// vector's heap buffer, which does not move with the table) while the table lives.
pub(super) struct AttributeTable {
    /// Read by configfs only, through `pointers`.
    _attributes: KVec<bindings::configfs_attribute>,
    pointers: KVec<*mut bindings::configfs_attribute>,
}

impl AttributeTable {
    /// The table of `T::ATTRIBUTES`; an open file of one holds a reference on `module`.
    pub(super) fn new<T: Item>(module: &'static ThisModule) -> Result<Self> {
        const {
            assert!(
                T::ATTRIBUTES.len() <= MAX_ATTRIBUTES,
                "more attributes than callbacks"
            );
        }
        let count = T::ATTRIBUTES.len();
        let mut attributes = KVec::with_capacity(count, GFP_KERNEL)?;
        for (index, attribute) in T::ATTRIBUTES.iter().enumerate() {
            let (show, store) = callbacks::<T>(index).ok_or(E2BIG)?;
            attributes.push(
                bindings::configfs_attribute {
                    ca_name: attribute.name.as_char_ptr(),
                    ca_owner: module.as_ptr(),
                    ca_mode: if attribute.writable { 0o644 } else { 0o444 },
                    show: Some(show),
                    store: attribute.writable.then_some(store),
                },
                GFP_KERNEL,
            )?;
        }
        let mut pointers = KVec::with_capacity(count + 1, GFP_KERNEL)?;
        for attribute in attributes.iter_mut() {
            pointers.push(core::ptr::from_mut(attribute), GFP_KERNEL)?;
        }
        pointers.push(core::ptr::null_mut(), GFP_KERNEL)?;
        Ok(Self {
            _attributes: attributes,
            pointers,
        })
    }

    /// For `config_item_type::ct_attrs` (configfs only reads through it).
    pub(super) fn as_ptr(&self) -> *mut *mut bindings::configfs_attribute {
        self.pointers.as_ptr().cast_mut()
    }
}

/// `show` of `T::ATTRIBUTES[I]`.
///
/// # Safety
///
/// Called by configfs for a file of an item whose type has `T`'s callbacks (the table
/// built by [`AttributeTable::new::<T>`]), holding a reference to the item, with its
/// PAGE_SIZE buffer for the text.
unsafe extern "C" fn show_attribute<T: Item, const I: usize>(
    item: *mut bindings::config_item,
    page: *mut c_char,
) -> isize {
    let Some(attribute) = T::ATTRIBUTES.get(I) else {
        return EINVAL.to_errno() as isize;
    };
    // SAFETY: an item of a type with `T`'s callbacks, referenced for the call (the
    // contract).
    let data = unsafe { ItemBox::<T>::data(item) };
    // SAFETY: configfs's own page, PAGE_SIZE bytes, written only by this call.
    let buf = unsafe { core::slice::from_raw_parts_mut(page.cast::<u8>(), PAGE_SIZE) };
    let mut page = Page { buf, len: 0 };
    match data.show(attribute.key, &mut page) {
        // At most PAGE_SIZE: fits.
        Ok(()) => page.len as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// `store` of `T::ATTRIBUTES[I]` (installed only for a writable one).
///
/// # Safety
///
/// Called by configfs for a file of an item whose type has `T`'s callbacks, holding a
/// reference to the item, with the `count` bytes written.
unsafe extern "C" fn store_attribute<T: Item, const I: usize>(
    item: *mut bindings::config_item,
    page: *const c_char,
    count: usize,
) -> isize {
    let Some(attribute) = T::ATTRIBUTES.get(I).filter(|a| a.writable) else {
        return EINVAL.to_errno() as isize;
    };
    let Ok(written) = isize::try_from(count) else {
        return EINVAL.to_errno() as isize;
    };
    // SAFETY: as in `show_attribute`.
    let data = unsafe { ItemBox::<T>::data(item) };
    // SAFETY: configfs's buffer holding the `count` bytes written, unchanged for the call.
    let input = unsafe { core::slice::from_raw_parts(page.cast::<u8>(), count) };
    match data.store(attribute.key, input) {
        Ok(()) => written,
        Err(e) => e.to_errno() as isize,
    }
}
