// SPDX-License-Identifier: GPL-2.0
//! The registered filesystem type: its `file_system_type`, mount contexts and options, the
//! super block's operations, and [`Registration`], which registers a [`FileSystem`].
//!
//! A module registers at most one filesystem (the layer is compiled into each module, so
//! these statics are the module's): which one is recorded at registration, and the typed
//! accessors ([`InodeRef::fs_info`](super::InodeRef::fs_info)) check it.

use super::{
    inode_cache, inode_ops, DentryRef, EvictingInode, FileSystem, FsContext, InodeRef,
    NewSuperBlock, StatfsOut, SuperBlock, WritebackControl,
};
use crate::rnwk::bindings;
use core::{
    any::TypeId,
    ffi::c_int,
    marker::PhantomData,
    ptr::NonNull,
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{prelude::*, types::Opaque};

/// An all-zero operation table or `file_system_type`: every callback absent, every field 0.
const fn zeroed<T>() -> T {
    // SAFETY: used only for the kernel's operation tables and `file_system_type`, whose
    // fields are nullable pointers, optional function pointers, integers and lock class
    // keys, for all of which zero is a valid (and the static) value.
    unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
}

/// The module's `file_system_type`. In static memory, as lockdep wants the lock class keys
/// in it to be.
struct FsTypeCell(Opaque<kernel::bindings::file_system_type>);

// SAFETY: written only by `Registration::new` before it registers the type (and by nobody
// while registered); the VFS synchronises its own uses.
unsafe impl Sync for FsTypeCell {}

static FS_TYPE: FsTypeCell = FsTypeCell(Opaque::uninit());

/// What the registration of the module's filesystem recorded.
struct Registered {
    type_id: TypeId,
    inode_cache: NonNull<bindings::kmem_cache>,
    /// The mount options' `fs_parameter_spec` table, ending with an empty entry.
    params: KVec<bindings::fs_parameter_spec>,
    inode_tables: inode_ops::Tables,
}

/// The module's registration: set by `Registration::new` before the type is registered,
/// cleared by its drop after unregistering and after the last inode is freed.
static REGISTERED: AtomicPtr<Registered> = AtomicPtr::new(core::ptr::null_mut());

fn registered() -> Option<&'static Registered> {
    // SAFETY: non-null only between `Registration::new` and its drop, which frees it after
    // the filesystem is gone (no callback, and so no caller, can run then).
    unsafe { REGISTERED.load(Ordering::Acquire).as_ref() }
}

/// Whether `sb` is a super block of the registered filesystem, and that filesystem is `F`.
pub(super) fn owns<F: FileSystem>(sb: SuperBlock<'_>) -> bool {
    let Some(r) = registered() else {
        return false;
    };
    // SAFETY: a live super block (`SuperBlock`'s invariant); `s_type` is fixed for its life.
    let s_type = unsafe { (*sb.as_ptr()).s_type };
    r.type_id == TypeId::of::<F>() && core::ptr::eq(s_type, FS_TYPE.0.get())
}

/// The registered filesystem's inode cache.
pub(super) fn inode_cache() -> Option<NonNull<bindings::kmem_cache>> {
    registered().map(|r| r.inode_cache)
}

/// The registered filesystem's inode operation tables.
pub(super) fn inode_tables() -> Option<&'static inode_ops::Tables> {
    registered().map(|r| &r.inode_tables)
}

/// The mount options of a mount or remount: for each of [`FileSystem::FLAGS`], -1 (not
/// given), 0 (`-o noname`) or 1 (`-o name`). The context's `fs_private`.
pub(super) struct MountFlags(KVec<i8>);

impl MountFlags {
    pub(super) fn get(&self, index: usize) -> Option<bool> {
        match self.0.get(index) {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        }
    }
}

/// The operation tables of filesystem `F`, built at compile time.
struct Tables<F>(PhantomData<F>);

impl<F: FileSystem> Tables<F> {
    const SUPER: bindings::super_operations = bindings::super_operations {
        alloc_inode: Some(inode_cache::alloc_inode::<F>),
        free_inode: Some(inode_cache::free_inode::<F>),
        write_inode: Some(write_inode::<F>),
        evict_inode: Some(evict_inode::<F>),
        put_super: Some(put_super::<F>),
        sync_fs: Some(sync_fs::<F>),
        statfs: Some(statfs::<F>),
        show_options: Some(show_options::<F>),
        ..zeroed()
    };

    const CONTEXT: bindings::fs_context_operations = bindings::fs_context_operations {
        free: Some(free_fs_context::<F>),
        parse_param: Some(parse_param::<F>),
        get_tree: Some(get_tree::<F>),
        reconfigure: Some(reconfigure::<F>),
        ..zeroed()
    };
}

/// `->init_fs_context`: a new mount or remount gets the filesystem's context operations and
/// its options, none given yet.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn init_fs_context<F: FileSystem>(
    fc: *mut kernel::bindings::fs_context,
) -> c_int {
    let fc = fc.cast::<bindings::fs_context>();
    let mut flags = KVec::new();
    if flags.extend_with(F::FLAGS.len(), -1i8, GFP_KERNEL).is_err() {
        return ENOMEM.to_errno();
    }
    let Ok(flags) = KBox::new(MountFlags(flags), GFP_KERNEL) else {
        return ENOMEM.to_errno();
    };
    // SAFETY: the context being made for this filesystem (the VFS calls its type's
    // `init_fs_context` once, before anything else uses it); `free_fs_context` frees the
    // options.
    unsafe {
        (*fc).fs_private = KBox::into_raw(flags).cast();
        (*fc).ops = &Tables::<F>::CONTEXT;
    }
    0
}

/// `fs_context_operations.free`.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn free_fs_context<F: FileSystem>(fc: *mut bindings::fs_context) {
    // SAFETY: the context `init_fs_context` set up, going away: its options are ours.
    unsafe {
        let flags = (*fc).fs_private.cast::<MountFlags>();
        if !flags.is_null() {
            drop(KBox::from_raw(flags));
            (*fc).fs_private = core::ptr::null_mut();
        }
    }
}

/// `fs_context_operations.parse_param`: one mount option.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn parse_param<F: FileSystem>(
    fc: *mut bindings::fs_context,
    param: *mut bindings::fs_parameter,
) -> c_int {
    let Some(r) = registered() else {
        return EINVAL.to_errno();
    };
    let mut result = bindings::fs_parse_result::default();
    // SAFETY: a live context and parameter (the callback's); the table ends with an empty
    // entry.
    let opt = unsafe { bindings::rnwk_fs_parse(fc, r.params.as_ptr(), param, &mut result) };
    let Ok(index) = usize::try_from(opt) else {
        return opt; // an error (unknown option, bad value): fs_parse reported it
    };
    // SAFETY: the context `init_fs_context` set up: its options are ours, for the call.
    let flags = unsafe { &mut *(*fc).fs_private.cast::<MountFlags>() };
    if let Some(flag) = flags.0.get_mut(index) {
        *flag = i8::from(!result.negated);
    }
    0
}

/// `fs_context_operations.get_tree`: a filesystem on the block device `fc` names.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn get_tree<F: FileSystem>(fc: *mut bindings::fs_context) -> c_int {
    // SAFETY: the live context of the mount (the callback's).
    unsafe { bindings::get_tree_bdev(fc, Some(fill_super::<F>)) }
}

/// `get_tree_bdev`'s fill_super: the layer's part of the super block, then the filesystem's.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn fill_super<F: FileSystem>(
    sb: *mut bindings::super_block,
    fc: *mut bindings::fs_context,
) -> c_int {
    // SAFETY: the super block being set up and its context, for the call (nothing else
    // reaches the super block yet).
    let (new, fc) = unsafe {
        (*sb).s_op = &Tables::<F>::SUPER;
        (*sb).s_maxbytes = i64::MAX; // MAX_LFS_FILESIZE on 64-bit
        (*sb).s_time_gran = 1;
        (NewSuperBlock::from_raw(sb), FsContext::from_raw(fc))
    };
    status(F::fill_super(&new, &fc))
}

/// `fs_context_operations.reconfigure`: a remount.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn reconfigure<F: FileSystem>(fc: *mut bindings::fs_context) -> c_int {
    // SAFETY: the live context of the remount (the callback's).
    status(F::reconfigure(&unsafe { FsContext::from_raw(fc) }))
}

/// `write_inode`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn write_inode<F: FileSystem>(
    inode: *mut bindings::inode,
    wbc: *mut bindings::writeback_control,
) -> c_int {
    // SAFETY: the inode being written and the writeback control, live for the call.
    let (inode, wbc) = unsafe { (InodeRef::from_raw(inode), WritebackControl::from_raw(wbc)) };
    status(F::write_inode(inode, &wbc))
}

/// `evict_inode`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn evict_inode<F: FileSystem>(inode: *mut bindings::inode) {
    // SAFETY: the inode being evicted, for the call.
    F::evict_inode(unsafe { EvictingInode::from_raw(inode) })
}

/// `put_super`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn put_super<F: FileSystem>(sb: *mut kernel::bindings::super_block) {
    // SAFETY: the super block being shut down, live for the call.
    F::put_super(unsafe { SuperBlock::from_raw(sb) })
}

/// `sync_fs`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn sync_fs<F: FileSystem>(sb: *mut bindings::super_block, wait: c_int) -> c_int {
    // SAFETY: a live super block (the callback's).
    status(F::sync_fs(unsafe { SuperBlock::from_raw(sb) }, wait != 0))
}

/// `statfs`: the VFS callback of the same name.
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds (or, for a
/// slab constructor, the inode cache), with the arguments its C prototype describes.
unsafe extern "C" fn statfs<F: FileSystem>(
    dentry: *mut bindings::dentry,
    buf: *mut kernel::bindings::kstatfs,
) -> c_int {
    // SAFETY: a live dentry of the filesystem and the caller's zeroed kstatfs, for the call.
    let (dentry, out) = unsafe { (DentryRef::from_raw(dentry), StatfsOut::from_raw(buf.cast())) };
    status(F::statfs(&dentry, out))
}

/// `show_options`: the mount's flags that are set, each as ",name" (`/proc/mounts`).
///
/// # Safety
///
/// Called by the kernel only, through the table this module builds, with the arguments its
/// C prototype describes.
unsafe extern "C" fn show_options<F: FileSystem>(
    seq: *mut kernel::bindings::seq_file,
    root: *mut bindings::dentry,
) -> c_int {
    // SAFETY: the root dentry of a mount of the filesystem, live for the call.
    let sb = unsafe { DentryRef::from_raw(root) }.super_block();
    for (index, name) in F::FLAGS.iter().enumerate() {
        if F::flag_set(sb, index) {
            // SAFETY: the caller's seq_file, for the call; `name` is NUL-terminated.
            unsafe { bindings::rnwk_seq_show_flag(seq.cast(), name.as_char_ptr()) };
        }
    }
    0
}

/// An operation's outcome as the VFS wants it: 0 or -errno.
pub(super) fn status(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// The registered filesystem `F`: registered while this lives, and unregistered (with its
/// inode cache destroyed) when dropped. Mounts pin the module, so none exists then.
pub(crate) struct Registration<F: FileSystem> {
    _fs: PhantomData<F>,
}

impl<F: FileSystem> Registration<F> {
    /// Registers `F` for `module`. EBUSY if the module has registered a filesystem already.
    pub(crate) fn new(module: &'static ThisModule) -> Result<Self> {
        let mut params = KVec::with_capacity(F::FLAGS.len() + 1, GFP_KERNEL)?;
        for (opt, name) in F::FLAGS.iter().enumerate() {
            params.push(
                bindings::fs_parameter_spec {
                    name: name.as_char_ptr(),
                    opt: u8::try_from(opt).map_err(|_| EINVAL)?,
                    flags: bindings::fs_param_neg_with_no as u16,
                    ..Default::default()
                },
                GFP_KERNEL,
            )?;
        }
        params.push(bindings::fs_parameter_spec::default(), GFP_KERNEL)?;
        let inode_cache = inode_cache::create::<F>(F::NAME)?;
        let r = match KBox::new(
            Registered {
                type_id: TypeId::of::<F>(),
                inode_cache,
                params,
                inode_tables: inode_ops::Tables::of::<F>(),
            },
            GFP_KERNEL,
        ) {
            Ok(r) => KBox::into_raw(r),
            Err(e) => {
                // SAFETY: made above, no inode in it.
                unsafe { inode_cache::destroy(inode_cache) };
                return Err(e.into());
            }
        };
        if REGISTERED
            .compare_exchange(
                core::ptr::null_mut(),
                r,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_err()
        {
            // SAFETY: not published: still ours, and its cache has no inode.
            unsafe {
                let r = KBox::from_raw(r);
                inode_cache::destroy(r.inode_cache);
            }
            return Err(EBUSY);
        }
        let fs_type = FS_TYPE.0.get();
        // SAFETY: the module's type, not registered (this registration claimed `REGISTERED`,
        // which only one can): nobody else reads or writes it.
        let ret = unsafe {
            fs_type.write(kernel::bindings::file_system_type {
                name: F::NAME.as_char_ptr(),
                fs_flags: kernel::bindings::FS_REQUIRES_DEV as c_int,
                init_fs_context: Some(init_fs_context::<F>),
                parameters: (*r).params.as_ptr().cast(),
                kill_sb: Some(kernel::bindings::kill_block_super),
                owner: module.as_ptr(),
                ..zeroed()
            });
            kernel::bindings::register_filesystem(fs_type)
        };
        if ret != 0 {
            release();
            return Err(Error::from_errno(ret));
        }
        Ok(Self { _fs: PhantomData })
    }
}

/// Undoes what `Registration::new` published, after the type is unregistered (or was never
/// registered).
fn release() {
    let r = REGISTERED.load(Ordering::Acquire);
    if r.is_null() {
        return;
    }
    // SAFETY: the published registration; the filesystem is not registered, and mounts pin
    // the module, so no mount and no inode of it is left: nothing reads it any more except
    // RCU-delayed inode frees, which `destroy` waits for before it is freed.
    unsafe {
        inode_cache::destroy((*r).inode_cache);
        REGISTERED.store(core::ptr::null_mut(), Ordering::Release);
        drop(KBox::from_raw(r));
    }
}

impl<F: FileSystem> Drop for Registration<F> {
    fn drop(&mut self) {
        // SAFETY: registered by `new`; no mount exists (each pins the module).
        unsafe { kernel::bindings::unregister_filesystem(FS_TYPE.0.get()) };
        release();
    }
}
