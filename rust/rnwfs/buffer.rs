// SPDX-License-Identifier: GPL-2.0
//! Metadata blocks through the buffer cache, in rnwfs' block size: the layer's
//! [`crate::rnwk::fs::Buffer`] (a held buffer, changed only under its lock, released when
//! dropped).
#![deny(unsafe_code)]

use crate::format::BLOCK_SIZE;

/// A referenced, uptodate buffer of one rnwfs block.
pub(crate) type Buffer = crate::rnwk::fs::Buffer<BLOCK_SIZE>;
