// SPDX-License-Identifier: GPL-2.0
//! The page-cache tables of a file on iomap, built from the filesystem's [`Operations`]:
//! its `address_space_operations` (reading and writing back folios through iomap, iomap's
//! own folio state handling), its `vm_operations_struct` (the page cache's faults, iomap's
//! write fault) and the `->mmap` that installs them.

use super::{
    aops::{self, AddressSpace, Folio, ReadaheadControl},
    fault::{self, VmFault},
    Operations,
};
use crate::rnwk::{bindings, c_table::zeroed, errno::status, fs::WritebackControl};
use core::{ffi::c_int, marker::PhantomData};

/// `filemap_migrate_folio`, which the kernel's headers define away (NULL) without
/// CONFIG_MIGRATION.
#[cfg(CONFIG_MIGRATION)]
const MIGRATE_FOLIO: MigrateFolio = Some(bindings::rnwk_filemap_migrate_folio);
#[cfg(not(CONFIG_MIGRATION))]
const MIGRATE_FOLIO: MigrateFolio = None;
type MigrateFolio = Option<
    unsafe extern "C" fn(
        *mut bindings::address_space,
        *mut bindings::folio,
        *mut bindings::folio,
        bindings::migrate_mode,
    ) -> core::ffi::c_int,
>;

/// The tables of a file on `T`.
pub(crate) struct PageCacheTables<T>(PhantomData<T>);

impl<T: Operations> PageCacheTables<T> {
    /// A regular file's `address_space_operations`.
    pub(crate) const AOPS: bindings::address_space_operations =
        bindings::address_space_operations {
            read_folio: Some(read_folio::<T>),
            readahead: Some(readahead::<T>),
            writepages: Some(writepages::<T>),
            dirty_folio: Some(bindings::iomap_dirty_folio),
            release_folio: Some(bindings::iomap_release_folio),
            invalidate_folio: Some(bindings::iomap_invalidate_folio),
            migrate_folio: MIGRATE_FOLIO,
            is_partially_uptodate: Some(bindings::iomap_is_partially_uptodate),
            error_remove_folio: Some(bindings::generic_error_remove_folio),
            bmap: Some(bmap::<T>),
            // SAFETY: a kernel operation table: every other callback absent.
            ..unsafe { zeroed() }
        };

    /// A mapping's `vm_operations_struct`.
    pub(crate) const VM_OPS: bindings::vm_operations_struct = bindings::vm_operations_struct {
        fault: Some(bindings::filemap_fault),
        map_pages: Some(bindings::filemap_map_pages),
        page_mkwrite: Some(page_mkwrite::<T>),
        // SAFETY: a kernel operation table: every other callback absent.
        ..unsafe { zeroed() }
    };
}

/// `->mmap` of a file on `T`: the access time, then the page cache's faults and iomap's
/// write fault.
///
/// # Safety
///
/// Called by the kernel only, as a `file_operations.mmap`, with the arguments its C
/// prototype describes: an open file and the VMA being set up for it.
pub(crate) unsafe extern "C" fn mmap<T: Operations>(
    file: *mut bindings::file,
    vma: *mut bindings::vm_area_struct,
) -> c_int {
    // SAFETY: per the contract; the VMA is the caller's to set up, and the table lives as
    // long as the module, which every mapping of the file pins (through the file).
    unsafe {
        bindings::rnwk_file_accessed(file);
        (*vma).vm_ops = &PageCacheTables::<T>::VM_OPS;
    }
    0
}

/// `read_folio`: the address space callback of the same name (the file, maybe null, is
/// not used).
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds, with the arguments its
/// C prototype describes.
unsafe extern "C" fn read_folio<T: Operations>(
    _file: *mut bindings::file,
    folio: *mut bindings::folio,
) -> c_int {
    // SAFETY: the locked folio to read, for the call.
    status(aops::read_folio::<T>(unsafe { Folio::from_raw(folio) }))
}

/// `readahead`: the address space callback of the same name.
///
/// # Safety
///
/// As for `read_folio`.
unsafe extern "C" fn readahead<T: Operations>(rac: *mut bindings::readahead_control) {
    // SAFETY: the call's readahead request.
    aops::readahead::<T>(unsafe { ReadaheadControl::from_raw(rac) })
}

/// `writepages`: the address space callback of the same name.
///
/// # Safety
///
/// As for `read_folio`.
unsafe extern "C" fn writepages<T: Operations>(
    mapping: *mut bindings::address_space,
    wbc: *mut bindings::writeback_control,
) -> c_int {
    // SAFETY: the mapping written back and the call's writeback control.
    let (mapping, wbc) = unsafe {
        (
            AddressSpace::from_raw(mapping),
            WritebackControl::from_raw(wbc),
        )
    };
    status(aops::writepages::<T>(mapping, wbc))
}

/// `bmap`: the address space callback of the same name.
///
/// # Safety
///
/// As for `read_folio`.
unsafe extern "C" fn bmap<T: Operations>(
    mapping: *mut bindings::address_space,
    block: bindings::sector_t,
) -> bindings::sector_t {
    // SAFETY: a live inode's mapping, for the call.
    aops::bmap::<T>(unsafe { AddressSpace::from_raw(mapping) }, block)
}

/// `page_mkwrite`: the VM callback of the same name.
///
/// # Safety
///
/// As for `read_folio`.
unsafe extern "C" fn page_mkwrite<T: Operations>(
    vmf: *mut bindings::vm_fault,
) -> bindings::vm_fault_t {
    // SAFETY: the fault in progress, on a mapping of an open file.
    fault::page_mkwrite::<T>(unsafe { VmFault::from_raw(vmf) }).into_raw()
}
