// SPDX-License-Identifier: GPL-2.0
//! Directory reading: readdir (`iterate_shared`) and `lookup`, from the 64-byte entries of
//! the directory's blocks. The readdir position is the entry slot number.

use crate::{
    disk,
    ffi::{self, bindings},
    format::{dirent::DIRENTS_PER_BLOCK, DirEntry, FileType, BLOCK_SIZE},
    inode,
    super_block::SbInfo,
};
use kernel::prelude::*;

fn d_type(t: FileType) -> u32 {
    match t {
        FileType::Regular => ffi::DT_REG,
        FileType::Directory => ffi::DT_DIR,
        FileType::Symlink => ffi::DT_LNK,
    }
}

/// Calls `f(slot, entry)` for each used entry from `first_slot` on, until `f` says stop.
fn for_each_entry(
    sb: *mut bindings::super_block,
    ino: u32,
    first_slot: u64,
    mut f: impl FnMut(u64, &DirEntry) -> bool,
) -> Result {
    let info = SbInfo::of(sb);
    let layout = &info.sb.layout;
    let d = disk::read_inode(sb, layout, ino)?;
    let extents = disk::extents(sb, layout, ino, &d)?;
    let slots = d.size / BLOCK_SIZE as u64 * DIRENTS_PER_BLOCK as u64;
    let mut buf = disk::block_buf()?;
    let mut loaded = None;
    for slot in first_slot..slots {
        let logical = slot / DIRENTS_PER_BLOCK as u64;
        if loaded != Some(logical) {
            let block = disk::map(&extents, logical).ok_or(disk::corrupted())?;
            disk::read_block(sb, block, &mut buf)?;
            loaded = Some(logical);
        }
        let at = (slot % DIRENTS_PER_BLOCK as u64) as usize * 64;
        match DirEntry::decode(&buf[at..at + 64]) {
            Ok(Some(e)) => {
                if !f(slot, &e) {
                    return Ok(());
                }
            }
            Ok(None) => {}
            Err(err) => {
                pr_err!("directory {}: entry {}: {}\n", ino, slot, err);
                return Err(disk::corrupted());
            }
        }
    }
    Ok(())
}

#[no_mangle]
unsafe extern "C" fn rnwfs_iterate(file: *mut bindings::file, ctx: *mut bindings::dir_context) -> i32 {
    // SAFETY: the VFS passes an open directory file of ours and its readdir context.
    let (dir, pos) = unsafe { ((*file).f_inode, (*ctx).pos) };
    // SAFETY: the file's inode is live while the file is open.
    let (sb, ino) = unsafe { ((*dir).i_sb, (*dir).i_ino as u32) };
    let first = u64::try_from(pos).unwrap_or(u64::MAX);
    let result = for_each_entry(sb, ino, first, |slot, e| {
        let name = e.name();
        // SAFETY: `ctx` is the caller's context; emit copies the name.
        let more = unsafe {
            (*ctx).pos = slot as i64;
            ffi::rnwfs_dir_emit(ctx, name.as_ptr(), name.len() as i32, e.ino.into(), d_type(e.file_type))
        };
        if more {
            // SAFETY: as above.
            unsafe { (*ctx).pos = slot as i64 + 1 };
        }
        more
    });
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

#[no_mangle]
unsafe extern "C" fn rnwfs_lookup(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    _flags: u32,
) -> *mut bindings::dentry {
    let mut len = 0u32;
    // SAFETY: the VFS passes a live dentry whose name is stable during lookup.
    let name = unsafe {
        let p = ffi::rnwfs_dentry_name(dentry, &mut len);
        core::slice::from_raw_parts(p, len as usize)
    };
    // SAFETY: `dir` is a live directory inode of ours.
    let (sb, ino) = unsafe { ((*dir).i_sb, (*dir).i_ino as u32) };
    let mut found = None;
    let result = if name.len() > crate::format::dirent::NAME_MAX {
        Err(Error::from_errno(-(bindings::ENAMETOOLONG as i32)))
    } else {
        for_each_entry(sb, ino, 2, |_, e| {
            if e.name() == name {
                found = Some(e.ino);
            }
            found.is_none()
        })
        .and_then(|()| found.map(|child| inode::iget(sb, child)).transpose())
    };
    match result {
        // SAFETY: splice the (possibly null: negative) inode into the caller's dentry.
        Ok(child) => unsafe { bindings::d_splice_alias(child.unwrap_or(core::ptr::null_mut()), dentry) },
        Err(e) => e.to_ptr(),
    }
}
