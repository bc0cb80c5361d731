// SPDX-License-Identifier: GPL-2.0
//! The system calls the benchmark makes, as safe functions: preadv2 with RWF_NOWAIT (the
//! "fast read"), a blocking read of a whole range, POSIX_FADV_DONTNEED, cachestat(2).

use std::{fs::File, io, os::fd::AsRawFd};

/// What a nowait read did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nowait {
    /// Bytes copied (fewer than asked: only part of the range was cached).
    Read(usize),
    /// EAGAIN: it would have blocked.
    Again,
    /// EOPNOTSUPP: the file does not do nowait reads.
    Unsupported,
}

/// preadv2(RWF_NOWAIT) of `buf` at `off`.
pub fn read_nowait(file: &File, buf: &mut [u8], off: u64) -> io::Result<Nowait> {
    let off = libc::off_t::try_from(off).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    loop {
        // SAFETY: iov describes `buf`, which outlives the call.
        let r = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, off, libc::RWF_NOWAIT) };
        if r >= 0 {
            return Ok(Nowait::Read(r as usize));
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN) => return Ok(Nowait::Again),
            Some(libc::EOPNOTSUPP) => return Ok(Nowait::Unsupported),
            _ => return Err(e),
        }
    }
}

/// A blocking read of all of `buf` at `off`; an early end of file is an error (the data
/// set's files never shrink under the benchmark).
pub fn read_full(file: &File, buf: &mut [u8], off: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, off)
}

/// Drops the file's clean cached pages (POSIX_FADV_DONTNEED over all of it).
pub fn drop_cache(file: &File) -> io::Result<()> {
    // SAFETY: plain syscall on an open descriptor.
    let r = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    if r != 0 {
        return Err(io::Error::from_raw_os_error(r));
    }
    Ok(())
}

/// cachestat(2) (Linux 6.5; the number is the same on every architecture). The libc crate
/// has no binding on x86_64 yet.
const SYS_CACHESTAT: libc::c_long = 451;

#[repr(C)]
struct CachestatRange {
    off: u64,
    len: u64,
}

#[repr(C)]
#[derive(Default)]
struct Cachestat {
    nr_cache: u64,
    nr_dirty: u64,
    nr_writeback: u64,
    nr_evicted: u64,
    nr_recently_evicted: u64,
}

/// Pages of the file in the page cache, or None where the kernel has no cachestat.
pub fn cached_pages(file: &File) -> io::Result<Option<u64>> {
    let range = CachestatRange { off: 0, len: 0 };
    let mut cs = Cachestat::default();
    // SAFETY: the kernel reads `range` and writes one struct cachestat into `cs`.
    let r = unsafe {
        libc::syscall(
            SYS_CACHESTAT,
            file.as_raw_fd(),
            &range as *const CachestatRange,
            &mut cs as *mut Cachestat,
            0u32,
        )
    };
    if r == 0 {
        return Ok(Some(cs.nr_cache));
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP) => Ok(None),
        _ => Err(e),
    }
}

/// The system's page size.
pub fn page_size() -> u64 {
    // SAFETY: sysconf has no memory effects.
    let r = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(r).ok().filter(|&p| p > 0).unwrap_or(4096)
}

/// Asks for timer wake-ups without the default 50 us of slack (PR_SET_TIMERSLACK, this
/// thread): the open-loop event loop sleeps until the next arrival, and slack would add
/// the same delay to every response time, whatever the policy.
pub fn precise_timers() {
    // SAFETY: prctl with integer arguments; a failure only leaves the default slack.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0) };
}
