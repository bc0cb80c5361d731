// SPDX-License-Identifier: GPL-2.0
//! The whole run on one filesystem: rounds of phases, one phase per policy, the policies'
//! order rotated each round (a drifting host load then falls on every policy alike). Every
//! phase starts from the same cache state: the data set's pages dropped, f1's hottest
//! blocks read back; and within a round every policy gets the same request streams (the
//! generators restart from the round's seed). Cells are pooled over the rounds.

use crate::{
    dataset::{self, Set},
    metrics::{self, Recorder},
    policy::Policy,
    server::{self, PhaseCfg, Workload},
    sys::{self, Nowait},
    workload::{Generator, Kind, Spec},
};
use std::{
    collections::BTreeMap,
    io,
    path::PathBuf,
    time::{Duration, Instant},
};

#[derive(Debug, Clone)]
pub struct BenchCfg {
    pub dir: PathBuf,
    /// The workloads that run (streams > 0).
    pub specs: Vec<Spec>,
    pub theta: f64,
    /// Share of f1's blocks, hottest first, read into the cache before each phase.
    pub prime: f64,
    /// Drop the data set's pages before each phase.
    pub drop: bool,
    pub rounds: u32,
    pub policies: Vec<Policy>,
    pub phase: PhaseCfg,
    pub seed: u64,
}

/// One (policy, workload) cell over all rounds.
#[derive(Debug)]
pub struct Cell {
    pub rec: Recorder,
    /// Where policy (c) got its ratios for this workload's files.
    pub source: &'static str,
}

pub type Cells = BTreeMap<(Policy, Kind), Cell>;

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |f| format!("{:.0}%", f * 100.0))
}

/// The "slow" threshold of the own counts, from this machine: 4 times the median time of
/// a nowait read of a block just read (so cached), at least 20 us. A read-in waits for
/// the device on top of the copy; a threshold from the copy's own cost holds on a fast
/// machine and under emulation alike. Returns the threshold and the median.
pub fn calibrate_slow(set: &Set) -> io::Result<(Duration, Duration)> {
    let file = set
        .files
        .first()
        .ok_or_else(|| io::Error::other("no files to calibrate with"))?;
    let mut buf =
        vec![0u8; usize::try_from(set.spec.bs).map_err(|_| io::Error::other("block size"))?];
    sys::read_full(file, &mut buf, 0)?;
    let mut times = Vec::new();
    for _ in 0..32 {
        let t0 = Instant::now();
        let r = sys::read_nowait(file, &mut buf, 0)?;
        let dt = t0.elapsed();
        if r == Nowait::Read(buf.len()) {
            times.push(u64::try_from(dt.as_nanos()).unwrap_or(u64::MAX));
        }
    }
    times.sort_unstable();
    // No nowait read succeeded (EOPNOTSUPP, or evicted at once): then nothing is tried
    // successfully anyway, and the threshold does not matter.
    let median = Duration::from_nanos(metrics::percentile(&times, 50.0).unwrap_or(250_000));
    Ok((
        median.saturating_mul(4).max(Duration::from_micros(20)),
        median,
    ))
}

pub fn run(cfg: &BenchCfg, log: &mut dyn FnMut(&str)) -> io::Result<Cells> {
    let mut cells = Cells::new();
    let mut phase = cfg.phase;
    if phase.slow.is_zero() {
        let spec = cfg
            .specs
            .first()
            .ok_or_else(|| io::Error::other("no workloads"))?;
        let (slow, median) = calibrate_slow(&Set::open(&cfg.dir, *spec)?)?;
        phase.slow = slow;
        log(&format!(
            "slow threshold (own counts): {:.1} us, 4 x the median cached nowait read of {:.1} us",
            slow.as_secs_f64() * 1e6,
            median.as_secs_f64() * 1e6
        ));
    }
    let n = cfg.policies.len();
    for round in 0..cfg.rounds {
        let seed = cfg
            .seed
            .wrapping_add(u64::from(round).wrapping_mul(0x5851_f42d_4c95_7f2d));
        for i in 0..n {
            let policy = cfg.policies[(i + round as usize) % n];
            let mut wl = Vec::with_capacity(cfg.specs.len());
            for spec in &cfg.specs {
                let set = Set::open(&cfg.dir, *spec)?;
                let gen = Generator::new(*spec, cfg.theta, seed ^ spec.kind.index() as u64)
                    .map_err(io::Error::other)?;
                wl.push(Workload { set, gen });
            }
            let mut prep = String::new();
            for x in &wl {
                if cfg.drop {
                    x.set.drop_cache()?;
                }
                if x.set.spec.kind == Kind::F1 && cfg.prime > 0.0 {
                    let (blocks, mass) = dataset::prime(&x.set, &x.gen, cfg.prime)?;
                    prep = format!(
                        "\n  primed: f1's {blocks} hottest blocks (expected hit ratio {:.1}%)",
                        mass * 100.0
                    );
                }
            }
            let start: Vec<Option<f64>> = wl
                .iter()
                .map(|x| x.set.cached_fraction())
                .collect::<io::Result<_>>()?;
            let pcfg = PhaseCfg {
                policy,
                seed,
                ..phase
            };
            let out = server::run_phase(&pcfg, &mut wl)?;
            let mut line = String::new();
            let good = out.good_files;
            for (i, (((x, mut rec), source), c0)) in wl
                .iter()
                .zip(out.recs)
                .zip(out.sources)
                .zip(start)
                .enumerate()
            {
                let c1 = x.set.cached_fraction()?;
                if let (Some(a), Some(b)) = (c0, c1) {
                    rec.cached_start = a;
                    rec.cached_end = b;
                    rec.cache_phases = 1;
                }
                let s = rec.summary();
                line += &format!(
                    "\n  {}: {} ops, mean {} us, inline {}, cached {}->{}",
                    x.set.spec.kind.name(),
                    s.ops,
                    s.mean_ns
                        .map_or("-".into(), |m| format!("{:.1}", m as f64 / 1e3)),
                    pct(s.inline_frac),
                    pct(c0),
                    pct(c1),
                );
                if policy == Policy::Guided {
                    if let Some((g, n)) = good.get(i) {
                        line += &format!(", {g}/{n} files judged good by {source} counts");
                    }
                }
                cells
                    .entry((policy, x.set.spec.kind))
                    .or_insert_with(|| Cell {
                        rec: Recorder::default(),
                        source,
                    })
                    .rec
                    .merge(rec);
            }
            log(&format!(
                "round {}/{} policy {} ({}):{prep}{line}",
                round + 1,
                cfg.rounds,
                policy.letter(),
                policy.name()
            ));
        }
    }
    Ok(cells)
}
