// SPDX-License-Identifier: GPL-2.0
//! Random operations: which op (by weight), over which range, through which engine. The
//! generator sees only the model's file size, so one seed always gives the same ops.

use crate::ops::{Engine, FallocMode, Io, Op};

/// Most requests an aio or io_uring op submits at once.
pub const MAX_DEPTH: u8 = 4;

pub use rnw_rng::Rng;

/// What can be picked; reads and writes then pick an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Read,
    Write,
    Truncate,
    Falloc(FallocMode),
    Copy,
    Fsync,
    Fdatasync,
    Reopen,
}

impl Class {
    pub const ALL: [Class; 12] = [
        Class::Read,
        Class::Write,
        Class::Truncate,
        Class::Falloc(FallocMode::Alloc),
        Class::Falloc(FallocMode::KeepSize),
        Class::Falloc(FallocMode::Punch),
        Class::Falloc(FallocMode::Zero),
        Class::Falloc(FallocMode::ZeroKeep),
        Class::Copy,
        Class::Fsync,
        Class::Fdatasync,
        Class::Reopen,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Class::Read => "read",
            Class::Write => "write",
            Class::Truncate => "truncate",
            Class::Falloc(m) => m.name(),
            Class::Copy => "copy",
            Class::Fsync => "fsync",
            Class::Fdatasync => "fdatasync",
            Class::Reopen => "reopen",
        }
    }

    pub fn from_name(s: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.name() == s)
    }

    /// Relative frequency: data ops dominate; the size-changing and hole-making ops that
    /// find the bugs come often enough to interleave with them every few ops.
    fn weight(self) -> u64 {
        match self {
            Class::Read | Class::Write => 30,
            Class::Truncate | Class::Copy | Class::Falloc(FallocMode::Punch) => 5,
            Class::Falloc(FallocMode::KeepSize) => 4,
            Class::Falloc(_) => 3,
            Class::Fsync | Class::Fdatasync => 2,
            Class::Reopen => 1,
        }
    }
}

#[derive(Debug, Clone)]
pub struct GenConfig {
    pub max_size: u64,
    pub max_op: u64,
    pub align: u64,
    pub classes: Vec<Class>,
    pub engines: Vec<Engine>,
}

impl GenConfig {
    /// Truncate sizes are aligned when any engine does direct I/O (as fsx does with -Z).
    pub fn trunc_align(&self) -> u64 {
        if self.engines.iter().any(|e| e.is_direct()) {
            self.align
        } else {
            1
        }
    }
}

pub struct Generator {
    rng: Rng,
    cfg: GenConfig,
    total: u64,
}

fn round_down(v: u64, a: u64) -> u64 {
    v - v % a
}

impl Generator {
    /// `cfg` is validated by opts.rs: align a power of two, max_size a multiple of it,
    /// align <= max_op <= max_size, at least one class and, with reads or writes, one
    /// engine.
    pub fn new(seed: u64, cfg: GenConfig) -> Generator {
        let total = cfg.classes.iter().map(|c| c.weight()).sum();
        Generator {
            rng: Rng::new(seed),
            cfg,
            total,
        }
    }

    /// The next op for a file of `size` bytes. Ops that cannot apply (an mmap read of an
    /// empty file, a copy with no room) are redrawn.
    pub fn next(&mut self, size: u64) -> Result<Op, String> {
        for _ in 0..1000 {
            let mut pick = self.rng.below(self.total);
            let mut class = None;
            for &c in &self.cfg.classes {
                if pick < c.weight() {
                    class = Some(c);
                    break;
                }
                pick -= c.weight();
            }
            let Some(class) = class else { break };
            if let Some(op) = self.make(class, size) {
                return Ok(op);
            }
        }
        Err(format!(
            "no enabled operation applies to a file of {size:#x} bytes"
        ))
    }

    /// An offset in [0, limit): a quarter of them near EOF (within max_op either side),
    /// where extension, zeroing and partial blocks meet.
    fn offset(&mut self, size: u64, limit: u64) -> u64 {
        let max_op = self.cfg.max_op;
        let off = if self.rng.chance(1, 4) {
            self.rng
                .between(size.saturating_sub(max_op), size.saturating_add(max_op))
        } else {
            self.rng.below(limit)
        };
        off.min(limit.saturating_sub(1))
    }

    /// A range for `via` within [0, max_size): aligned for direct engines.
    fn io_range(&mut self, via: Engine, off: u64) -> (u64, u64) {
        let (max_size, a) = (self.cfg.max_size, self.cfg.align);
        let len = self.rng.between(1, self.cfg.max_op);
        if via.is_direct() {
            let off = round_down(off, a);
            let len = round_down(len + a - 1, a).min(round_down(self.cfg.max_op, a));
            (off, len.min(max_size - off))
        } else {
            (off, len.min(max_size - off))
        }
    }

    fn engine(&mut self) -> Option<Engine> {
        let n = self.cfg.engines.len() as u64;
        self.cfg.engines.get(self.rng.below(n) as usize).copied()
    }

    fn queue_params(&mut self, io: &mut Io) {
        if io.via.is_queued() {
            let unit = if io.via.is_direct() {
                self.cfg.align
            } else {
                1
            };
            let most = (io.len / unit).min(u64::from(MAX_DEPTH));
            io.depth = self.rng.between(1, most) as u8;
        }
        io.fixed = io.via.is_uring() && self.rng.chance(1, 2);
    }

    fn make(&mut self, class: Class, size: u64) -> Option<Op> {
        let max_size = self.cfg.max_size;
        let op = match class {
            Class::Read => {
                let via = self.engine()?;
                if via == Engine::Mmap {
                    // A mapping cannot be read past EOF (SIGBUS): mmap reads stay inside.
                    if size == 0 {
                        return None;
                    }
                    let off = self.offset(size, size);
                    let len = self.rng.between(1, self.cfg.max_op).min(size - off);
                    return Some(Op::Read(Io::new(via, off, len)));
                }
                // Mostly inside the file; some past EOF, where reads must come back short.
                let off = if size > 0 && self.rng.chance(5, 6) {
                    self.offset(size, size)
                } else {
                    self.offset(size, max_size)
                };
                let (off, len) = self.io_range(via, off);
                let mut io = Io::new(via, off, len);
                self.queue_params(&mut io);
                Op::Read(io)
            }
            Class::Write => {
                let via = self.engine()?;
                let off = self.offset(size, max_size);
                let (off, len) = self.io_range(via, off);
                let mut io = Io::new(via, off, len);
                self.queue_params(&mut io);
                io.msync = via == Engine::Mmap && self.rng.chance(3, 4);
                Op::Write(io)
            }
            Class::Truncate => {
                let to = if self.rng.chance(1, 4) {
                    self.rng.between(
                        size.saturating_sub(self.cfg.max_op),
                        size.saturating_add(self.cfg.max_op),
                    )
                } else {
                    self.rng.below(max_size + 1)
                };
                Op::Truncate {
                    size: round_down(to.min(max_size), self.cfg.trunc_align()),
                }
            }
            Class::Falloc(mode) => {
                // Deliberately unaligned: sub-block edges are where zeroing bugs hide.
                let off = self.offset(size, max_size);
                let len = self.rng.between(1, self.cfg.max_op).min(max_size - off);
                Op::Falloc { mode, off, len }
            }
            Class::Copy => {
                if size == 0 {
                    return None;
                }
                let src = self.rng.below(size);
                let len = self.rng.between(1, self.cfg.max_op).min(size - src);
                // The kernel refuses overlapping ranges within one file.
                for _ in 0..30 {
                    let dst = self.offset(size, max_size - len + 1);
                    if src.abs_diff(dst) >= len {
                        return Some(Op::Copy { src, dst, len });
                    }
                }
                return None;
            }
            Class::Fsync => Op::Fsync,
            Class::Fdatasync => Op::Fdatasync,
            Class::Reopen => Op::Reopen,
        };
        Some(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    fn cfg(engines: &[Engine]) -> GenConfig {
        GenConfig {
            max_size: 256 << 10,
            max_op: 64 << 10,
            align: 4096,
            classes: Class::ALL.to_vec(),
            engines: engines.to_vec(),
        }
    }

    /// Runs the generator against a model that follows the ops' effect on size (what the
    /// generator depends on) and returns the ops.
    fn run(seed: u64, cfg: GenConfig, n: usize) -> Vec<Op> {
        let mut g = Generator::new(seed, cfg);
        let mut m = Model::new();
        let mut ops = Vec::new();
        for i in 0..n {
            let op = g.next(m.size()).unwrap();
            match op {
                Op::Write(io) => m.write(io.off, &vec![i as u8; io.len as usize]),
                Op::Truncate { size } => m.truncate(size),
                Op::Falloc { mode, off, len } => match mode {
                    FallocMode::Alloc | FallocMode::KeepSize => {
                        m.allocate(off, len, mode.keeps_size())
                    }
                    FallocMode::Punch => m.punch(off, len),
                    _ => m.zero_range(off, len, mode.keeps_size()),
                },
                Op::Copy { src, dst, len } => m.copy(src, dst, len),
                _ => {}
            }
            ops.push(op);
        }
        ops
    }

    #[test]
    fn same_seed_same_ops_other_seed_other_ops() {
        let engines = Engine::ALL;
        let a = run(42, cfg(&engines), 3000);
        assert_eq!(a, run(42, cfg(&engines), 3000));
        assert_ne!(a, run(43, cfg(&engines), 3000));
    }

    #[test]
    fn ranges_stay_within_limits_and_direct_ops_are_aligned() {
        let c = cfg(&Engine::ALL);
        let (max_size, max_op, a) = (c.max_size, c.max_op, c.align);
        let ops = run(7, c, 20000);
        let mut seen_unaligned_falloc = false;
        let mut seen_past_eof_read = false;
        for op in &ops {
            if let Some((s, e)) = op.range() {
                assert!(s < e && e <= max_size, "{op}");
                assert!(e - s <= max_op, "{op}");
            }
            match *op {
                Op::Read(io) | Op::Write(io) => {
                    if io.via.is_direct() {
                        assert!(
                            io.off % a == 0 && io.len % a == 0,
                            "unaligned direct op: {op}"
                        );
                    }
                    assert!(io.depth >= 1 && io.depth <= MAX_DEPTH, "{op}");
                    if io.via.is_direct() && io.via.is_queued() {
                        assert!(io.len / a >= u64::from(io.depth), "{op}");
                    }
                }
                Op::Truncate { size } => assert!(size % a == 0 && size <= max_size, "{op}"),
                Op::Falloc { off, len, .. } => {
                    seen_unaligned_falloc |= off % 512 != 0 || len % 512 != 0
                }
                Op::Copy { src, dst, len } => {
                    assert!(src.abs_diff(dst) >= len, "overlapping copy: {op}");
                    assert!(dst + len <= max_size && len >= 1, "{op}");
                }
                _ => {}
            }
        }
        assert!(
            seen_unaligned_falloc,
            "fallocate ranges must not all be aligned"
        );
        // Reads past EOF are generated (they must come back short).
        let mut m = Model::new();
        let mut g = Generator::new(9, cfg(&[Engine::Buffered]));
        m.truncate(4096);
        for _ in 0..2000 {
            if let Op::Read(io) = g.next(m.size()).unwrap() {
                seen_past_eof_read |= io.off + io.len > m.size();
            }
        }
        assert!(seen_past_eof_read);
    }

    #[test]
    fn truncates_are_unaligned_without_direct_engines() {
        let ops = run(11, cfg(&[Engine::Buffered, Engine::Mmap]), 5000);
        assert!(ops
            .iter()
            .any(|op| matches!(*op, Op::Truncate { size } if size % 4096 != 0)));
    }

    #[test]
    fn mmap_reads_stay_inside_the_file() {
        let mut g = Generator::new(3, cfg(&[Engine::Mmap]));
        for size in [1u64, 100, 4096, 5000, 256 << 10] {
            for _ in 0..500 {
                if let Op::Read(io) = g.next(size).unwrap() {
                    assert!(
                        io.off + io.len <= size,
                        "mmap read past EOF {size:#x}: {:?}",
                        io
                    );
                }
            }
        }
    }

    #[test]
    fn every_class_and_engine_is_generated() {
        let ops = run(5, cfg(&Engine::ALL), 20000);
        for class in Class::ALL {
            let name = class.name();
            let seen = ops
                .iter()
                .any(|op| op.kind() == name || op.kind().starts_with(&format!("{name}-")));
            assert!(seen, "{name} never generated");
        }
        for e in Engine::ALL {
            assert!(
                ops.iter()
                    .any(|op| matches!(op, Op::Write(io) if io.via == e)),
                "{e:?}"
            );
        }
    }

    #[test]
    fn an_impossible_mix_is_an_error_not_a_hang() {
        let mut c = cfg(&[Engine::Mmap]);
        c.classes = vec![Class::Read, Class::Copy];
        assert!(Generator::new(1, c).next(0).is_err());
    }
}
