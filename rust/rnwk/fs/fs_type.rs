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
use crate::rnwk::{bindings, c_table::zeroed, errno::status};
use core::{
    any::TypeId,
    ffi::c_int,
    marker::PhantomData,
    ptr::NonNull,
    sync::atomic::{AtomicU8, AtomicUsize, Ordering},
};
use kernel::{prelude::*, types::Opaque};

/// The module's `file_system_type`. In static memory, as lockdep wants the lock class keys
/// in it to be.
struct FsTypeCell(Opaque<kernel::bindings::file_system_type>);

// SAFETY: written only by the `Registration::new` that claimed `STATE`, before it registers
// the type; the VFS synchronises its own uses after that.
unsafe impl Sync for FsTypeCell {}

static FS_TYPE: FsTypeCell = FsTypeCell(Opaque::uninit());

/// The most mount flags a filesystem may have (`FileSystem::FLAGS`): its `fs_parameter_spec`
/// table is a static array of this many entries and the empty one that ends it.
const MAX_FLAGS: usize = 8;

/// What the registration of the module's filesystem recorded. Static, never freed: the
/// callbacks that read it may run as long as any mount or inode of the filesystem exists.
struct Record {
    type_id: TypeId,
    inode_cache: NonNull<bindings::kmem_cache>,
    /// The mount options' `fs_parameter_spec` table, ending with an empty entry.
    params: [bindings::fs_parameter_spec; MAX_FLAGS + 1],
    inode_tables: inode_ops::Tables,
}

struct RecordCell(Opaque<Record>);

// SAFETY: written once, by the `Registration::new` that claimed `STATE`, before it sets
// `STATE` to `REGISTERED` (release); read only after seeing that (acquire), never written
// again.
unsafe impl Sync for RecordCell {}

static RECORD: RecordCell = RecordCell(Opaque::uninit());

/// The registration's state. It only goes forward (`NONE` -> `CLAIMED` -> `REGISTERED` ->
/// `UNREGISTERED`), so a module registers a filesystem at most once, and `RECORD` is
/// written once.
static STATE: AtomicU8 = AtomicU8::new(NONE);
const NONE: u8 = 0;
const CLAIMED: u8 = 1;
const REGISTERED: u8 = 2;
const UNREGISTERED: u8 = 3;

/// Inodes allocated from the registered filesystem's cache and not freed yet (plus, for a
/// moment, allocations under way): the cache is destroyed only at zero.
static LIVE_INODES: AtomicUsize = AtomicUsize::new(0);

/// The record, once the filesystem has been registered (also after it was unregistered:
/// inodes may outlive the registration only by a misuse, but are still served).
fn registered() -> Option<&'static Record> {
    if STATE.load(Ordering::Acquire) < REGISTERED {
        return None;
    }
    // SAFETY: `RECORD` was written before `STATE` became `REGISTERED` (see `RecordCell`),
    // and is never written again or freed.
    Some(unsafe { &*RECORD.0.get() })
}

/// Whether `sb` is a super block of the registered filesystem, and that filesystem is `F`.
pub(super) fn owns<F: FileSystem>(sb: SuperBlock<'_>) -> bool {
    is_ours(sb) && registered().is_some_and(|r| r.type_id == TypeId::of::<F>())
}

/// Whether `sb` is a super block of the module's filesystem type.
pub(super) fn is_ours(sb: SuperBlock<'_>) -> bool {
    // SAFETY: a live super block (`SuperBlock`'s invariant); `s_type` is fixed for its life.
    let s_type = unsafe { (*sb.as_ptr()).s_type };
    core::ptr::eq(s_type, FS_TYPE.0.get())
}

/// An inode is being allocated from the registered filesystem's cache: the cache, if the
/// filesystem is registered (and it stays until `inode_freed`); `None` otherwise.
pub(super) fn inode_allocating() -> Option<NonNull<bindings::kmem_cache>> {
    // Counted first, then checked: `Registration::drop` marks the state first, then reads
    // the count (both SeqCst), so either it sees this allocation or this sees its mark.
    LIVE_INODES.fetch_add(1, Ordering::SeqCst);
    if STATE.load(Ordering::SeqCst) == REGISTERED {
        if let Some(r) = registered() {
            return Some(r.inode_cache);
        }
    }
    LIVE_INODES.fetch_sub(1, Ordering::SeqCst);
    None
}

/// The allocation `inode_allocating` counted failed, or its inode was freed (after its
/// `kmem_cache_free`).
pub(super) fn inode_freed() {
    LIVE_INODES.fetch_sub(1, Ordering::SeqCst);
}

/// The registered filesystem's inode cache, for an inode it holds.
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
        // SAFETY: a kernel operation table.
        ..unsafe { zeroed() }
    };

    const CONTEXT: bindings::fs_context_operations = bindings::fs_context_operations {
        free: Some(free_fs_context::<F>),
        parse_param: Some(parse_param::<F>),
        get_tree: Some(get_tree::<F>),
        reconfigure: Some(reconfigure::<F>),
        // SAFETY: a kernel operation table.
        ..unsafe { zeroed() }
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

/// `MAX_LFS_FILESIZE` (include/linux/fs.h): `LLONG_MAX` where `unsigned long` has 64 bits,
/// which the build checks (a 32-bit kernel's limit depends on the page size).
const MAX_LFS_FILESIZE: i64 = i64::MAX;
const _: () = assert!(core::mem::size_of::<core::ffi::c_ulong>() == 8);

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
        (*sb).s_maxbytes = MAX_LFS_FILESIZE;
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

/// `kill_sb`: `kill_block_super`, then the filesystem info is dropped (the VFS is done with
/// the super block: `put_super` ran, if it had a root, and every inode was evicted).
///
/// # Safety
///
/// Called by the kernel only, through the type this module registers, with a super block
/// of that type being destroyed.
unsafe extern "C" fn kill_sb<F: FileSystem>(sb: *mut kernel::bindings::super_block) {
    // SAFETY: per the contract; after `kill_block_super` nothing reaches the super block's
    // filesystem info: it is ours to drop, set by `NewSuperBlock::set_info::<F>` (the only
    // writer of `s_fs_info` for this type) or null.
    unsafe {
        kernel::bindings::kill_block_super(sb);
        let info = (*sb).s_fs_info.cast::<F::SbInfo>();
        (*sb).s_fs_info = core::ptr::null_mut();
        if !info.is_null() {
            drop(KBox::from_raw(info));
        }
    }
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

/// The registered filesystem `F`: registered while this lives, unregistered when dropped.
/// Then, once no inode of it is left (mounts pin the module, so at module exit none is), its
/// inode cache is destroyed; an inode still live (the registration dropped early, with a
/// mount) keeps the cache, leaked and reported, rather than have it freed under it. What the
/// callbacks read is static and never freed.
pub(crate) struct Registration<F: FileSystem> {
    _fs: PhantomData<F>,
}

impl<F: FileSystem> Registration<F> {
    /// Registers `F` for `module`. EBUSY if the module has registered a filesystem before
    /// (once only, even after that one is dropped); EINVAL for more than 8 mount flags.
    pub(crate) fn new(module: &'static ThisModule) -> Result<Self> {
        if F::FLAGS.len() > MAX_FLAGS {
            return Err(EINVAL);
        }
        if STATE
            .compare_exchange(NONE, CLAIMED, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(EBUSY);
        }
        // From here this registration is the only one that can write the statics.
        let inode_cache = match inode_cache::create::<F>(F::INODE_CACHE) {
            Ok(cache) => cache,
            Err(e) => {
                // Nothing was written: a later registration may try again.
                STATE.store(NONE, Ordering::Release);
                return Err(e);
            }
        };
        // SAFETY: a kernel operation table (all empty entries, the last of them the end).
        let mut params: [bindings::fs_parameter_spec; MAX_FLAGS + 1] = unsafe { zeroed() };
        for (opt, (spec, name)) in params.iter_mut().zip(F::FLAGS).enumerate() {
            spec.name = name.as_char_ptr();
            spec.opt = opt as u8; // at most MAX_FLAGS
            spec.flags = bindings::fs_param_neg_with_no as u16;
        }
        // SAFETY: claimed above: nobody reads `RECORD` before `STATE` is `REGISTERED`.
        unsafe {
            RECORD.0.get().write(Record {
                type_id: TypeId::of::<F>(),
                inode_cache,
                params,
                inode_tables: inode_ops::Tables::of::<F>(),
            })
        };
        STATE.store(REGISTERED, Ordering::Release);
        let fs_type = FS_TYPE.0.get();
        // SAFETY: the module's type, not registered yet, written only by the registration
        // that claimed `STATE` (this one).
        let ret = unsafe {
            fs_type.write(kernel::bindings::file_system_type {
                name: F::NAME.as_char_ptr(),
                fs_flags: kernel::bindings::FS_REQUIRES_DEV as c_int,
                init_fs_context: Some(init_fs_context::<F>),
                parameters: (*RECORD.0.get()).params.as_ptr().cast(),
                kill_sb: Some(kill_sb::<F>),
                owner: module.as_ptr(),
                // SAFETY: a `file_system_type`.
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

/// The filesystem is not registered (any more): no new inode comes from its cache, and the
/// cache goes once the RCU-delayed frees of the last inodes have run.
fn release() {
    STATE.store(UNREGISTERED, Ordering::SeqCst);
    // SAFETY: waits for RCU callbacks, among them the inodes' `free_inode`.
    unsafe { bindings::rcu_barrier() };
    let Some(r) = registered() else {
        return;
    };
    if LIVE_INODES.load(Ordering::SeqCst) != 0 {
        pr_err!("rnwk: filesystem unregistered with inodes live: its inode cache is kept\n");
        return;
    }
    // SAFETY: no inode is live and none can be allocated any more (`inode_allocating`
    // sees `UNREGISTERED`), so the cache is empty and unused; destroyed once (the state
    // never goes back).
    unsafe { inode_cache::destroy(r.inode_cache) };
}

impl<F: FileSystem> Drop for Registration<F> {
    fn drop(&mut self) {
        // SAFETY: registered by `new`, unregistered once (the registration is consumed).
        unsafe { kernel::bindings::unregister_filesystem(FS_TYPE.0.get()) };
        release();
    }
}
