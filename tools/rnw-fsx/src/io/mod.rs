// SPDX-License-Identifier: GPL-2.0
//! The ways into the file. Each engine moves a list of requests (pieces of the one I/O
//! buffer at file offsets); what is common lives here: the two fds, the buffer, errors.

pub mod aio;
pub mod direct;
pub mod mmap;
pub mod nowait;
pub mod sync;
pub mod uring;

use std::{
    fs::{File, OpenOptions},
    io,
    os::{fd::AsRawFd, unix::fs::OpenOptionsExt},
    path::Path,
};

pub use direct::AlignedBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Read,
    Write,
}

/// One request: `len` bytes at file offset `off`, to or from the I/O buffer at `buf_off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub buf_off: usize,
    pub len: usize,
    pub off: u64,
}

/// "WHAT: strerror(errno)" for the last failed call.
pub fn os_err(what: &str) -> String {
    format!("{what}: {}", io::Error::last_os_error())
}

pub fn errno_of(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

/// The file under test, open twice: buffered and (when any engine needs it, or for the
/// whole-file checks) O_DIRECT. Both read-write.
pub struct Files {
    buffered: File,
    direct: Option<File>,
}

impl Files {
    /// Opens FILE (creating it; `truncate` empties it, as at the start of a run). With
    /// `direct`, an O_DIRECT fd too; the caller has probed that O_DIRECT works.
    pub fn open(path: &Path, direct: bool, truncate: bool) -> Result<Files, String> {
        let buffered = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(truncate)
            .open(path)
            .map_err(|e| format!("open {}: {e}", path.display()))?;
        let direct = if direct {
            Some(
                open_direct(path, true)
                    .map_err(|e| format!("open {} O_DIRECT: {e}", path.display()))?,
            )
        } else {
            None
        };
        Ok(Files { buffered, direct })
    }

    pub fn buffered(&self) -> i32 {
        self.buffered.as_raw_fd()
    }

    pub fn direct(&self) -> Result<i32, String> {
        self.direct
            .as_ref()
            .map(|f| f.as_raw_fd())
            .ok_or_else(|| "no O_DIRECT fd is open".to_string())
    }

    /// The fd an engine uses.
    pub fn fd_for(&self, direct: bool) -> Result<i32, String> {
        if direct {
            self.direct()
        } else {
            Ok(self.buffered())
        }
    }
}

pub fn open_direct(path: &Path, write: bool) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(write)
        .custom_flags(libc::O_DIRECT)
        .open(path)
}

/// The file's size as fstat and lseek(SEEK_END) see it.
pub fn sizes(fd: i32) -> Result<(u64, u64), String> {
    // SAFETY: a zeroed stat is a valid out-parameter; fd is an open descriptor.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return Err(os_err("fstat"));
    }
    // SAFETY: plain syscall on an open fd.
    let end = unsafe { libc::lseek(fd, 0, libc::SEEK_END) };
    if end < 0 {
        return Err(os_err("lseek SEEK_END"));
    }
    Ok((st.st_size as u64, end as u64))
}

pub fn page_size() -> u64 {
    // SAFETY: sysconf has no memory effects.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as u64
    } else {
        4096
    }
}
