// SPDX-License-Identifier: GPL-2.0
//! Runs the ops on the file and on the model, checks each read and the file size after
//! each op, and the whole file after each phase (check.rs).

use crate::{
    check,
    gen::Generator,
    io::{self, aio::Aio, mmap, nowait, sync, uring::Uring, AlignedBuf, Dir, Files, Request},
    log::LogWriter,
    model::Model,
    ops::{Engine, FallocMode, Io, Op},
    pattern,
    report::{self, Entry, Failure},
};
use std::{
    collections::BTreeMap,
    path::PathBuf,
    process::Command,
    sync::atomic::{AtomicU64, Ordering},
};

/// The op being run, for the SIGBUS handler's message.
pub static CURRENT_OP: AtomicU64 = AtomicU64::new(0);

/// Where the ops come from.
pub enum Source {
    Random(Box<Generator>),
    Replay(Vec<Op>),
}

/// What the run needs and how it checks; decided by main from the options.
pub struct Setup {
    pub path: PathBuf,
    pub align: u64,
    /// Longest single read/write (the I/O buffer's size).
    pub max_io: u64,
    pub need_direct: bool,
    pub need_aio: bool,
    pub need_uring: bool,
    /// Whole-file checks also read through O_DIRECT (the filesystem accepts it).
    pub direct_check: bool,
    pub check_every: u64,
    pub check_each: bool,
    pub remount_cmd: Option<String>,
    pub remount_every: u64,
    pub pollute_eof: bool,
    pub inject_at: Option<u64>,
    pub verbose: bool,
}

/// Counters for the summary line.
#[derive(Debug, Default)]
pub struct Stats {
    pub by_kind: BTreeMap<String, u64>,
    pub nowait_eagain: u64,
    pub nowait_unsupported: u64,
    pub nowait_short: u64,
    /// Short results of the other engines that a second call completed.
    pub short_completions: u64,
    pub checks: u64,
}

pub struct Runner {
    s: Setup,
    // Field order is drop order: the ring (which has the buffer registered) and the aio
    // context go before the buffer they point into.
    uring: Option<Uring>,
    aio: Option<Aio>,
    buf: AlignedBuf,
    files: Option<Files>,
    model: Model,
    history: Vec<Entry>,
    log: Option<LogWriter>,
    page: u64,
    pub stats: Stats,
}

fn fail(msg: impl Into<String>) -> Failure {
    Failure::error(msg)
}

fn sys<T>(r: std::io::Result<T>, what: impl FnOnce() -> String) -> Result<T, Failure> {
    r.map_err(|e| fail(format!("{}: {e}", what())))
}

impl Runner {
    /// Opens (creating and emptying) the file and sets up the engines.
    pub fn new(s: Setup, log: Option<LogWriter>) -> Result<Runner, String> {
        let buf_len = usize::try_from(s.max_io.div_ceil(s.align) * s.align)
            .map_err(|_| "--max-op too large")?;
        let mut buf = AlignedBuf::new(buf_len, s.align.max(io::page_size()) as usize)?;
        let uring = if s.need_uring {
            Some(Uring::new(8, buf.as_mut_ptr(), buf.len())?)
        } else {
            None
        };
        let aio = if s.need_aio {
            Some(Aio::new(16)?)
        } else {
            None
        };
        let files = Files::open(&s.path, s.need_direct, true)?;
        Ok(Runner {
            s,
            uring,
            aio,
            buf,
            files: Some(files),
            model: Model::new(),
            history: Vec::new(),
            log,
            page: io::page_size(),
            stats: Stats::default(),
        })
    }

    pub fn history(&self) -> &[Entry] {
        &self.history
    }

    pub fn log_path(&self) -> Option<PathBuf> {
        self.log.as_ref().map(|l| l.path().to_path_buf())
    }

    fn files(&self) -> Result<&Files, Failure> {
        self.files
            .as_ref()
            .ok_or_else(|| fail("the file is not open"))
    }

    /// Probes which fallocate modes and copy_file_range the filesystem supports, on the
    /// still empty file; leaves it empty. Returns the unsupported ones with the errno.
    pub fn probe(&mut self) -> Result<Vec<(String, String)>, String> {
        let fd = self
            .files
            .as_ref()
            .ok_or("the file is not open")?
            .buffered();
        let mut missing = Vec::new();
        let unsupported = |e: &std::io::Error| {
            matches!(
                io::errno_of(e),
                libc::EOPNOTSUPP | libc::ENOSYS | libc::EXDEV | libc::ENOTTY
            )
        };
        for mode in FallocMode::ALL {
            // KEEP_SIZE where the mode allows it: the probe must not change the file.
            let flags = match mode {
                FallocMode::Alloc => libc::FALLOC_FL_KEEP_SIZE,
                FallocMode::Zero => libc::FALLOC_FL_ZERO_RANGE | libc::FALLOC_FL_KEEP_SIZE,
                m => m.flags(),
            };
            // SAFETY: plain syscall on an open fd.
            if unsafe { libc::fallocate(fd, flags, 0, 4096) } != 0 {
                let e = std::io::Error::last_os_error();
                if !unsupported(&e) {
                    return Err(format!("probing fallocate {}: {e}", mode.name()));
                }
                missing.push((mode.name().to_string(), e.to_string()));
            }
        }
        // copy_file_range needs data to copy: 2 bytes, one copied onto the other.
        sync::pwrite(fd, b"ab", 0).map_err(|e| format!("probe write: {e}"))?;
        let (mut src, mut dst): (libc::loff_t, libc::loff_t) = (0, 1);
        // SAFETY: plain syscall; the offsets are ours.
        if unsafe { libc::copy_file_range(fd, &mut src, fd, &mut dst, 1, 0) } < 0 {
            let e = std::io::Error::last_os_error();
            if !unsupported(&e) {
                return Err(format!("probing copy_file_range: {e}"));
            }
            missing.push(("copy".to_string(), e.to_string()));
        }
        // SAFETY: plain syscall.
        if unsafe { libc::ftruncate(fd, 0) } != 0 {
            return Err(io::os_err("ftruncate after the probes"));
        }
        Ok(missing)
    }

    /// Runs `n` ops from `src`, then the final check.
    pub fn run(&mut self, src: &mut Source, n: u64) -> Result<(), Failure> {
        for i in 1..=n {
            let op = match src {
                Source::Random(g) => {
                    if self.s.remount_cmd.is_some() && i % self.s.remount_every == 0 {
                        Op::Remount
                    } else {
                        g.next(self.model.size()).map_err(fail)?
                    }
                }
                Source::Replay(ops) => *ops
                    .get((i - 1) as usize)
                    .ok_or_else(|| fail(format!("the log has no op {i}")))?,
            };
            self.step(i, op)?;
        }
        self.check_all(&format!("the final check after op {n}"))
    }

    fn step(&mut self, n: u64, op: Op) -> Result<(), Failure> {
        CURRENT_OP.store(n, Ordering::Relaxed);
        if let Some(log) = &mut self.log {
            log.op(n, &op).map_err(fail)?;
        }
        if self.s.verbose {
            println!("{n} {op}");
        }
        let size_before = self.model.size();
        self.history.push(Entry {
            op,
            size_before,
            size_after: size_before,
        });
        *self.stats.by_kind.entry(op.kind()).or_default() += 1;
        let result = self.exec(n, op);
        // The model has been updated even when the file disagreed: the history shows the
        // size the op meant to leave.
        if let Some(e) = self.history.last_mut() {
            e.size_after = self.model.size();
        }
        result?;
        self.check_size(&format!("op {n} ({op})"))?;
        // An injected corruption is checked at once: a later op could overwrite it.
        let injected = self.s.inject_at == Some(n);
        if injected {
            self.inject(n)?;
        }
        if injected
            || self.s.check_each
            || n.is_multiple_of(self.s.check_every)
            || op == Op::Remount
        {
            self.check_all(&format!("the whole-file check after op {n}"))?;
        }
        Ok(())
    }

    fn exec(&mut self, n: u64, op: Op) -> Result<(), Failure> {
        match op {
            Op::Read(io) => self.read(n, io),
            Op::Write(io) => self.write(n, io),
            Op::Truncate { size } => {
                self.pollute_before(size, true)?;
                let fd = self.files()?.buffered();
                // SAFETY: plain syscall.
                if unsafe { libc::ftruncate(fd, size as libc::off_t) } != 0 {
                    return Err(fail(io::os_err(&format!("op {n}: ftruncate {size:#x}"))));
                }
                self.model.truncate(size);
                Ok(())
            }
            Op::Falloc { mode, off, len } => {
                if !mode.keeps_size() {
                    self.pollute_before(off + len, false)?;
                }
                let fd = self.files()?.buffered();
                // SAFETY: plain syscall.
                if unsafe {
                    libc::fallocate(fd, mode.flags(), off as libc::off_t, len as libc::off_t)
                } != 0
                {
                    return Err(fail(io::os_err(&format!(
                        "op {n}: fallocate {} {off:#x}+{len:#x}",
                        mode.name()
                    ))));
                }
                match mode {
                    FallocMode::Alloc | FallocMode::KeepSize => {
                        self.model.allocate(off, len, mode.keeps_size())
                    }
                    FallocMode::Punch => self.model.punch(off, len),
                    FallocMode::Zero | FallocMode::ZeroKeep => {
                        self.model.zero_range(off, len, mode.keeps_size())
                    }
                }
                Ok(())
            }
            Op::Copy { src, dst, len } => self.copy(n, src, dst, len),
            Op::Fsync | Op::Fdatasync => {
                let fd = self.files()?.buffered();
                // SAFETY: plain syscalls.
                let r = unsafe {
                    if op == Op::Fsync {
                        libc::fsync(fd)
                    } else {
                        libc::fdatasync(fd)
                    }
                };
                if r != 0 {
                    return Err(fail(io::os_err(&format!("op {n}: {}", op.kind()))));
                }
                Ok(())
            }
            Op::Reopen => self.reopen(),
            Op::Remount => {
                let cmd = self
                    .s
                    .remount_cmd
                    .clone()
                    .ok_or_else(|| fail("a remount op, but no --remount-cmd"))?;
                self.files = None;
                let status = Command::new("sh").arg("-c").arg(&cmd).status();
                match status {
                    Ok(s) if s.success() => {}
                    Ok(s) => {
                        return Err(fail(format!(
                            "op {n}: remount command '{cmd}' failed ({s})"
                        )))
                    }
                    Err(e) => return Err(fail(format!("op {n}: running sh -c '{cmd}': {e}"))),
                }
                self.reopen()
            }
        }
    }

    fn reopen(&mut self) -> Result<(), Failure> {
        self.files = None;
        self.files = Some(Files::open(&self.s.path, self.s.need_direct, false).map_err(fail)?);
        Ok(())
    }

    fn align_of(&self, via: Engine) -> u64 {
        if via.is_direct() {
            self.s.align
        } else {
            1
        }
    }

    fn io_len(&self, n: u64, io: &Io) -> Result<usize, Failure> {
        let len = usize::try_from(io.len).unwrap_or(usize::MAX);
        if len > self.buf.len() {
            return Err(fail(format!(
                "op {n}: length {:#x} beyond the I/O buffer ({:#x})",
                io.len,
                self.buf.len()
            )));
        }
        Ok(len)
    }

    fn read(&mut self, n: u64, io: Io) -> Result<(), Failure> {
        let len = self.io_len(n, &io)?;
        let size = self.model.size();
        let align = self.align_of(io.via);
        let fd = self.files()?.fd_for(io.via.is_direct()).map_err(fail)?;
        let what = || format!("op {n} ({io_op})", io_op = Op::Read(io));
        let got = match io.via {
            Engine::Buffered | Engine::Direct => {
                let (got, extra) = sys(
                    sync::read_full(fd, &mut self.buf.as_mut_slice()[..len], io.off, align),
                    what,
                )?;
                self.stats.short_completions += u64::from(extra);
                got
            }
            Engine::Mmap => {
                if io.off + io.len > size {
                    return Err(fail(format!(
                        "{}: an mmap read past EOF ({size:#x}) would SIGBUS",
                        what()
                    )));
                }
                let buf = &mut self.buf.as_mut_slice()[..len];
                let garbage = mmap::read(fd, buf, io.off, size, self.page, !self.s.pollute_eof)
                    .map_err(fail)?;
                self.eof_garbage(&what(), garbage)?;
                len
            }
            Engine::Aio | Engine::Uring | Engine::UringDirect => self.queued(n, Dir::Read, io)?,
            Engine::Nowait | Engine::NowaitDirect => {
                let buf = &mut self.buf.as_mut_slice()[..len];
                let (got, out) = sys(nowait::read(fd, buf, io.off, align), what)?;
                self.count_nowait(out);
                if out.first == Some(0) && io.off < size {
                    return Err(Failure {
                        message: format!(
                            "{}: the RWF_NOWAIT read returned 0 (EOF) inside the file (size {size:#x})",
                            what()
                        ),
                        offset: Some(io.off),
                    });
                }
                got
            }
        };
        let want = self.model.read(io.off, io.len);
        report::compare(
            &format!("{} read {:#x} bytes at {:#x}", what(), got, io.off),
            io.off,
            &self.buf.as_slice()[..got],
            want,
            n as u32,
            &self.history,
        )
    }

    fn write(&mut self, n: u64, io: Io) -> Result<(), Failure> {
        let len = self.io_len(n, &io)?;
        let end = io.off + io.len;
        pattern::fill(&mut self.buf.as_mut_slice()[..len], n as u32, io.off);
        self.pollute_before(end, false)?;
        let fd = self.files()?.fd_for(io.via.is_direct()).map_err(fail)?;
        let what = || format!("op {n} ({})", Op::Write(io));
        match io.via {
            Engine::Buffered | Engine::Direct => {
                let extra = sys(
                    sync::write_full(fd, &self.buf.as_slice()[..len], io.off),
                    what,
                )?;
                self.stats.short_completions += u64::from(extra);
            }
            Engine::Mmap => {
                // A mapping cannot extend the file: grow it first, as fsx does.
                let size = self.model.size().max(end);
                if end > self.model.size() {
                    // SAFETY: plain syscall.
                    if unsafe { libc::ftruncate(fd, end as libc::off_t) } != 0 {
                        return Err(fail(io::os_err(&format!(
                            "{}: ftruncate to {end:#x}",
                            what()
                        ))));
                    }
                }
                let buf = &self.buf.as_slice()[..len];
                let garbage = mmap::write(
                    fd,
                    buf,
                    io.off,
                    size,
                    self.page,
                    io.msync,
                    !self.s.pollute_eof,
                )
                .map_err(fail)?;
                self.eof_garbage(&what(), garbage)?;
            }
            Engine::Aio | Engine::Uring | Engine::UringDirect => {
                self.queued(n, Dir::Write, io)?;
            }
            Engine::Nowait | Engine::NowaitDirect => {
                let out = sys(
                    nowait::write(fd, &mut self.buf.as_mut_slice()[..len], io.off),
                    what,
                )?;
                self.count_nowait(out);
            }
        }
        self.model.write(io.off, &self.buf.as_slice()[..len]);
        Ok(())
    }

    fn count_nowait(&mut self, out: nowait::Outcome) {
        self.stats.nowait_eagain += u64::from(out.eagain);
        self.stats.nowait_unsupported += u64::from(out.unsupported);
        self.stats.nowait_short += u64::from(out.short);
    }

    /// aio and io_uring: the range split into `depth` requests submitted together; a
    /// short request is completed with pread/pwrite. Returns the bytes read (for reads:
    /// up to the first request that stopped short, i.e. EOF).
    fn queued(&mut self, n: u64, dir: Dir, io: Io) -> Result<usize, Failure> {
        let unit = self.align_of(io.via);
        let reqs = split(io.len, io.depth, unit, io.off);
        let files = self
            .files
            .as_ref()
            .ok_or_else(|| fail("the file is not open"))?;
        let fd = files.fd_for(io.via.is_direct()).map_err(fail)?;
        let buffered_fd = files.buffered();
        let base = self.buf.as_mut_ptr();
        let what = |k: usize, r: &Request| {
            let op = if dir == Dir::Read {
                Op::Read(io)
            } else {
                Op::Write(io)
            };
            format!(
                "op {n} ({op}): request {k} ({:#x} bytes at {:#x})",
                r.len, r.off
            )
        };
        let results = match io.via {
            Engine::Aio => self
                .aio
                .as_ref()
                .ok_or_else(|| fail("aio is not set up"))?
                .run(fd, dir, base, &reqs),
            _ => self
                .uring
                .as_mut()
                .ok_or_else(|| fail("io_uring is not set up"))?
                .run(fd, dir, base, &reqs, io.fixed),
        }
        .map_err(|e| fail(format!("op {n}: {e}")))?;
        let mut total = 0;
        let mut eof_at: Option<usize> = None;
        for (k, (r, res)) in reqs.iter().zip(results).enumerate() {
            let got = res.map_err(|e| fail(format!("{}: {e}", what(k, r))))?;
            if got > r.len {
                return Err(fail(format!("{}: completed {got:#x} bytes", what(k, r))));
            }
            let mut done = got;
            let buf = &mut self.buf.as_mut_slice()[r.buf_off..r.buf_off + r.len];
            if done < r.len && dir == Dir::Write {
                // The rest through pwrite; through the buffered fd if O_DIRECT would
                // refuse its alignment.
                let at = r.off + done as u64;
                let wfd = if at.is_multiple_of(unit) {
                    fd
                } else {
                    buffered_fd
                };
                sys(sync::write_full(wfd, &buf[done..], at), || what(k, r))?;
                self.stats.short_completions += 1;
                done = r.len;
            } else if done < r.len && done > 0 && (r.off + done as u64).is_multiple_of(unit) {
                // A short read that is not EOF's (which ends off alignment, or at 0).
                let (rest, _) = sys(
                    sync::read_full(fd, &mut buf[done..], r.off + done as u64, unit),
                    || what(k, r),
                )?;
                if rest > 0 {
                    self.stats.short_completions += 1;
                }
                done += rest;
            }
            if dir == Dir::Read {
                match eof_at {
                    None => {
                        total += done;
                        if done < r.len {
                            eof_at = Some(k);
                        }
                    }
                    Some(e) if done > 0 => {
                        return Err(Failure {
                            message: format!(
                                "{}: returned data past the EOF that request {e} found at {:#x}",
                                what(k, r),
                                io.off + total as u64
                            ),
                            offset: Some(io.off + total as u64),
                        });
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(total)
    }

    fn copy(&mut self, n: u64, src: u64, dst: u64, len: u64) -> Result<(), Failure> {
        let expect = self.model.copy_len(src, len);
        self.pollute_before(if expect > 0 { dst + expect } else { 0 }, false)?;
        let fd = self.files()?.buffered();
        let (mut s, mut d) = (src as libc::loff_t, dst as libc::loff_t);
        let mut done = 0u64;
        while done < len {
            // SAFETY: plain syscall; the offsets are ours.
            let r =
                unsafe { libc::copy_file_range(fd, &mut s, fd, &mut d, (len - done) as usize, 0) };
            if r < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(fail(format!(
                    "op {n}: copy_file_range {src:#x} -> {dst:#x} ({len:#x}): {e}"
                )));
            }
            if r == 0 {
                break;
            }
            done += r as u64;
        }
        if done != expect {
            return Err(Failure {
                message: format!(
                    "op {n}: copy_file_range {src:#x} -> {dst:#x} ({len:#x}) copied {done:#x} bytes; \
                     the model has {expect:#x} before EOF ({:#x})",
                    self.model.size()
                ),
                offset: Some(src + done.min(expect)),
            });
        }
        self.model.copy(src, dst, len);
        Ok(())
    }

    /// `--pollute-eof`: before an op that moves EOF up (to `new_end`), or, for a
    /// truncate (`truncate`), down.
    fn pollute_before(&mut self, new_end: u64, truncate: bool) -> Result<(), Failure> {
        let size = self.model.size();
        let moves = new_end > size || (truncate && new_end < size);
        if !self.s.pollute_eof || !moves {
            return Ok(());
        }
        let fd = self.files()?.buffered();
        mmap::pollute_eof(fd, size, self.page).map_err(fail)
    }

    fn eof_garbage(&self, what: &str, garbage: mmap::EofGarbage) -> Result<(), Failure> {
        match garbage {
            None => Ok(()),
            Some((off, b)) => Err(Failure {
                message: format!(
                    "{what}: the mapped EOF page holds {b:#04x} at {off:#x}, past EOF ({:#x}): \
                     mmap must show zeros there",
                    self.model.size()
                ),
                offset: Some(off),
            }),
        }
    }

    /// fstat and lseek(SEEK_END) must both say the model's size.
    fn check_size(&self, what: &str) -> Result<(), Failure> {
        let (st, end) = io::sizes(self.files()?.buffered()).map_err(fail)?;
        let want = self.model.size();
        if st != want || end != want {
            return Err(Failure {
                message: format!(
                    "SIZE MISMATCH after {what}: fstat says {st:#x}, SEEK_END {end:#x}, the model {want:#x}"
                ),
                offset: Some(st.min(end).min(want)),
            });
        }
        Ok(())
    }

    pub fn check_all(&mut self, what: &str) -> Result<(), Failure> {
        self.stats.checks += 1;
        let ctx = check::Context {
            path: &self.s.path,
            align: self.s.align,
            page: self.page,
            direct: self.s.direct_check,
            eof_page: !self.s.pollute_eof,
            last_op: self.history.len() as u32,
        };
        check::whole_file(&ctx, &self.model, &self.history, what)
    }

    /// The self-test hook: flips a byte through a separate fd (the model does not know),
    /// or on an empty file writes one (then the size is wrong).
    fn inject(&mut self, n: u64) -> Result<(), Failure> {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.s.path);
        let f = sys(f, || "inject: open".to_string())?;
        let fd = std::os::fd::AsRawFd::as_raw_fd(&f);
        let size = self.model.size();
        let off = if size == 0 {
            0
        } else {
            n.wrapping_mul(7919) % size
        };
        let mut b = [0u8];
        if size > 0 {
            sys(sync::pread(fd, &mut b, off), || "inject: read".to_string())?;
        }
        b[0] ^= 0x5a;
        sys(sync::pwrite(fd, &b, off), || "inject: write".to_string())?;
        println!("rnw-fsx: self-test: corrupted the byte at {off:#x} after op {n}");
        Ok(())
    }
}

/// Splits `len` bytes at `off` into `depth` requests of whole `unit`s (the last takes
/// the remainder), laid out in the I/O buffer in order.
pub fn split(len: u64, depth: u8, unit: u64, off: u64) -> Vec<Request> {
    let units = len / unit;
    let depth = u64::from(depth.max(1)).min(units.max(1));
    let per = units / depth * unit;
    let mut reqs = Vec::new();
    let mut at = 0u64;
    for k in 0..depth {
        let l = if k + 1 == depth { len - at } else { per };
        reqs.push(Request {
            buf_off: at as usize,
            len: l as usize,
            off: off + at,
        });
        at += l;
    }
    reqs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_covers_the_range_in_aligned_pieces() {
        let reqs = split(0x5000, 3, 0x1000, 0x2000);
        assert_eq!(reqs.len(), 3);
        assert_eq!(reqs.iter().map(|r| r.len).sum::<usize>(), 0x5000);
        assert!(reqs
            .iter()
            .all(|r| r.len % 0x1000 == 0 && r.off % 0x1000 == 0));
        assert_eq!(reqs[0].off, 0x2000);
        assert_eq!(reqs[2].off + reqs[2].len as u64, 0x7000);
        // Buffered: any split; depth beyond the units left is reduced.
        let reqs = split(10, 4, 1, 5);
        assert_eq!(
            reqs.iter().map(|r| (r.buf_off, r.len)).collect::<Vec<_>>(),
            [(0, 2), (2, 2), (4, 2), (6, 4)]
        );
        assert_eq!(split(0x1000, 4, 0x1000, 0).len(), 1);
    }
}
