// SPDX-License-Identifier: GPL-2.0
//! rnwk: rnw's kernel abstraction layer, laid out like upstream's `kernel::` crate so that a
//! piece can later be swapped for the mainline one.
//!
//! Every `unsafe` block, every bindgen type and every line of C that rnw's modules need sits
//! under `rust/rnwk/`; the modules' own code (the policy) is safe Rust on top of it. The
//! layer never imports from a module crate's policy. Each module compiles in the parts it
//! uses (see the `mod rnwk` in its `*_main.rs`). Documentation/safe-layer.rst describes
//! the types and their invariants.

pub(crate) mod debugfs;
