// SPDX-License-Identifier: GPL-2.0
//! Mounting: validating the superblock (through the shared format), the root inode,
//! statfs, and releasing the in-core superblock.

use crate::{
    disk,
    ffi::{self, bindings},
    format::{superblock::ROOT_INO, Superblock, State, BLOCK_SIZE},
    inode,
};
use kernel::prelude::*;

/// The in-core superblock (`s_fs_info`).
pub(crate) struct SbInfo {
    pub(crate) sb: Superblock,
}

impl SbInfo {
    /// The info of a mounted (or mounting, after `rnwfs_sb_setup`) rnwfs superblock.
    pub(crate) fn of<'a>(sb: *mut bindings::super_block) -> &'a SbInfo {
        // SAFETY: every rnwfs super block has a boxed SbInfo in s_fs_info from setup until
        // put_super, and the VFS calls us only in between.
        unsafe { &*ffi::rnwfs_sb_info(sb).cast::<SbInfo>() }
    }
}

/// Reports why the image cannot be mounted, to the mount caller and the log.
fn refuse(fc: *mut bindings::fs_context, why: &str) -> Error {
    // SAFETY: `fc` is the mount's live context; the message is copied.
    unsafe { ffi::rnwfs_mount_error(fc.cast(), why.as_ptr().cast(), why.len() as i32) };
    EINVAL
}

fn read_superblock(sb: *mut bindings::super_block, fc: *mut bindings::fs_context) -> Result<Superblock> {
    // SAFETY: a super block being set up for our mount.
    if unsafe { bindings::sb_set_blocksize(sb, BLOCK_SIZE as i32) } == 0 {
        return Err(refuse(fc, "the device's block size is larger than 4096 bytes"));
    }
    let mut buf = disk::block_buf()?;
    disk::read_block(sb, 0, &mut buf)?;
    // SAFETY: `sb` has its block device.
    let device_blocks = unsafe { ffi::rnwfs_device_blocks(sb) };
    Superblock::decode(&buf, device_blocks).map_err(|e| refuse(fc, e.describe()))
}

fn fill_super(sb: *mut bindings::super_block, fc: *mut bindings::fs_context) -> Result {
    let disk_sb = read_superblock(sb, fc)?;
    if disk_sb.state == State::Dirty {
        pr_warn!("not cleanly unmounted: mounting read-only; run fsck.rnwfs\n");
    }
    let info = KBox::new(SbInfo { sb: disk_sb }, GFP_KERNEL)?;
    // SAFETY: our super block; put_super (or the failure path below) frees the info.
    unsafe { ffi::rnwfs_sb_setup(sb, KBox::into_raw(info).cast()) };
    let root = inode::iget(sb, ROOT_INO).and_then(|root| {
        // SAFETY: d_make_root consumes the inode reference, also on failure.
        let dentry = unsafe { bindings::d_make_root(root) };
        if dentry.is_null() { Err(ENOMEM) } else { Ok(dentry) }
    });
    match root {
        Ok(dentry) => {
            // SAFETY: our super block, being set up.
            unsafe { (*sb).s_root = dentry };
            Ok(())
        }
        Err(e) => {
            // put_super only runs for a super block with a root: free the info here.
            release(sb);
            Err(e)
        }
    }
}

fn release(sb: *mut bindings::super_block) {
    // SAFETY: s_fs_info is the box from fill_super (or null), freed once.
    unsafe {
        let info = ffi::rnwfs_sb_info(sb).cast::<SbInfo>();
        if !info.is_null() {
            drop(KBox::from_raw(info));
            ffi::rnwfs_sb_setup(sb, core::ptr::null_mut());
        }
    }
}

#[no_mangle]
unsafe extern "C" fn rnwfs_fill_super(sb: *mut bindings::super_block, fc: *mut bindings::fs_context) -> i32 {
    match fill_super(sb, fc) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

#[no_mangle]
unsafe extern "C" fn rnwfs_put_super(sb: *mut bindings::super_block) {
    release(sb);
}

#[no_mangle]
unsafe extern "C" fn rnwfs_statfs_info(sb: *mut bindings::super_block, out: *mut ffi::rnwfs_statfs) {
    let s = &SbInfo::of(sb).sb;
    // SAFETY: `out` is the caller's struct.
    unsafe {
        *out = ffi::rnwfs_statfs {
            blocks: s.layout.total_blocks,
            bfree: s.free_blocks,
            files: s.layout.inode_count.into(),
            ffree: s.free_inodes.into(),
        };
    }
}
