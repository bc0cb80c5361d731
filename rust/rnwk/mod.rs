// SPDX-License-Identifier: GPL-2.0
//! rnwk: rnw's kernel abstraction layer, laid out like upstream's `kernel::` crate so that a
//! piece can later be swapped for the mainline one.
//!
//! Every `unsafe` block, every bindgen type and every line of C that rnw's modules need sits
//! under `rust/rnwk/` (the modules keep only C tables with no code: rnwblk's
//! `module_param()` table, rnwfs' constants header). The modules' own code (the policy) is
//! safe Rust on top of it; the layer never imports from a module's policy.
//! This file is rnwblk's view of the layer; rnwfs names the parts it uses in the `mod rnwk`
//! of rnwfs_main.rs.
//! Documentation/safe-layer.rst describes the types and their invariants.

#[macro_use]
mod macros;
/// The raw C view, private to the layer.
mod bindings;

pub(crate) mod block;
pub(crate) mod c_table;
pub(crate) mod configfs;
pub(crate) mod debugfs;
pub(crate) mod module_param;
pub(crate) mod percpu;
pub(crate) mod sync;
pub(crate) mod task;
pub(crate) mod time;
pub(crate) mod workqueue;
