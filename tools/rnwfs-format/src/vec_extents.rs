// SPDX-License-Identifier: GPL-2.0
//! An extent list over a `Vec`, for userspace: the kernel keeps a file's extents in a
//! `KVVec` (rust/rnwfs/inode.rs); tests and the fuzzer edit the same lists with this.

use crate::extent::Extent;
use crate::extent_map::{ExtentList, MapError};
use std::vec::Vec;

pub struct VecExtents(pub Vec<Extent>);

impl ExtentList for VecExtents {
    fn extents(&self) -> &[Extent] {
        &self.0
    }
    fn extents_mut(&mut self) -> &mut [Extent] {
        &mut self.0
    }
    fn insert(&mut self, at: usize, e: Extent) -> Result<(), MapError> {
        self.0.insert(at, e);
        Ok(())
    }
    fn remove(&mut self, at: usize) {
        self.0.remove(at);
    }
}
