// SPDX-License-Identifier: GPL-2.0
//! Mounting: validating the superblock (through the shared format), the allocator, the
//! root inode; recording the state (dirty while mounted read-write, clean after a clean
//! unmount) and the free counts; statfs.
#![deny(unsafe_code)]

use crate::{
    alloc::Allocator,
    buffer::Buffer,
    ffi,
    format::{dirent::NAME_MAX, superblock::ROOT_INO, State, Superblock, BLOCK_SIZE},
    inode,
    rnwk::{
        clock, debugfs,
        fs::{DentryRef, FsContext, NewSuperBlock, Statfs, StatfsOut, SuperBlock},
        iomap::{IoendHandler, IoendQueue},
        sync::RwSem,
    },
    stats::NowaitStats,
    vfs::{Inode, RnwFs, Sb},
    writethrough::WritethroughStats,
};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{
    c_str, fmt,
    prelude::*,
    str::{CStr, CString},
    sync::Arc,
};

/// The in-core superblock (the filesystem info the layer keeps in the super block: given by
/// fill_super, dropped by the layer after put_super).
pub(crate) struct SbInfo {
    /// debugfs `rnwfs/<device>/` (none without debugfs), held for its files, which show
    /// the counters below. First: dropped (the files removed) before the rest.
    _debugfs: Option<debugfs::Dir>,
    /// Where writeback of unwritten extents completes (writeback.rs).
    pub(crate) ioends: Pin<KBox<IoendQueue>>,
    pub(crate) layout: crate::format::Layout,
    /// The superblock as mounted; the free counts live in `alloc`.
    disk: Superblock,
    pub(crate) alloc: Pin<KBox<RwSem<Allocator>>>,
    pub(crate) read_only: bool,
    /// `-o writethrough`: every file's buffered writes are writethrough.
    pub(crate) writethrough: AtomicBool,
    pub(crate) stats: Arc<NowaitStats>,
    pub(crate) writethrough_stats: Arc<WritethroughStats>,
}

/// debugfs `rnwfs/<device>/` with `nowait_stats` and `writethrough_stats`; none if
/// debugfs or the module's directory is absent.
fn debugfs_dir(
    device: &CStr,
    stats: &Arc<NowaitStats>,
    writethrough: &Arc<WritethroughStats>,
) -> Option<debugfs::Dir> {
    let mut dir = debugfs::Dir::new_in(c_str!("rnwfs"), device).ok()?;
    // Statistics only: the mount goes on without the files.
    let _ = dir.add_file(c_str!("nowait_stats"), &crate::THIS_MODULE, stats.clone());
    let _ = dir.add_file(
        c_str!("writethrough_stats"),
        &crate::THIS_MODULE,
        writethrough.clone(),
    );
    Some(dir)
}

/// Reports why the image cannot be mounted, to the mount caller and the log.
fn refuse(fc: &FsContext<'_>, why: &str) -> Error {
    fc.report_error(c_str!("rnwfs"), why);
    EINVAL
}

/// The mount options (`FileSystem::FLAGS`), by index.
pub(crate) const FLAGS: &[&CStr] = &[c_str!("writethrough")];
const WRITETHROUGH: usize = 0;

/// Whether a mounted filesystem has the flag `FLAGS[index]` now (`/proc/mounts`).
pub(crate) fn flag_set(sb: SuperBlock<'_>, index: usize) -> bool {
    index == WRITETHROUGH
        && Sb::of(sb).is_ok_and(|sb| sb.info().writethrough.load(Ordering::Relaxed))
}

/// `-o writethrough`: Some(true), `-o nowritethrough`: Some(false), not given: None.
fn writethrough_option(fc: &FsContext<'_>) -> Option<bool> {
    fc.flag(WRITETHROUGH)
}

fn read_superblock(sb: SuperBlock<'_>, fc: &FsContext<'_>) -> Result<Superblock> {
    if !sb.set_block_size(BLOCK_SIZE as u32) {
        return Err(refuse(
            fc,
            "the device's block size is larger than 4096 bytes",
        ));
    }
    let buf = Buffer::read(sb, 0)?;
    let device_blocks = sb.device_bytes() >> crate::format::BLOCK_SHIFT;
    Superblock::decode(buf.data(), device_blocks).map_err(|e| refuse(fc, e.describe()))
}

/// Writes the superblock with the current free counts in `state`.
fn write_super(sb: Sb<'_>, state: State, sync: bool) -> Result {
    let info = sb.info();
    let mut s = info.disk;
    {
        let a = info.alloc.read();
        s.free_blocks = a.free_blocks;
        s.free_inodes = a.free_inodes;
    }
    s.state = state;
    s.write_time = clock::real_seconds();
    let mut buf = sb.read(0)?;
    buf.edit(|data| s.encode(data));
    if sync {
        buf.sync()?;
    }
    Ok(())
}

/// Sets up a super block being mounted from the context `fc`; writeback of unwritten
/// extents completes through `ioend_ended` (writeback.rs, which mount.rs names: this module
/// is below it).
pub(crate) fn fill_super(
    new: &NewSuperBlock<'_>,
    fc: &FsContext<'_>,
    ioend_ended: IoendHandler,
) -> Result {
    let mut disk = read_superblock(new.get(), fc)?;
    let mut read_only = fc.wants_read_only();
    if disk.state == State::Dirty && !read_only {
        pr_warn!("not cleanly unmounted: mounting read-only; run fsck.rnwfs\n");
        read_only = true;
    }
    if !read_only {
        disk.mount_count = disk.mount_count.wrapping_add(1);
    }
    let writethrough = writethrough_option(fc) == Some(true);
    let alloc = Allocator::load(new.get(), disk.layout, disk.free_blocks, disk.free_inodes)?;
    let device = new.get().id();
    let ioends = IoendQueue::new(
        &CString::try_from_fmt(fmt!("rnwfs-endio/{}", device))?,
        ioend_ended,
    )?;
    let stats = Arc::new(NowaitStats::default(), GFP_KERNEL)?;
    let writethrough_stats = Arc::new(WritethroughStats::default(), GFP_KERNEL)?;
    let info = KBox::new(
        SbInfo {
            _debugfs: debugfs_dir(device, &stats, &writethrough_stats),
            ioends,
            layout: disk.layout,
            disk,
            alloc: RwSem::new_boxed(alloc, c_str!("rnwfs_alloc"), kernel::static_lock_class!())?,
            read_only,
            writethrough: AtomicBool::new(writethrough),
            stats,
            writethrough_stats,
        },
        GFP_KERNEL,
    )?;
    new.set_magic(ffi::RNWFS_MAGIC.into());
    new.set_max_links(MAX_LINKS);
    if read_only {
        new.set_read_only();
    }
    // Before the first inode: `Inode::of` finds its super block's info. From here on the
    // layer drops it when the VFS is done with the super block, also if this fails.
    new.set_info::<RnwFs>(info)?;
    let sb = Sb::of(new.get())?;
    inode::iget(sb, ROOT_INO).and_then(|root| {
        // A crafted image can make the root any valid inode: the VFS needs a directory.
        if !Inode::of(root.get())?.is_dir() {
            pr_err!("root inode {} is not a directory\n", ROOT_INO);
            return Err(crate::disk::corrupted());
        }
        new.set_root(root)?;
        if !read_only {
            write_super(sb, State::Dirty, true)?;
        }
        // Writethrough aio completes on the dio_done workqueue: made now, not by a nowait
        // write.
        if writethrough {
            sb.layer().ensure_dio_done_wq()?;
        }
        Ok(())
    })
}

/// The most hard links an inode may have (the on-disk count is wider; this keeps `nlink`
/// arithmetic far from its limit).
const MAX_LINKS: u32 = 65000;

/// Unmount: records the clean unmount (the layer then drops the in-core superblock).
pub(crate) fn put_super(sb: SuperBlock<'_>) {
    let Ok(sb) = Sb::of(sb) else {
        return; // never: put_super runs only for a super block with a root, made after
                // fill_super gave it its info
    };
    if !sb.info().read_only {
        if let Err(e) = write_super(sb, State::Clean, true) {
            pr_err!("could not record the clean unmount: {:?}\n", e);
        }
    }
    // The ioend queue's handler uses the info: let it finish before the layer drops it.
    sb.info().ioends.drain();
}

/// sync(2): the superblock with the current free counts.
pub(crate) fn sync_fs(sb: SuperBlock<'_>, wait: bool) -> Result {
    let sb = Sb::of(sb)?;
    if sb.info().read_only {
        return Ok(());
    }
    write_super(sb, State::Dirty, wait)
}

/// A remount (`-o writethrough` and its negation change; a switch between read-only and
/// read-write is refused).
pub(crate) fn reconfigure(fc: &FsContext<'_>) -> Result {
    // A remount of a mounted rnwfs: the context has its root.
    let sb = Sb::of(fc.remounted().ok_or(EINVAL)?)?;
    if fc.wants_read_only() != sb.info().read_only {
        return Err(refuse(
            fc,
            "switching between read-only and read-write needs a new mount",
        ));
    }
    match writethrough_option(fc) {
        Some(true) => {
            sb.layer().ensure_dio_done_wq()?;
            sb.info().writethrough.store(true, Ordering::Relaxed);
        }
        Some(false) => sb.info().writethrough.store(false, Ordering::Relaxed),
        None => {}
    }
    Ok(())
}

/// statfs(2).
pub(crate) fn statfs(dentry: &DentryRef<'_>, out: StatfsOut<'_>) -> Result {
    let sb = dentry.super_block();
    let fs = Sb::of(sb)?;
    let info = fs.info();
    let a = info.alloc.read();
    out.fill(
        sb,
        &Statfs {
            magic: ffi::RNWFS_MAGIC,
            blocks: info.layout.total_blocks,
            free_blocks: a.free_blocks,
            available_blocks: a.free_blocks,
            files: info.layout.inode_count.into(),
            free_files: a.free_inodes.into(),
            name_len: NAME_MAX as u32,
        },
    );
    Ok(())
}
