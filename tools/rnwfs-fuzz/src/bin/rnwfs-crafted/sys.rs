// SPDX-License-Identifier: GPL-2.0
//! The system calls std has no wrapper for: loop devices, mount and umount, SEEK_DATA,
//! hole punching, syncfs, statvfs. Every `unsafe` of the program is here, each a plain
//! call with arguments that live through it.

use std::{
    ffi::CString,
    fs::{File, OpenOptions},
    io,
    os::{fd::AsRawFd, unix::ffi::OsStrExt},
    path::{Path, PathBuf},
    thread,
    time::Duration,
};

// <linux/loop.h> (the libc crate does not have them).
const LOOP_SET_FD: libc::c_ulong = 0x4C00;
const LOOP_CLR_FD: libc::c_ulong = 0x4C01;
const LOOP_CTL_GET_FREE: libc::c_ulong = 0x4C82;

fn cstr(p: &Path) -> io::Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

fn check(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

pub fn is_root() -> bool {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A loop device bound to an image file; unbound (LOOP_CLR_FD) when dropped. It is not
/// kept open: the test kernel refuses to mount a device open for writing elsewhere
/// (CONFIG_BLK_DEV_WRITE_MOUNTED off), and binding needs a writable descriptor.
pub struct Loop {
    pub path: PathBuf,
}

impl Loop {
    /// Binds a free loop device to `image` (its size: the file's). No partition scan is
    /// asked for (LOOP_SET_FD leaves LO_FLAGS_PARTSCAN off).
    pub fn attach(image: &File) -> io::Result<Self> {
        let ctl = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/loop-control")?;
        // A device just released may still be held by udev's probe (its LOOP_CLR_FD then
        // completes on the last close): take another free one.
        let mut last = io::Error::from_raw_os_error(libc::EBUSY);
        for _ in 0..50 {
            // SAFETY: an ioctl without an argument on the open control device.
            let n = check(unsafe { libc::ioctl(ctl.as_raw_fd(), LOOP_CTL_GET_FREE) })?;
            let path = PathBuf::from(format!("/dev/loop{n}"));
            let dev = match OpenOptions::new().read(true).write(true).open(&path) {
                Ok(d) => d,
                Err(e) => {
                    last = e; // devtmpfs may not have the node yet
                    thread::sleep(Duration::from_millis(20));
                    continue;
                }
            };
            // SAFETY: LOOP_SET_FD takes the backing file's descriptor, open through the call.
            match check(unsafe {
                libc::ioctl(
                    dev.as_raw_fd(),
                    LOOP_SET_FD,
                    image.as_raw_fd() as libc::c_ulong,
                )
            }) {
                Ok(_) => return Ok(Self { path }),
                Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                    last = e;
                    thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        // (Held by someone else, udev's probe, it is unbound when they close it.)
        if let Ok(dev) = File::open(&self.path) {
            // SAFETY: an ioctl without an argument on the open loop device.
            unsafe { libc::ioctl(dev.as_raw_fd(), LOOP_CLR_FD) };
        }
    }
}

/// mount(2) of `fstype` from `source` on `target` with `data` as its options.
pub fn mount(source: &Path, target: &Path, fstype: &str, data: &str) -> io::Result<()> {
    let (src, tgt) = (cstr(source)?, cstr(target)?);
    let fstype = CString::new(fstype).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let data = CString::new(data).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: NUL-terminated strings that outlive the call.
    check(unsafe {
        libc::mount(
            src.as_ptr(),
            tgt.as_ptr(),
            fstype.as_ptr(),
            0,
            data.as_ptr().cast(),
        )
    })
    .map(drop)
}

pub fn umount(target: &Path) -> io::Result<()> {
    let tgt = cstr(target)?;
    // SAFETY: a NUL-terminated path that outlives the call.
    check(unsafe { libc::umount2(tgt.as_ptr(), 0) }).map(drop)
}

/// lseek(2) with SEEK_DATA (`data`) or SEEK_HOLE from `offset`.
pub fn seek(f: &File, offset: i64, data: bool) -> io::Result<i64> {
    let whence = if data {
        libc::SEEK_DATA
    } else {
        libc::SEEK_HOLE
    };
    // SAFETY: a plain call on an open descriptor.
    let r = unsafe { libc::lseek(f.as_raw_fd(), offset, whence) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Punches [offset, offset + len) out of `f`, keeping its size.
pub fn punch_hole(f: &File, offset: i64, len: i64) -> io::Result<()> {
    let mode = libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE;
    // SAFETY: a plain call on an open descriptor.
    check(unsafe { libc::fallocate(f.as_raw_fd(), mode, offset, len) }).map(drop)
}

/// preallocates [offset, offset + len) of `f` (mode 0: the size grows).
pub fn preallocate(f: &File, offset: i64, len: i64) -> io::Result<()> {
    // SAFETY: a plain call on an open descriptor.
    check(unsafe { libc::fallocate(f.as_raw_fd(), 0, offset, len) }).map(drop)
}

pub fn syncfs(f: &File) -> io::Result<()> {
    // SAFETY: a plain call on an open descriptor.
    check(unsafe { libc::syncfs(f.as_raw_fd()) }).map(drop)
}

/// Whether the filesystem holding `path` is mounted read-only.
pub fn read_only(path: &Path) -> io::Result<bool> {
    let p = cstr(path)?;
    // SAFETY: plain old data, filled by the call.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a struct that outlive the call.
    check(unsafe { libc::statvfs(p.as_ptr(), &mut st) })?;
    Ok(st.f_flag & libc::ST_RDONLY != 0)
}
