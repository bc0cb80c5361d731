// SPDX-License-Identifier: GPL-2.0
//! preadv2/pwritev2 with RWF_NOWAIT. A nowait call may refuse (EAGAIN: it would block;
//! EOPNOTSUPP: the filesystem does not do nowait for this kind of I/O, as ext4 for
//! buffered writes) or stop short (a read that found only part of the range cached): the
//! rest is then done without the flag, as an application would, and counted. Whatever
//! the nowait part returned must be the file's data like any other read.

use super::sync;
use std::io;

/// What happened on the nowait path of one op.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// EAGAIN: retried without RWF_NOWAIT.
    pub eagain: bool,
    /// EOPNOTSUPP: retried without RWF_NOWAIT.
    pub unsupported: bool,
    /// A short nowait result whose rest a normal call then transferred.
    pub short: bool,
    /// What the nowait call itself returned, when it did not refuse (a read returning 0
    /// says EOF: the caller checks that against the model).
    pub first: Option<usize>,
}

fn rw2(fd: i32, ptr: *mut u8, len: usize, off: u64, write: bool) -> io::Result<usize> {
    let iov = libc::iovec {
        iov_base: ptr.cast(),
        iov_len: len,
    };
    loop {
        // SAFETY: iov describes memory the caller keeps valid for the call.
        let r = unsafe {
            if write {
                libc::pwritev2(fd, &iov, 1, off as libc::off_t, libc::RWF_NOWAIT)
            } else {
                libc::preadv2(fd, &iov, 1, off as libc::off_t, libc::RWF_NOWAIT)
            }
        };
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// The nowait call's count, 0 when it refused (and why, in `out`).
fn attempt(
    fd: i32,
    ptr: *mut u8,
    len: usize,
    off: u64,
    write: bool,
    out: &mut Outcome,
) -> io::Result<usize> {
    match rw2(fd, ptr, len, off, write) {
        Ok(n) => {
            out.first = Some(n);
            Ok(n)
        }
        Err(e) if super::errno_of(&e) == libc::EAGAIN => {
            out.eagain = true;
            Ok(0)
        }
        Err(e) if super::errno_of(&e) == libc::EOPNOTSUPP => {
            out.unsupported = true;
            Ok(0)
        }
        Err(e) => Err(e),
    }
}

/// Reads `buf` at `off`; `align` as for sync::read_full. Returns the bytes read.
pub fn read(fd: i32, buf: &mut [u8], off: u64, align: u64) -> io::Result<(usize, Outcome)> {
    let mut out = Outcome::default();
    let n = attempt(fd, buf.as_mut_ptr(), buf.len(), off, false, &mut out)?;
    if n == buf.len() || (n > 0 && !(off + n as u64).is_multiple_of(align)) {
        return Ok((n, out));
    }
    // Refused, short, or 0 (which is EOF, or a nowait read that found nothing to copy):
    // a normal read says which.
    let (rest, _) = sync::read_full(fd, &mut buf[n..], off + n as u64, align)?;
    out.short = n > 0 && rest > 0;
    Ok((n + rest, out))
}

/// Writes all of `buf` at `off`.
pub fn write(fd: i32, buf: &mut [u8], off: u64) -> io::Result<Outcome> {
    let mut out = Outcome::default();
    let n = attempt(fd, buf.as_mut_ptr(), buf.len(), off, true, &mut out)?;
    if n < buf.len() {
        out.short = n > 0;
        sync::write_full(fd, &buf[n..], off + n as u64)?;
    }
    Ok(out)
}
