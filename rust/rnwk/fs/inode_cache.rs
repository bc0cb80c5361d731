// SPDX-License-Identifier: GPL-2.0
//! The inode cache: every inode of the filesystem is allocated here, with the filesystem's
//! part ([`FileSystem::InodeInfo`]) beside it (`->alloc_inode`, `->free_inode`).

use super::{fs_type, FileSystem, InodeRef};
use crate::rnwk::bindings;
use core::{ffi::c_void, mem::MaybeUninit, ptr::NonNull};
use kernel::{prelude::*, types::Opaque};

/// An inode of the filesystem `F`: its part, then the VFS inode.
///
/// # Invariants
///
/// Made by `alloc_inode`: `info` is initialised from then until `free_inode` drops it.
#[repr(C)]
struct InodeContainer<T> {
    info: MaybeUninit<T>,
    inode: Opaque<bindings::inode>,
}

impl<T> InodeContainer<T> {
    /// The container of `inode`.
    ///
    /// # Safety
    ///
    /// `inode` is the `inode` field of an `InodeContainer<T>`.
    unsafe fn of(inode: *mut bindings::inode) -> *mut Self {
        // SAFETY: per the contract, `inode` sits at this offset in its container.
        unsafe {
            inode
                .cast::<u8>()
                .sub(core::mem::offset_of!(Self, inode))
                .cast()
        }
    }
}

/// Creates the cache of `F`'s inodes, named after the filesystem.
pub(super) fn create<F: FileSystem>(
    name: &'static kernel::str::CStr,
) -> Result<NonNull<bindings::kmem_cache>> {
    let size =
        u32::try_from(core::mem::size_of::<InodeContainer<F::InodeInfo>>()).map_err(|_| EINVAL)?;
    let align =
        u32::try_from(core::mem::align_of::<InodeContainer<F::InodeInfo>>()).map_err(|_| EINVAL)?;
    // SAFETY: `name` is a NUL-terminated string that outlives the cache (a static);
    // `init_once::<F>` initialises the VFS inode of each new object, as the VFS wants.
    let cache = unsafe {
        bindings::rnwk_inode_cache_create(name.as_char_ptr(), size, align, Some(init_once::<F>))
    };
    NonNull::new(cache).ok_or(ENOMEM)
}

/// Destroys the inode cache.
///
/// # Safety
///
/// `cache` came from [`create`] and is empty for good: no inode of it is live (the
/// RCU-delayed frees of the last ones have run) and none can be allocated any more.
pub(super) unsafe fn destroy(cache: NonNull<bindings::kmem_cache>) {
    // SAFETY: per the contract.
    unsafe { bindings::kmem_cache_destroy(cache.as_ptr()) }
}

/// The slab constructor: a new object's VFS inode is initialised once, for all its uses.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn init_once<F: FileSystem>(object: *mut c_void) {
    let container = object.cast::<InodeContainer<F::InodeInfo>>();
    // SAFETY: the slab gives us a new object of the container's size and alignment.
    unsafe { bindings::inode_init_once(Opaque::raw_get(core::ptr::addr_of!((*container).inode))) }
}

/// `->alloc_inode`: an inode of `sb` with `F`'s part.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
pub(super) unsafe extern "C" fn alloc_inode<F: FileSystem>(
    sb: *mut bindings::super_block,
) -> *mut bindings::inode {
    // Counted as live from here (the registration keeps the cache while any is).
    let Some(cache) = fs_type::inode_allocating() else {
        return core::ptr::null_mut();
    };
    let Ok(info) = F::new_inode_info() else {
        fs_type::inode_freed();
        return core::ptr::null_mut();
    };
    // SAFETY: `sb` is live (the VFS is allocating one of its inodes); the cache is the
    // registered one, whose objects are `InodeContainer<F::InodeInfo>` (`create::<F>`).
    let container = unsafe { bindings::rnwk_alloc_inode_sb(sb, cache.as_ptr()) }
        .cast::<InodeContainer<F::InodeInfo>>();
    if container.is_null() {
        fs_type::inode_freed();
        return core::ptr::null_mut();
    }
    // SAFETY: a new object, ours until returned; `init_once` made its inode.
    unsafe {
        // INVARIANT: `info` is initialised here, dropped in `free_inode`.
        (*container).info.write(info);
        Opaque::raw_get(core::ptr::addr_of!((*container).inode))
    }
}

/// `->free_inode`: the inode is gone (an RCU grace period after its eviction).
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
pub(super) unsafe extern "C" fn free_inode<F: FileSystem>(inode: *mut bindings::inode) {
    // SAFETY: an inode `alloc_inode::<F>` made (the VFS frees each once, through the
    // `->free_inode` of its super block, which is `F`'s): its container's `info` is
    // initialised (type invariant) and dropped once, here.
    unsafe {
        let container = InodeContainer::<F::InodeInfo>::of(inode);
        (*container).info.assume_init_drop();
        if let Some(cache) = fs_type::inode_cache() {
            bindings::kmem_cache_free(cache.as_ptr(), container.cast());
        }
        fs_type::inode_freed();
    }
}

impl<'a> InodeRef<'a> {
    /// The filesystem part of the inode, if it is an inode of the registered filesystem
    /// `F` (every inode a callback of `F` is given is).
    pub(crate) fn fs_info<F: FileSystem>(&self) -> Option<&'a F::InodeInfo> {
        if !fs_type::owns::<F>(self.super_block()) {
            return None;
        }
        // SAFETY: an inode of `F`'s filesystem, so made by `alloc_inode::<F>` (`owns`): its
        // container's `info` is initialised while the inode is live (the invariant), which
        // it is for `'a` (`InodeRef`'s invariant).
        unsafe {
            Some(
                (*InodeContainer::<F::InodeInfo>::of(self.as_ptr()))
                    .info
                    .assume_init_ref(),
            )
        }
    }
}
