// SPDX-License-Identifier: GPL-2.0
//! A write fault on a file on iomap: `->page_mkwrite` as a safe call generic over the
//! filesystem's [`Operations`].

use super::{operations::OperationsVTable, Operations};
use crate::rnwk::{bindings, fs::InodeRef};
use core::{marker::PhantomData, ptr::NonNull};

/// A page fault in progress, for the `->page_mkwrite` call.
///
/// # Invariants
///
/// `vmf` points to the live `vm_fault` of the call, on a mapping of an open file (which
/// the VMA holds), for `'a` (made only from `->page_mkwrite`'s argument: the C prototype
/// declares the pointer).
#[repr(transparent)]
pub(crate) struct VmFault<'a> {
    vmf: NonNull<bindings::vm_fault>,
    _object: PhantomData<&'a mut bindings::vm_fault>,
}

/// What a fault handler returns (`vm_fault_t`), as the kernel gave it: passed back as is.
#[repr(transparent)]
pub(crate) struct VmFaultResult(bindings::vm_fault_t);

impl VmFaultResult {
    pub(super) fn into_raw(self) -> bindings::vm_fault_t {
        self.0
    }
}

/// `->page_mkwrite`: the standard iomap write fault. Freeze protection, the file's times,
/// then `iomap_page_mkwrite` (which allocates through `T::iomap_begin`) under the shared
/// invalidate lock, so that truncation and hole punching cannot race with it.
pub(crate) fn page_mkwrite<T: Operations>(vmf: VmFault<'_>) -> VmFaultResult {
    let vmf = vmf.vmf.as_ptr();
    // SAFETY: a live fault on a mapping of an open file (type invariant), which the VMA
    // holds for the call, so its file and inode are live.
    let (file, inode) = unsafe {
        let file = bindings::rnwk_vmf_file(vmf);
        (file, InodeRef::from_raw(bindings::rnwk_file_inode(file)))
    };
    let (sb, inode) = (inode.super_block().as_ptr(), inode.as_ptr());
    // SAFETY: the live super block, file and inode of the fault (above); the freeze
    // protection and the shared invalidate lock are taken and released here, in the order
    // the kernel's other iomap filesystems use; `T`'s iomap table.
    unsafe {
        bindings::rnwk_sb_start_pagefault(sb);
        // Only the times: its result is not the fault's (as in the kernel's other iomap
        // filesystems' faults).
        bindings::file_update_time(file);
        bindings::rnwk_filemap_invalidate_lock_shared(inode);
        let ret = bindings::iomap_page_mkwrite(vmf, &OperationsVTable::<T>::IOMAP_OPS);
        bindings::rnwk_filemap_invalidate_unlock_shared(inode);
        bindings::rnwk_sb_end_pagefault(sb);
        VmFaultResult(ret)
    }
}
from_callback_arg!(VmFault, vmf, bindings::vm_fault);
