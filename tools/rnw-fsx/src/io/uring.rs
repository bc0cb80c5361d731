// SPDX-License-Identifier: GPL-2.0
//! io_uring READ/WRITE and READ_FIXED/WRITE_FIXED (on the I/O buffer, registered once).
//! One ring for the run; an op's requests go in one submission.

use super::{Dir, Request};
use io_uring::{opcode, squeue, types, IoUring};
use std::io;

pub struct Uring {
    ring: IoUring,
    /// The registered buffer (index 0): start and length.
    fixed: (usize, usize),
}

impl Uring {
    /// A ring of `entries`, with [base, base+len) registered as fixed buffer 0. The
    /// caller keeps that memory alive (and unmoved) as long as the ring.
    pub fn new(entries: u32, base: *mut u8, len: usize) -> Result<Uring, String> {
        let ring = IoUring::new(entries).map_err(|e| format!("io_uring_setup: {e}"))?;
        let iov = libc::iovec {
            iov_base: base.cast(),
            iov_len: len,
        };
        // SAFETY: the buffer outlives the ring (the tester owns both and drops the ring
        // first).
        unsafe { ring.submitter().register_buffers(&[iov]) }
            .map_err(|e| format!("io_uring register buffers: {e}"))?;
        Ok(Uring {
            ring,
            fixed: (base as usize, len),
        })
    }

    /// Submits all requests (READ/WRITE, or the _FIXED forms) and waits for them all.
    pub fn run(
        &mut self,
        fd: i32,
        dir: Dir,
        base: *mut u8,
        reqs: &[Request],
        fixed: bool,
    ) -> Result<Vec<io::Result<usize>>, String> {
        if reqs.len() > self.ring.params().sq_entries() as usize {
            return Err(format!("{} requests do not fit the ring", reqs.len()));
        }
        for (i, r) in reqs.iter().enumerate() {
            let ptr = base.wrapping_add(r.buf_off);
            let (start, end) = (self.fixed.0, self.fixed.0 + self.fixed.1);
            if fixed && ((ptr as usize) < start || ptr as usize + r.len > end) {
                return Err("request outside the registered buffer".into());
            }
            let (fd, len) = (types::Fd(fd), r.len as u32);
            let sqe: squeue::Entry = match (dir, fixed) {
                (Dir::Read, false) => opcode::Read::new(fd, ptr, len).offset(r.off).build(),
                (Dir::Write, false) => opcode::Write::new(fd, ptr, len).offset(r.off).build(),
                (Dir::Read, true) => opcode::ReadFixed::new(fd, ptr, len, 0)
                    .offset(r.off)
                    .build(),
                (Dir::Write, true) => opcode::WriteFixed::new(fd, ptr, len, 0)
                    .offset(r.off)
                    .build(),
            };
            // SAFETY: the buffer stays valid until the completions are reaped below.
            unsafe { self.ring.submission().push(&sqe.user_data(i as u64)) }
                .map_err(|_| "io_uring submission queue full".to_string())?;
        }
        let mut results: Vec<Option<io::Result<usize>>> = (0..reqs.len()).map(|_| None).collect();
        let mut got = 0;
        while got < reqs.len() {
            match self.ring.submit_and_wait(reqs.len() - got) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("io_uring_enter: {e}")),
            }
            for cqe in self.ring.completion() {
                let i = cqe.user_data() as usize;
                let slot = results
                    .get_mut(i)
                    .ok_or_else(|| format!("completion for unknown request {i}"))?;
                let res = cqe.result();
                *slot = Some(if res < 0 {
                    Err(io::Error::from_raw_os_error(-res))
                } else {
                    Ok(res as usize)
                });
                got += 1;
            }
        }
        results
            .into_iter()
            .map(|r| r.ok_or_else(|| "a request never completed".to_string()))
            .collect()
    }
}
