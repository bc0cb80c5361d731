// SPDX-License-Identifier: GPL-2.0
//! A file's page cache on iomap: the `address_space_operations` that read and write back
//! its folios, as safe calls generic over the filesystem's [`Operations`]; the table that
//! calls them is `page_cache_ops`'s.

use super::{operations::OperationsVTable, Operations};
use crate::rnwk::{bindings, fs::WritebackControl};
use core::{marker::PhantomData, ptr::NonNull};
use kernel::prelude::*;

/// A locked folio to read, for the `->read_folio` call.
///
/// # Invariants
///
/// `folio` points to a locked folio of a file's page cache that the callee must read (and
/// so unlock), for `'a` (made only from `->read_folio`'s argument: the C prototype declares
/// the pointer).
#[repr(transparent)]
pub(crate) struct Folio<'a> {
    folio: NonNull<bindings::folio>,
    _object: PhantomData<&'a mut bindings::folio>,
}

/// A readahead request, for the `->readahead` call.
///
/// # Invariants
///
/// `rac` points to the live `readahead_control` of the call, for `'a` (made only from
/// `->readahead`'s argument).
#[repr(transparent)]
pub(crate) struct ReadaheadControl<'a> {
    rac: NonNull<bindings::readahead_control>,
    _object: PhantomData<&'a mut bindings::readahead_control>,
}

/// A file's page cache, for an `address_space_operations` call.
///
/// # Invariants
///
/// `mapping` points to the live mapping of a live inode, for `'a` (made only from an
/// `address_space_operations` callback's argument).
#[repr(transparent)]
pub(crate) struct AddressSpace<'a> {
    mapping: NonNull<bindings::address_space>,
    _object: PhantomData<&'a bindings::address_space>,
}

/// `->read_folio`: `iomap_read_folio` with `T`'s mapping; the folio is unlocked when read.
pub(crate) fn read_folio<T: Operations>(folio: Folio<'_>) -> Result {
    // SAFETY: a locked folio to read (type invariant), handed to iomap, which unlocks it;
    // `T`'s iomap table.
    kernel::error::to_result(unsafe {
        bindings::iomap_read_folio(folio.folio.as_ptr(), &OperationsVTable::<T>::IOMAP_OPS)
    })
}

/// `->readahead`: `iomap_readahead` with `T`'s mapping.
pub(crate) fn readahead<T: Operations>(rac: ReadaheadControl<'_>) {
    // SAFETY: the call's readahead request (type invariant), `T`'s iomap table.
    unsafe { bindings::iomap_readahead(rac.rac.as_ptr(), &OperationsVTable::<T>::IOMAP_OPS) }
}

/// `->writepages`: `iomap_writepages` with `T`'s writeback operations and a fresh context.
pub(crate) fn writepages<T: Operations>(
    mapping: AddressSpace<'_>,
    wbc: WritebackControl<'_>,
) -> Result {
    let mut wpc = bindings::iomap_writepage_ctx::default();
    // SAFETY: the call's mapping and writeback control (type invariants), a zeroed context
    // on our stack (as iomap wants it) that outlives the call, `T`'s writeback table.
    kernel::error::to_result(unsafe {
        bindings::iomap_writepages(
            mapping.mapping.as_ptr(),
            wbc.as_ptr(),
            &mut wpc,
            &OperationsVTable::<T>::WRITEBACK_OPS,
        )
    })
}

/// `->bmap`: the device block under file block `block` (0: none), `iomap_bmap` with `T`'s
/// mapping.
pub(crate) fn bmap<T: Operations>(mapping: AddressSpace<'_>, block: u64) -> u64 {
    // SAFETY: the call's mapping (type invariant), `T`'s iomap table.
    unsafe {
        bindings::iomap_bmap(
            mapping.mapping.as_ptr(),
            block,
            &OperationsVTable::<T>::IOMAP_OPS,
        )
    }
}

from_callback_arg!(Folio, folio, bindings::folio);
from_callback_arg!(ReadaheadControl, rac, bindings::readahead_control);
from_callback_arg!(AddressSpace, mapping, bindings::address_space);
