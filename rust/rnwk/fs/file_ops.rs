// SPDX-License-Identifier: GPL-2.0
//! The `file_operations` of a [`FileSystem`]'s regular files and directories, built from it
//! at compile time, and what it says of its open files ([`FMode`], [`FopFlags`]).

use super::{DirContext, FileRef, FileSystem, IovIter, Kiocb};
use crate::rnwk::{bindings, c_table::zeroed, errno::status, iomap::page_cache_ops};
use core::marker::PhantomData;
use kernel::ffi::{c_int, c_long, c_uint, c_ulong};

/// Modes every open file of a filesystem gets (`f_mode`).
#[derive(Clone, Copy)]
pub(crate) struct FMode(u32);

impl FMode {
    /// `FMODE_NOWAIT`: the file honours `IOCB_NOWAIT` (RWF_NOWAIT, io_uring's nowait tries).
    pub(crate) const NOWAIT: Self = Self(bindings::RNWK_FMODE_NOWAIT);
    /// `FMODE_CAN_ODIRECT`: the file can be opened `O_DIRECT`.
    pub(crate) const CAN_ODIRECT: Self = Self(bindings::RNWK_FMODE_CAN_ODIRECT);

    pub(crate) const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// What a filesystem's regular files support (`file_operations.fop_flags`).
#[derive(Clone, Copy)]
pub(crate) struct FopFlags(u32);

impl FopFlags {
    /// `FOP_BUFFER_RASYNC`: buffered reads honour `IOCB_NOWAIT`.
    pub(crate) const BUFFER_RASYNC: Self = Self(bindings::RNWK_FOP_BUFFER_RASYNC);
    /// `FOP_BUFFER_WASYNC`: buffered writes honour `IOCB_NOWAIT`.
    pub(crate) const BUFFER_WASYNC: Self = Self(bindings::RNWK_FOP_BUFFER_WASYNC);
    /// `FOP_DIO_PARALLEL_WRITE`: direct writes may run in parallel (io_uring need not
    /// serialise them).
    pub(crate) const DIO_PARALLEL_WRITE: Self = Self(bindings::RNWK_FOP_DIO_PARALLEL_WRITE);

    pub(crate) const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// `compat_ptr_ioctl` (32-bit callers' pointers converted, then `unlocked_ioctl`), which
/// the kernel's headers define away (NULL) without CONFIG_COMPAT.
#[cfg(CONFIG_COMPAT)]
const COMPAT_IOCTL: CompatIoctl = Some(bindings::rnwk_compat_ptr_ioctl);
#[cfg(not(CONFIG_COMPAT))]
const COMPAT_IOCTL: CompatIoctl = None;
type CompatIoctl = Option<unsafe extern "C" fn(*mut bindings::file, c_uint, c_ulong) -> c_long>;

/// The tables of filesystem `F`.
pub(super) struct FileTables<F>(PhantomData<F>);

impl<F: FileSystem> FileTables<F> {
    /// Regular files: read and write through `F`, the page cache's splice, mmap and
    /// address space on `F::Iomap`, polled direct I/O through the block layer.
    pub(super) const FILE: bindings::file_operations = bindings::file_operations {
        llseek: Some(llseek::<F>),
        read_iter: Some(read_iter::<F>),
        write_iter: Some(write_iter::<F>),
        splice_read: Some(bindings::filemap_splice_read),
        splice_write: Some(bindings::iter_file_splice_write),
        mmap: Some(page_cache_ops::mmap::<F::Iomap>),
        open: Some(open::<F>),
        fsync: Some(fsync::<F>),
        fallocate: Some(fallocate::<F>),
        unlocked_ioctl: Some(ioctl::<F>),
        compat_ioctl: COMPAT_IOCTL,
        iopoll: Some(bindings::iocb_bio_iopoll),
        fop_flags: F::FOP_FLAGS.0,
        // SAFETY: a kernel operation table.
        ..unsafe { zeroed() }
    };

    /// Directories: readdir through `F`, `fsync` and the ioctls as for files.
    pub(super) const DIR: bindings::file_operations = bindings::file_operations {
        llseek: Some(bindings::generic_file_llseek),
        read: Some(bindings::generic_read_dir),
        iterate_shared: Some(iterate_shared::<F>),
        fsync: Some(fsync::<F>),
        unlocked_ioctl: Some(ioctl::<F>),
        compat_ioctl: COMPAT_IOCTL,
        // SAFETY: a kernel operation table.
        ..unsafe { zeroed() }
    };
}

/// `open`: the file gets `F::OPEN_FMODE`, then the generic checks (`generic_file_open`).
///
/// # Safety
///
/// Called by the kernel only, through the tables this module builds, with the arguments
/// their C prototypes describe.
unsafe extern "C" fn open<F: FileSystem>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: the file being opened, the caller's to set up, and its inode.
    unsafe {
        bindings::rnwk_file_add_fmode(file, F::OPEN_FMODE.0);
        bindings::generic_file_open(inode, file)
    }
}

/// `read_iter`.
///
/// # Safety
///
/// As for `open`.
unsafe extern "C" fn read_iter<F: FileSystem>(
    iocb: *mut bindings::kiocb,
    to: *mut bindings::iov_iter,
) -> isize {
    // SAFETY: the read in progress and its destination, for the call.
    let (iocb, to) = unsafe { (Kiocb::from_raw(iocb), IovIter::from_raw(to)) };
    F::read_iter(iocb, to)
}

/// `write_iter`.
///
/// # Safety
///
/// As for `open`.
unsafe extern "C" fn write_iter<F: FileSystem>(
    iocb: *mut bindings::kiocb,
    from: *mut bindings::iov_iter,
) -> isize {
    // SAFETY: the write in progress and its source, for the call.
    let (iocb, from) = unsafe { (Kiocb::from_raw(iocb), IovIter::from_raw(from)) };
    F::write_iter(iocb, from)
}

/// `llseek`.
///
/// # Safety
///
/// As for `open`.
unsafe extern "C" fn llseek<F: FileSystem>(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    // SAFETY: an open file of the filesystem, for the call.
    F::llseek(&unsafe { FileRef::from_raw(file) }, offset, whence)
}

/// `fsync`.
///
/// # Safety
///
/// As for `open`.
unsafe extern "C" fn fsync<F: FileSystem>(
    file: *mut bindings::file,
    start: bindings::loff_t,
    end: bindings::loff_t,
    datasync: c_int,
) -> c_int {
    // SAFETY: an open file of the filesystem, for the call.
    status(F::fsync(
        &unsafe { FileRef::from_raw(file) },
        start,
        end,
        datasync != 0,
    ))
}

/// `fallocate`.
///
/// # Safety
///
/// As for `open`.
unsafe extern "C" fn fallocate<F: FileSystem>(
    file: *mut bindings::file,
    mode: c_int,
    offset: bindings::loff_t,
    len: bindings::loff_t,
) -> c_long {
    // SAFETY: an open file of the filesystem, for the call.
    status(F::fallocate(
        &unsafe { FileRef::from_raw(file) },
        mode,
        offset,
        len,
    )) as c_long
}

/// `unlocked_ioctl`.
///
/// # Safety
///
/// As for `open`.
unsafe extern "C" fn ioctl<F: FileSystem>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: an open file of the filesystem, for the call.
    status(F::ioctl(&unsafe { FileRef::from_raw(file) }, cmd, arg)) as c_long
}

/// `iterate_shared`.
///
/// # Safety
///
/// As for `open`.
unsafe extern "C" fn iterate_shared<F: FileSystem>(
    file: *mut bindings::file,
    ctx: *mut bindings::dir_context,
) -> c_int {
    // SAFETY: an open directory of the filesystem (its i_rwsem held shared) and the
    // caller's readdir context, for the call.
    let (file, ctx) = unsafe { (FileRef::from_raw(file), DirContext::from_raw(ctx)) };
    status(F::iterate_shared(&file, ctx))
}
