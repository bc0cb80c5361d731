// SPDX-License-Identifier: GPL-2.0
//! iomap's flags as types: what an iteration is for ([`IomapFlags`], `->iomap_begin`), how a
//! direct I/O runs ([`DioFlags`], `iomap_dio_rw`) and what it covered ([`DioEndFlags`],
//! `->end_io`). No raw `IOMAP_*` number above the layer.

use crate::rnwk::bindings;

/// `IOMAP_*` flags of an iteration, as `->iomap_begin` is given them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct IomapFlags(u32);

impl IomapFlags {
    /// Writing: blocks must exist (be allocated) under the range.
    pub(crate) const WRITE: Self = Self(bindings::IOMAP_WRITE);
    /// Zeroing: holes and unwritten extents need nothing.
    pub(crate) const ZERO: Self = Self(bindings::IOMAP_ZERO);
    /// A direct I/O.
    pub(crate) const DIRECT: Self = Self(bindings::IOMAP_DIRECT);
    /// Do not block: refuse with EAGAIN instead.
    pub(crate) const NOWAIT: Self = Self(bindings::IOMAP_NOWAIT);
    /// Only pure overwrites of written blocks are allowed (no allocation, no zeroing).
    pub(crate) const OVERWRITE_ONLY: Self = Self(bindings::IOMAP_OVERWRITE_ONLY);

    /// Whether every flag of `other` is set.
    pub(crate) fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any flag of `other` is set.
    pub(crate) fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
}

impl core::ops::BitOr for IomapFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// `IOMAP_DIO_*` flags of a direct I/O (`iomap_dio_rw`'s `dio_flags`).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DioFlags(u32);

impl DioFlags {
    pub(crate) const NONE: Self = Self(0);
    /// Wait for the I/O even if the kiocb is async (sub-block zeroing must not race).
    pub(crate) const FORCE_WAIT: Self = Self(bindings::IOMAP_DIO_FORCE_WAIT);
    /// Only pure overwrites: the mapping refuses anything else with EAGAIN.
    pub(crate) const OVERWRITE_ONLY: Self = Self(bindings::IOMAP_DIO_OVERWRITE_ONLY);

    pub(super) fn bits(self) -> u32 {
        self.0
    }
}

impl core::ops::BitOr for DioFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl core::ops::BitOrAssign for DioFlags {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

/// What a finished direct I/O covered (`->end_io`'s `IOMAP_DIO_*` flags).
#[derive(Clone, Copy)]
pub(crate) struct DioEndFlags(u32);

impl DioEndFlags {
    pub(super) fn from_bits(bits: u32) -> Self {
        Self(bits)
    }

    /// `IOMAP_DIO_UNWRITTEN`: it wrote into unwritten extents, which must now be converted.
    pub(crate) fn unwritten(self) -> bool {
        self.0 & bindings::IOMAP_DIO_UNWRITTEN != 0
    }
}

impl IomapFlags {
    pub(super) fn from_bits(bits: u32) -> Self {
        Self(bits)
    }
}
