// SPDX-License-Identifier: GPL-2.0
//! The seed's three workloads (shared/seeds/002), run together by client streams:
//!   f1  random reads over a medium data set, zipf-distributed: mostly cached
//!   f2  random reads over a large data set, uniform: mostly uncached
//!   f3  sequential reads over a large data set
//! A workload is a set of equal files read in blocks of one size; each stream is a client
//! that keeps one request outstanding (closed loop, like a fio job at iodepth 1).

use crate::zipf::{Scatter, Zipf};
use rnw_rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    F1,
    F2,
    F3,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::F1, Kind::F2, Kind::F3];

    pub fn name(self) -> &'static str {
        match self {
            Kind::F1 => "f1",
            Kind::F2 => "f2",
            Kind::F3 => "f3",
        }
    }

    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The shape of one workload's data set and load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub kind: Kind,
    pub files: u32,
    pub file_size: u64,
    pub bs: u64,
    pub streams: u32,
}

impl Spec {
    /// Checks the numbers a user gave: whole blocks, sizes that add up without overflow.
    pub fn validate(&self) -> Result<(), String> {
        let k = self.kind.name();
        if self.bs == 0 || self.bs > 1 << 20 || !self.bs.is_multiple_of(512) {
            return Err(format!(
                "{k}: block size {} must be a multiple of 512 up to 1m",
                self.bs
            ));
        }
        if self.files == 0 {
            return Err(format!("{k}: no files"));
        }
        if self.file_size < self.bs || !self.file_size.is_multiple_of(self.bs) {
            return Err(format!(
                "{k}: file size {} must be a whole number of {}-byte blocks",
                self.file_size, self.bs
            ));
        }
        self.total_bytes().ok_or_else(|| {
            format!(
                "{k}: {} files of {} bytes overflow",
                self.files, self.file_size
            )
        })?;
        Ok(())
    }

    pub fn blocks_per_file(&self) -> u64 {
        self.file_size / self.bs
    }

    pub fn total_bytes(&self) -> Option<u64> {
        self.file_size.checked_mul(u64::from(self.files))
    }

    pub fn total_blocks(&self) -> u64 {
        self.blocks_per_file().saturating_mul(u64::from(self.files))
    }
}

/// One read a stream asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub file: usize,
    pub off: u64,
    pub len: u64,
    /// f3: the stream just left this file (it was read to its end), which a streaming
    /// reader drops from the page cache behind itself.
    pub left: Option<usize>,
}

enum Pattern {
    /// Block = scatter(zipf rank).
    Zipf(Zipf, Scatter),
    Uniform,
    /// Per stream: (file, block in file).
    Seq(Vec<(usize, u64)>),
}

/// The request stream of one workload's clients.
pub struct Generator {
    spec: Spec,
    pattern: Pattern,
    rng: Rng,
}

impl Generator {
    pub fn new(spec: Spec, theta: f64, seed: u64) -> Result<Generator, String> {
        spec.validate()?;
        let pattern = match spec.kind {
            Kind::F1 => Pattern::Zipf(
                Zipf::new(spec.total_blocks(), theta)?,
                Scatter::new(spec.total_blocks()),
            ),
            Kind::F2 => Pattern::Uniform,
            // Streams start on different files where there are enough of them.
            Kind::F3 => Pattern::Seq(
                (0..spec.streams as usize)
                    .map(|s| (s % spec.files as usize, 0))
                    .collect(),
            ),
        };
        Ok(Generator {
            spec,
            pattern,
            rng: Rng::new(seed),
        })
    }

    /// The zipf table and the scatter (f1), for priming its hottest blocks.
    pub fn zipf(&self) -> Option<(&Zipf, Scatter)> {
        match &self.pattern {
            Pattern::Zipf(z, s) => Some((z, *s)),
            _ => None,
        }
    }

    fn at_block(&self, block: u64) -> Request {
        let bpf = self.spec.blocks_per_file();
        Request {
            file: (block / bpf) as usize,
            off: (block % bpf) * self.spec.bs,
            len: self.spec.bs,
            left: None,
        }
    }

    /// The next request of `stream` (an index below spec.streams).
    pub fn next(&mut self, stream: usize) -> Request {
        let total = self.spec.total_blocks();
        let bpf = self.spec.blocks_per_file();
        let files = self.spec.files as usize;
        let bs = self.spec.bs;
        match &mut self.pattern {
            Pattern::Zipf(z, s) => {
                let block = s.map(z.sample(&mut self.rng));
                self.at_block(block)
            }
            Pattern::Uniform => {
                let block = self.rng.below(total);
                self.at_block(block)
            }
            Pattern::Seq(pos) => {
                let Some(p) = pos.get_mut(stream) else {
                    // Not a stream of this workload: a bug in the caller, served as block 0.
                    return self.at_block(0);
                };
                let mut left = None;
                if p.1 >= bpf {
                    left = Some(p.0);
                    *p = ((p.0 + 1) % files, 0);
                }
                let req = Request {
                    file: p.0,
                    off: p.1 * bs,
                    len: bs,
                    left,
                };
                p.1 += 1;
                req
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: Kind) -> Spec {
        Spec {
            kind,
            files: 4,
            file_size: 64 << 10,
            bs: 16 << 10,
            streams: 2,
        }
    }

    #[test]
    fn validate_refuses_partial_blocks_and_overflow() {
        assert!(spec(Kind::F1).validate().is_ok());
        assert!(Spec {
            file_size: 65 << 10,
            ..spec(Kind::F1)
        }
        .validate()
        .is_err());
        assert!(Spec {
            file_size: 8 << 10,
            ..spec(Kind::F1)
        }
        .validate()
        .is_err());
        assert!(Spec {
            bs: 0,
            ..spec(Kind::F1)
        }
        .validate()
        .is_err());
        assert!(Spec {
            bs: 1000,
            ..spec(Kind::F1)
        }
        .validate()
        .is_err());
        assert!(Spec {
            files: 0,
            ..spec(Kind::F1)
        }
        .validate()
        .is_err());
        let huge = Spec {
            files: u32::MAX,
            file_size: u64::MAX / 2 / 16384 * 16384,
            ..spec(Kind::F2)
        };
        assert!(huge.validate().is_err());
    }

    #[test]
    fn random_requests_are_whole_blocks_inside_the_files() {
        for kind in [Kind::F1, Kind::F2] {
            let s = spec(kind);
            let mut g = Generator::new(s, 1.2, 5).unwrap();
            for _ in 0..1000 {
                let r = g.next(0);
                assert!(r.file < 4);
                assert_eq!(r.off % s.bs, 0);
                assert!(r.off + r.len <= s.file_size);
                assert_eq!(r.left, None);
            }
        }
    }

    #[test]
    fn f1_is_skewed_and_f2_is_not() {
        let count_top = |kind| {
            let mut g = Generator::new(spec(kind), 1.2, 9).unwrap();
            let mut hits = std::collections::HashMap::new();
            for _ in 0..4000 {
                let r = g.next(0);
                *hits.entry((r.file, r.off)).or_insert(0u32) += 1;
            }
            hits.values().copied().max().unwrap_or(0)
        };
        // 16 blocks: uniform gives about 250 each; zipf(1.2)'s first rank about 36 %.
        assert!(count_top(Kind::F1) > 1000);
        assert!(count_top(Kind::F2) < 400);
    }

    #[test]
    fn sequential_streams_walk_their_files_and_say_when_they_leave_one() {
        let mut g = Generator::new(spec(Kind::F3), 1.2, 1).unwrap();
        // Stream 0 starts on file 0, stream 1 on file 1; 4 blocks a file.
        let offs: Vec<(usize, u64)> = (0..4).map(|_| g.next(0)).map(|r| (r.file, r.off)).collect();
        assert_eq!(offs, vec![(0, 0), (0, 16384), (0, 32768), (0, 49152)]);
        let r = g.next(0);
        assert_eq!((r.file, r.off, r.left), (1, 0, Some(0)));
        assert_eq!(g.next(0).left, None);
        let r = g.next(1);
        assert_eq!((r.file, r.off), (1, 0));
        // Past the last file: back to the first.
        for _ in 0..10 {
            g.next(0);
        }
        let r = g.next(0);
        assert_eq!((r.file, r.off, r.left), (0, 0, Some(3)));
    }
}
