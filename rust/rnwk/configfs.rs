// SPDX-License-Identifier: GPL-2.0
//! configfs: a directory under `/sys/kernel/config/` whose `mkdir` makes items, each a
//! directory of typed attribute files.
//!
//! A module registers a [`Subsystem`] with the data of its root [`Group`]; `mkdir NAME` in
//! the subsystem's directory asks the group for a new [`Item`], `rmdir` hands the item back
//! to the group before it is freed. An item declares its files as a constant list of
//! [`Attribute`]s, each a name, a key (which attribute the file is) and whether it may be
//! written; its [`Item::show`] and [`Item::store`] get the key and `&self`. The layer owns
//! the C side: the `configfs_subsystem`, the item and group types, the attribute tables,
//! the `container_of` from a `config_item` to the item, and the item's lifetime (boxed
//! at `mkdir`, freed by configfs's `release` when the last reference goes).
//!
//! Modelled on the `kernel::configfs` abstraction posted upstream for rnull (2025): the
//! same subsystem/group/item split and attribute tables built in Rust, with callbacks
//! monomorphised per attribute (configfs's `show`/`store` are not told which attribute
//! they are for). It differs where rnw needs it to: children are items, not groups (they
//! have a `release`), and an item's attributes share one `show`/`store` with a key rather
//! than a type per attribute. Not covered: child or default groups, links, binary
//! attributes, `disconnect_notify`.
//!
//! C header: include/linux/configfs.h; Documentation/filesystems/configfs.rst.

mod attribute;
mod item;
mod subsystem;

pub(crate) use attribute::{Attribute, Page};
pub(crate) use item::Item;
pub(crate) use subsystem::{Group, Subsystem};
