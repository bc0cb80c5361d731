// SPDX-License-Identifier: GPL-2.0
//! pread/pwrite, buffered or O_DIRECT; also what completes a short request of the other
//! engines.

use std::io;

fn retry<F: FnMut() -> isize>(mut f: F) -> io::Result<usize> {
    loop {
        let r = f();
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

pub fn pread(fd: i32, buf: &mut [u8], off: u64) -> io::Result<usize> {
    // SAFETY: buf is valid for buf.len() bytes of writes.
    retry(|| unsafe { libc::pread(fd, buf.as_mut_ptr().cast(), buf.len(), off as libc::off_t) })
}

pub fn pwrite(fd: i32, buf: &[u8], off: u64) -> io::Result<usize> {
    // SAFETY: buf is valid for buf.len() bytes of reads.
    retry(|| unsafe { libc::pwrite(fd, buf.as_ptr().cast(), buf.len(), off as libc::off_t) })
}

/// Reads until `buf` is full or EOF. `align` > 1 (O_DIRECT): a result that ends off
/// the alignment can only be EOF, and reading on from there would be refused. Returns the
/// bytes read and how many calls beyond the first returned data (a short read that a
/// second read completed).
pub fn read_full(fd: i32, buf: &mut [u8], off: u64, align: u64) -> io::Result<(usize, u32)> {
    let (mut done, mut calls) = (0, 0);
    while done < buf.len() {
        let n = pread(fd, &mut buf[done..], off + done as u64)?;
        if n == 0 {
            break;
        }
        done += n;
        calls += 1;
        if !(off + done as u64).is_multiple_of(align) {
            break;
        }
    }
    Ok((done, calls.max(1) - 1))
}

/// Writes all of `buf`; a write that makes no progress is an error. Returns the extra
/// calls short results needed.
pub fn write_full(fd: i32, buf: &[u8], off: u64) -> io::Result<u32> {
    let (mut done, mut calls) = (0, 0);
    while done < buf.len() {
        let n = pwrite(fd, &buf[done..], off + done as u64)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "write returned 0"));
        }
        done += n;
        calls += 1;
    }
    Ok(calls.max(1) - 1)
}
