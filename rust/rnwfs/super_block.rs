// SPDX-License-Identifier: GPL-2.0
//! Mounting: validating the superblock (through the shared format), the allocator, the
//! root inode; recording the state (dirty while mounted read-write, clean after a clean
//! unmount) and the free counts; statfs.

use crate::{
    alloc::Allocator,
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
    vfs::{Inode, Sb},
    writethrough::WritethroughStats,
};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{
    c_str, fmt,
    prelude::*,
    str::{CStr, CString},
    sync::Arc,
};

/// The in-core superblock (the Rust part of `s_fs_info`).
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

impl Sb<'_> {
    /// The in-core superblock (present from fill_super to put_super: all our callbacks),
    /// borrowed for as long as the handle is. (Here, beside `SbInfo`: vfs.rs, below this
    /// module, does not name it.)
    pub(crate) fn info(&self) -> &SbInfo {
        // SAFETY: set up in fill_super before any inode exists, freed in put_super after
        // the last; the VFS calls us only in between.
        unsafe { &*ffi::rnwfs_sb_info(self.raw()).cast::<SbInfo>() }
    }
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
    index == WRITETHROUGH && Sb::of(sb).info().writethrough.load(Ordering::Relaxed)
}

/// `-o writethrough`: Some(true), `-o nowritethrough`: Some(false), not given: None.
fn writethrough_option(fc: &FsContext<'_>) -> Option<bool> {
    fc.flag(WRITETHROUGH)
}

fn read_superblock(sb: Sb<'_>, fc: &FsContext<'_>) -> Result<Superblock> {
    if !sb.layer().set_block_size(BLOCK_SIZE as u32) {
        return Err(refuse(
            fc,
            "the device's block size is larger than 4096 bytes",
        ));
    }
    let buf = sb.read(0)?;
    Superblock::decode(buf.data(), sb.device_blocks()).map_err(|e| refuse(fc, e.describe()))
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
    let sb = Sb::of(new.get());
    let mut disk = read_superblock(sb, fc)?;
    let mut read_only = fc.wants_read_only();
    if disk.state == State::Dirty && !read_only {
        pr_warn!("not cleanly unmounted: mounting read-only; run fsck.rnwfs\n");
        read_only = true;
    }
    if !read_only {
        disk.mount_count = disk.mount_count.wrapping_add(1);
    }
    let writethrough = writethrough_option(fc) == Some(true);
    let alloc = Allocator::load(sb, disk.layout, disk.free_blocks, disk.free_inodes)?;
    let device = sb.layer().id();
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
    let raw = KBox::into_raw(info);
    // SAFETY: our super block; put_super (or `release` below) frees the info.
    if let Err(e) =
        kernel::error::to_result(unsafe { ffi::rnwfs_sb_setup(sb.raw(), raw.cast(), read_only) })
    {
        // SAFETY: not attached: still ours.
        drop(unsafe { KBox::from_raw(raw) });
        return Err(e);
    }
    let result = inode::iget(sb, ROOT_INO).and_then(|root| {
        // A crafted image can make the root any valid inode: the VFS needs a directory.
        if !Inode::of(root.get())?.is_dir() {
            pr_err!("root inode {} is not a directory\n", ROOT_INO);
            return Err(crate::disk::corrupted());
        }
        new.set_root(root)?;
        if read_only {
            Ok(())
        } else {
            write_super(sb, State::Dirty, true)
        }
    });
    // Writethrough aio completes on the dio_done workqueue: made now, not by a nowait write.
    let result = result.and_then(|()| {
        if writethrough {
            sb.layer().ensure_dio_done_wq()
        } else {
            Ok(())
        }
    });
    if result.is_err() && !new.has_root() {
        // put_super only runs for a super block with a root: free the info here.
        release(sb);
    }
    result
}

fn release(sb: Sb<'_>) {
    // Both callers have the info attached. Its ioend queue's handler uses it: let the
    // handler finish before the info goes.
    sb.info().ioends.drain();
    // SAFETY: all I/O has ended (the VFS synced and evicted everything, or nothing
    // started; writethrough writes hold their file until they end); the returned pointer is
    // the box from fill_super, freed once, then the C side.
    unsafe {
        let info = ffi::rnwfs_sb_teardown(sb.raw()).cast::<SbInfo>();
        if !info.is_null() {
            drop(KBox::from_raw(info));
        }
        ffi::rnwfs_sb_free(sb.raw());
    }
}

/// Unmount: records the clean unmount and frees the in-core superblock.
pub(crate) fn put_super(sb: SuperBlock<'_>) {
    let sb = Sb::of(sb);
    if !sb.info().read_only {
        if let Err(e) = write_super(sb, State::Clean, true) {
            pr_err!("could not record the clean unmount: {:?}\n", e);
        }
    }
    release(sb);
}

/// sync(2): the superblock with the current free counts.
pub(crate) fn sync_fs(sb: SuperBlock<'_>, wait: bool) -> Result {
    let sb = Sb::of(sb);
    if sb.info().read_only {
        return Ok(());
    }
    write_super(sb, State::Dirty, wait)
}

/// A remount (`-o writethrough` and its negation change; a switch between read-only and
/// read-write is refused).
pub(crate) fn reconfigure(fc: &FsContext<'_>) -> Result {
    // A remount of a mounted rnwfs: the context has its root.
    let sb = Sb::of(fc.remounted().ok_or(EINVAL)?);
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
    let fs = Sb::of(sb);
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
