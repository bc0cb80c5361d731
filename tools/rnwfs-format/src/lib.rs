// SPDX-License-Identifier: GPL-2.0
//! The rnwfs on-disk format for userspace: the very file the kernel module compiles
//! (rust/rnwfs/format/), included here so that one definition serves both.
#![cfg_attr(not(test), no_std)]

#[path = "../../../rust/rnwfs/format/mod.rs"]
mod format;

pub use format::*;

#[cfg(feature = "std")]
extern crate std;
#[cfg(feature = "std")]
pub mod device;
#[cfg(any(test, feature = "std"))]
pub mod vec_extents;

#[cfg(test)]
mod chain_tests;
#[cfg(test)]
mod crafted_record_tests;
#[cfg(test)]
mod crafted_superblock_tests;
#[cfg(test)]
mod extent_map_tests;
#[cfg(test)]
mod tests;
