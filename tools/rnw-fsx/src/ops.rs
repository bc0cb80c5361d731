// SPDX-License-Identifier: GPL-2.0
//! The operations, as generated, logged and replayed.

use std::fmt;

/// How a read or write reaches the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Engine {
    /// pread/pwrite on the buffered fd.
    Buffered,
    /// pread/pwrite on the O_DIRECT fd.
    Direct,
    /// A MAP_SHARED mapping of the buffered fd.
    Mmap,
    /// libaio (io_submit) on the O_DIRECT fd.
    Aio,
    /// io_uring READ/WRITE (or _FIXED) on the buffered fd.
    Uring,
    /// io_uring on the O_DIRECT fd.
    UringDirect,
    /// preadv2/pwritev2 with RWF_NOWAIT on the buffered fd.
    Nowait,
    /// preadv2/pwritev2 with RWF_NOWAIT on the O_DIRECT fd.
    NowaitDirect,
}

impl Engine {
    pub const ALL: [Engine; 8] = [
        Engine::Buffered,
        Engine::Direct,
        Engine::Mmap,
        Engine::Aio,
        Engine::Uring,
        Engine::UringDirect,
        Engine::Nowait,
        Engine::NowaitDirect,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Engine::Buffered => "buffered",
            Engine::Direct => "direct",
            Engine::Mmap => "mmap",
            Engine::Aio => "aio",
            Engine::Uring => "uring",
            Engine::UringDirect => "uring-direct",
            Engine::Nowait => "nowait",
            Engine::NowaitDirect => "nowait-direct",
        }
    }

    pub fn from_name(s: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.name() == s)
    }

    /// Goes through the O_DIRECT fd: offsets, lengths and buffers aligned to `--align`.
    pub fn is_direct(self) -> bool {
        matches!(
            self,
            Engine::Direct | Engine::Aio | Engine::UringDirect | Engine::NowaitDirect
        )
    }

    /// Submits several requests at once (`depth`).
    pub fn is_queued(self) -> bool {
        matches!(self, Engine::Aio | Engine::Uring | Engine::UringDirect)
    }

    pub fn is_uring(self) -> bool {
        matches!(self, Engine::Uring | Engine::UringDirect)
    }
}

/// The fallocate(2) modes exercised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FallocMode {
    /// mode 0: allocate, extending the file if the range ends past EOF.
    Alloc,
    /// FALLOC_FL_KEEP_SIZE: allocate, size unchanged (blocks past EOF are allowed).
    KeepSize,
    /// FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE.
    Punch,
    /// FALLOC_FL_ZERO_RANGE: may extend the file.
    Zero,
    /// FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE.
    ZeroKeep,
}

impl FallocMode {
    pub const ALL: [FallocMode; 5] = [
        FallocMode::Alloc,
        FallocMode::KeepSize,
        FallocMode::Punch,
        FallocMode::Zero,
        FallocMode::ZeroKeep,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FallocMode::Alloc => "falloc",
            FallocMode::KeepSize => "keepsize",
            FallocMode::Punch => "punch",
            FallocMode::Zero => "zero",
            FallocMode::ZeroKeep => "zerokeep",
        }
    }

    pub fn from_name(s: &str) -> Option<FallocMode> {
        FallocMode::ALL.into_iter().find(|m| m.name() == s)
    }

    pub fn flags(self) -> libc::c_int {
        match self {
            FallocMode::Alloc => 0,
            FallocMode::KeepSize => libc::FALLOC_FL_KEEP_SIZE,
            FallocMode::Punch => libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
            FallocMode::Zero => libc::FALLOC_FL_ZERO_RANGE,
            FallocMode::ZeroKeep => libc::FALLOC_FL_ZERO_RANGE | libc::FALLOC_FL_KEEP_SIZE,
        }
    }

    pub fn keeps_size(self) -> bool {
        !matches!(self, FallocMode::Alloc | FallocMode::Zero)
    }
}

/// A read or a write: where, how much, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Io {
    pub via: Engine,
    pub off: u64,
    pub len: u64,
    /// aio and io_uring: the range is split into this many requests submitted together
    /// (1 for the other engines).
    pub depth: u8,
    /// io_uring: READ_FIXED/WRITE_FIXED on the registered buffer.
    pub fixed: bool,
    /// mmap writes: msync(MS_SYNC) before munmap.
    pub msync: bool,
}

impl Io {
    pub fn new(via: Engine, off: u64, len: u64) -> Io {
        Io {
            via,
            off,
            len,
            depth: 1,
            fixed: false,
            msync: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Read(Io),
    Write(Io),
    Truncate {
        size: u64,
    },
    Falloc {
        mode: FallocMode,
        off: u64,
        len: u64,
    },
    /// copy_file_range within the file.
    Copy {
        src: u64,
        dst: u64,
        len: u64,
    },
    Fsync,
    Fdatasync,
    /// Close both fds and open the file again.
    Reopen,
    /// Close the file, run `--remount-cmd`, open it again, check all of it.
    Remount,
}

impl Op {
    /// The name counted in the summary ("read-direct", "punch", ...).
    pub fn kind(&self) -> String {
        match self {
            Op::Read(io) => format!("read-{}", io.via.name()),
            Op::Write(io) => format!("write-{}", io.via.name()),
            Op::Truncate { .. } => "truncate".into(),
            Op::Falloc { mode, .. } => mode.name().into(),
            Op::Copy { .. } => "copy".into(),
            Op::Fsync => "fsync".into(),
            Op::Fdatasync => "fdatasync".into(),
            Op::Reopen => "reopen".into(),
            Op::Remount => "remount".into(),
        }
    }

    /// The bytes the op reads or writes directly ([start, end)); for a copy, its
    /// destination (the source is only read).
    pub fn range(&self) -> Option<(u64, u64)> {
        match *self {
            Op::Read(io) | Op::Write(io) => Some((io.off, io.off.saturating_add(io.len))),
            Op::Falloc { off, len, .. } => Some((off, off.saturating_add(len))),
            Op::Copy { dst, len, .. } => Some((dst, dst.saturating_add(len))),
            _ => None,
        }
    }

    /// Whether the op reads or changes the byte at `off`, given the file's size before
    /// and after it (a truncate or an extension changes everything between the two).
    pub fn touches(&self, off: u64, size_before: u64, size_after: u64) -> bool {
        let in_range = self.range().is_some_and(|(s, e)| s <= off && off < e);
        let in_src = matches!(*self, Op::Copy { src, len, .. } if src <= off && off < src.saturating_add(len));
        let resized = off >= size_before.min(size_after) && off < size_before.max(size_after);
        in_range || in_src || resized
    }
}

impl fmt::Display for Op {
    /// The op log's form (log.rs parses it back).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Op::Read(io) | Op::Write(io) => {
                let dir = if matches!(self, Op::Read(_)) {
                    "read"
                } else {
                    "write"
                };
                write!(
                    f,
                    "{dir} via={} off={:#x} len={:#x}",
                    io.via.name(),
                    io.off,
                    io.len
                )?;
                if io.via.is_queued() {
                    write!(f, " depth={}", io.depth)?;
                }
                if io.via.is_uring() {
                    write!(f, " fixed={}", u8::from(io.fixed))?;
                }
                if io.via == Engine::Mmap && matches!(self, Op::Write(_)) {
                    write!(f, " msync={}", u8::from(io.msync))?;
                }
                Ok(())
            }
            Op::Truncate { size } => write!(f, "truncate size={size:#x}"),
            Op::Falloc { mode, off, len } => write!(f, "{} off={off:#x} len={len:#x}", mode.name()),
            Op::Copy { src, dst, len } => write!(f, "copy src={src:#x} dst={dst:#x} len={len:#x}"),
            Op::Fsync => write!(f, "fsync"),
            Op::Fdatasync => write!(f, "fdatasync"),
            Op::Reopen => write!(f, "reopen"),
            Op::Remount => write!(f, "remount"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in Engine::ALL {
            assert_eq!(Engine::from_name(e.name()), Some(e));
        }
        for m in FallocMode::ALL {
            assert_eq!(FallocMode::from_name(m.name()), Some(m));
        }
    }

    #[test]
    fn touches_covers_ranges_and_resizes() {
        let w = Op::Write(Io::new(Engine::Buffered, 100, 10));
        assert!(w.touches(105, 200, 200));
        assert!(!w.touches(110, 200, 200));
        // An extending write at 100 from EOF 50 zeroes 50..100 too.
        assert!(w.touches(60, 50, 110));
        let t = Op::Truncate { size: 10 };
        assert!(t.touches(15, 20, 10));
        assert!(!t.touches(5, 20, 10));
        let c = Op::Copy {
            src: 0,
            dst: 100,
            len: 10,
        };
        assert!(c.touches(5, 200, 200) && c.touches(105, 200, 200) && !c.touches(50, 200, 200));
        assert!(!Op::Fsync.touches(0, 10, 10));
    }
}
