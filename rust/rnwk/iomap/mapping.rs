// SPDX-License-Identifier: GPL-2.0
//! The block mapping a filesystem reports to iomap ([`Mapping`]), and where it goes:
//! `->iomap_begin`'s [`IomapOut`], writeback's `->map_blocks` [`WritepageCtx`].

use crate::rnwk::{bindings, fs::SuperBlock};
use core::{ffi::c_void, marker::PhantomData, ptr::NonNull};

/// What a range of a file is on the device.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MappingKind {
    /// No blocks: reads see zeros.
    Hole,
    /// Blocks with the file's data.
    Mapped,
    /// Blocks allocated but not yet written: reads see zeros, writes convert them.
    Unwritten,
}

/// `IOMAP_F_*` flags of a mapping.
#[derive(Clone, Copy, Default)]
pub(crate) struct MappingFlags(u16);

impl MappingFlags {
    pub(crate) const NONE: Self = Self(0);
    /// The blocks were just allocated (iomap zeroes around a sub-block write into them).
    pub(crate) const NEW: Self = Self(bindings::IOMAP_F_NEW as u16);
    /// Metadata the data depends on is not yet on disk (O_DSYNC must write it).
    pub(crate) const DIRTY: Self = Self(bindings::IOMAP_F_DIRTY as u16);
}

impl core::ops::BitOr for MappingFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// A mapping of `length` bytes of a file from byte `offset`: for `Mapped` and `Unwritten`
/// at byte `device_offset` of the filesystem's device.
#[derive(Clone, Copy)]
pub(crate) struct Mapping {
    pub(crate) kind: MappingKind,
    pub(crate) flags: MappingFlags,
    pub(crate) offset: u64,
    pub(crate) length: u64,
    pub(crate) device_offset: u64,
}

/// Fills `iomap` with `m`, on `sb`'s device.
///
/// # Safety
///
/// `iomap` is valid for writes and not used by anyone else during the call.
unsafe fn fill(iomap: *mut bindings::iomap, sb: SuperBlock<'_>, m: &Mapping) {
    let kind = match m.kind {
        MappingKind::Hole => bindings::IOMAP_HOLE,
        MappingKind::Mapped => bindings::IOMAP_MAPPED,
        MappingKind::Unwritten => bindings::IOMAP_UNWRITTEN,
    };
    let addr = if m.kind == MappingKind::Hole {
        bindings::IOMAP_NULL_ADDR as u64
    } else {
        m.device_offset
    };
    // SAFETY: per the contract.
    unsafe {
        (*iomap).bdev = sb.bdev();
        (*iomap).type_ = kind as u16;
        (*iomap).flags = m.flags.0;
        (*iomap).offset = m.offset as i64;
        (*iomap).length = m.length;
        (*iomap).addr = addr;
    }
}

/// The mapping `->iomap_begin` fills, for the call.
///
/// # Invariants
///
/// `iomap` points to the `iomap` field of the live `iomap_iter` the call maps for, the
/// callee's to fill for `'a` (made only from `->iomap_begin`'s `iomap` argument by the
/// layer's callback, [`Self::from_raw`]: 6.12 calls it only from `iomap_iter()`, with
/// `&iter->iomap`).
#[repr(transparent)]
pub(crate) struct IomapOut<'a> {
    iomap: NonNull<bindings::iomap>,
    _object: PhantomData<&'a mut bindings::iomap>,
}

impl IomapOut<'_> {
    /// # Safety
    ///
    /// `iomap` is the `iomap` field of a live `iomap_iter`, the caller's to fill, for `'a`.
    pub(super) unsafe fn from_raw(iomap: *mut bindings::iomap) -> Self {
        // INVARIANT: per the contract; a field of a live iteration is not null.
        Self {
            // SAFETY: per the contract, a valid (so non-null) pointer.
            iomap: unsafe { NonNull::new_unchecked(iomap) },
            _object: PhantomData,
        }
    }

    /// The `private` pointer of the iteration (what the iomap call that runs it was given;
    /// null if none): typed by the tables' callbacks (`OperationsVTable`).
    pub(super) fn iter_private(&self) -> *mut c_void {
        let offset = core::mem::offset_of!(bindings::iomap_iter, iomap);
        // SAFETY: the `iomap` field of a live `iomap_iter` (type invariant): going back by
        // its offset gives the iteration.
        unsafe {
            let iter = self
                .iomap
                .as_ptr()
                .cast::<u8>()
                .sub(offset)
                .cast::<bindings::iomap_iter>();
            (*iter).private
        }
    }

    /// Reports `m`, on `sb`'s device.
    pub(super) fn fill(self, sb: SuperBlock<'_>, m: &Mapping) {
        // SAFETY: the callee's to fill (type invariant).
        unsafe { fill(self.iomap.as_ptr(), sb, m) }
    }
}

/// Writeback's context in `->map_blocks`, for the call.
///
/// # Invariants
///
/// `wpc` points to the live writeback context of the call, whose mapping the callee
/// fills, for `'a` (made only from `->map_blocks`' argument by the layer's callback).
#[repr(transparent)]
pub(crate) struct WritepageCtx<'a> {
    wpc: NonNull<bindings::iomap_writepage_ctx>,
    _object: PhantomData<&'a mut bindings::iomap_writepage_ctx>,
}

impl WritepageCtx<'_> {
    /// # Safety
    ///
    /// `wpc` is the live writeback context of a `->map_blocks` call, for `'a`.
    pub(super) unsafe fn from_raw(wpc: *mut bindings::iomap_writepage_ctx) -> Self {
        // INVARIANT: per the contract.
        Self {
            // SAFETY: per the contract, a valid (so non-null) pointer.
            wpc: unsafe { NonNull::new_unchecked(wpc) },
            _object: PhantomData,
        }
    }

    /// Reports `m`, on `sb`'s device, as the mapping writeback goes on with.
    pub(super) fn fill(self, sb: SuperBlock<'_>, m: &Mapping) {
        // SAFETY: the callee's to fill (type invariant); `iomap` is a field of it.
        unsafe { fill(core::ptr::addr_of_mut!((*self.wpc.as_ptr()).iomap), sb, m) }
    }
}
