// SPDX-License-Identifier: GPL-2.0
//! Linux native AIO (what libaio wraps) through the raw system calls: io_setup once,
//! then per op one io_submit of all its requests and io_getevents until each completed.
//! No libaio crate: the ABI is four calls and two structures (linux/aio_abi.h).

use super::{os_err, Dir, Request};
use std::io;

const IOCB_CMD_PREAD: u16 = 0;
const IOCB_CMD_PWRITE: u16 = 1;

/// struct iocb (little-endian layout: aio_key before aio_rw_flags).
#[repr(C)]
#[derive(Default)]
struct Iocb {
    aio_data: u64,
    #[cfg(target_endian = "little")]
    aio_key: u32,
    aio_rw_flags: i32,
    #[cfg(target_endian = "big")]
    aio_key: u32,
    aio_lio_opcode: u16,
    aio_reqprio: i16,
    aio_fildes: u32,
    aio_buf: u64,
    aio_nbytes: u64,
    aio_offset: i64,
    aio_reserved2: u64,
    aio_flags: u32,
    aio_resfd: u32,
}

/// struct io_event.
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct IoEvent {
    data: u64,
    obj: u64,
    res: i64,
    res2: i64,
}

pub struct Aio {
    ctx: libc::c_ulong,
}

impl Aio {
    pub fn new(nr_events: u32) -> Result<Aio, String> {
        let mut ctx: libc::c_ulong = 0;
        // SAFETY: io_setup writes the context id into ctx.
        if unsafe {
            libc::syscall(
                libc::SYS_io_setup,
                nr_events,
                &mut ctx as *mut libc::c_ulong,
            )
        } != 0
        {
            return Err(os_err("io_setup"));
        }
        Ok(Aio { ctx })
    }

    /// Submits all requests at once on `fd` (buffers in `base`) and waits for them all.
    /// Each request's result: bytes transferred, or its error.
    pub fn run(
        &self,
        fd: i32,
        dir: Dir,
        base: *mut u8,
        reqs: &[Request],
    ) -> Result<Vec<io::Result<usize>>, String> {
        let mut iocbs: Vec<Iocb> = reqs
            .iter()
            .enumerate()
            .map(|(i, r)| Iocb {
                aio_data: i as u64,
                aio_lio_opcode: if dir == Dir::Read {
                    IOCB_CMD_PREAD
                } else {
                    IOCB_CMD_PWRITE
                },
                aio_fildes: fd as u32,
                // The caller's requests lie within its buffer.
                aio_buf: base.wrapping_add(r.buf_off) as u64,
                aio_nbytes: r.len as u64,
                aio_offset: r.off as i64,
                ..Iocb::default()
            })
            .collect();
        let mut ptrs: Vec<*mut Iocb> = iocbs.iter_mut().map(|c| c as *mut Iocb).collect();
        let mut submitted = 0;
        while submitted < ptrs.len() {
            let left = (ptrs.len() - submitted) as libc::c_long;
            // SAFETY: the iocbs and the buffers they point to outlive their completion,
            // which this function waits for before returning.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_io_submit,
                    self.ctx,
                    left,
                    ptrs[submitted..].as_mut_ptr(),
                )
            };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                if submitted == 0 {
                    return Err(format!("io_submit: {e}"));
                }
                // Some are in flight: they must complete before the buffers may change.
                self.reap(submitted)?;
                return Err(format!(
                    "io_submit (after {submitted} of {}): {e}",
                    ptrs.len()
                ));
            }
            if r == 0 {
                self.reap(submitted)?;
                return Err("io_submit accepted nothing".into());
            }
            submitted += r as usize;
        }
        let events = self.reap(submitted)?;
        let mut results: Vec<io::Result<usize>> = (0..reqs.len()).map(|_| Ok(0)).collect();
        for ev in events {
            let i = ev.data as usize;
            if i >= results.len() {
                return Err(format!("io_getevents: completion for unknown request {i}"));
            }
            results[i] = if ev.res < 0 {
                Err(io::Error::from_raw_os_error(-ev.res as i32))
            } else {
                Ok(ev.res as usize)
            };
        }
        Ok(results)
    }

    /// Waits for exactly `n` completions.
    fn reap(&self, n: usize) -> Result<Vec<IoEvent>, String> {
        let mut events = vec![IoEvent::default(); n];
        let mut got = 0;
        while got < n {
            // SAFETY: events has room for n - got more entries past `got`.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_io_getevents,
                    self.ctx,
                    (n - got) as libc::c_long,
                    (n - got) as libc::c_long,
                    events[got..].as_mut_ptr(),
                    std::ptr::null_mut::<libc::timespec>(),
                )
            };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(format!("io_getevents: {e}"));
            }
            got += r as usize;
        }
        Ok(events)
    }
}

impl Drop for Aio {
    fn drop(&mut self) {
        // SAFETY: our context; nothing is in flight between ops.
        unsafe { libc::syscall(libc::SYS_io_destroy, self.ctx) };
    }
}
