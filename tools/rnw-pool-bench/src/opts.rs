// SPDX-License-Identifier: GPL-2.0
//! Command line.

use crate::{
    bench::BenchCfg,
    policy::{GuidedCfg, Policy},
    server::PhaseCfg,
    workload::{Kind, Spec},
};
use std::{path::PathBuf, time::Duration};

pub const USAGE: &str = "usage: rnw-pool-bench run [OPTIONS] DIR
       rnw-pool-bench report FS=RESULTS.tsv...

run: an event loop serving reads from client streams of three workloads at once, with a
worker pool behind it, once per policy:
  a handoff  every read goes to the pool
  b nowait   preadv2(RWF_NOWAIT) in the event loop first; the pool on EAGAIN or a short read
  c guided   as b, only for files whose nowait hit ratio is good (rnwfs's per-file
             statistics ioctl where the filesystem has it, own counts elsewhere)
workloads (shared/seeds/002):
  f1  random reads, zipf-distributed, over a medium data set, mostly cached (primed)
  f2  random reads, uniform, over a large data set, mostly uncached (evicted)
  f3  sequential reads over a large data set (each stream drops a file it leaves)
Prints a table per (policy, workload): throughput, mean/p50/p90/p99 response time, the
fraction served inline, EAGAIN counts. Before each phase the data set's pages are dropped
(POSIX_FADV_DONTNEED) and f1's hottest blocks read back.

  --setup            create the data set's files in DIR first (kept if the right size)
  --label NAME       filesystem name in the output (default fs)
  --policies LIST    of a,b,c (default a,b,c)
  --rounds N         rounds of all policies, order rotated each round (default 1)
  --seconds S        measured seconds per phase (default 8)
  --warmup S         unmeasured seconds before (default 1)
  --workers N        pool threads (default 4)
  --bs SIZE          read size (default 16k)
  --f1 NxSIZE        f1's files (default 8x8m)
  --f2 NxSIZE        f2's files (default 8x24m)
  --f3 NxSIZE        f3's files (default 2x96m)
  --streams A,B,C    client streams of f1, f2, f3 (default 4,4,1; 0 leaves a workload
                     out); closed loop: one request outstanding per stream
  --rates A,B,C      open loop instead: f1, f2, f3 requests per second (Poisson arrivals
                     spread over the streams, the same for every policy)
  --zipf THETA       f1's zipf exponent (default 1.2)
  --prime FRAC       share of f1's blocks, hottest first, read before each phase
                     (default 0.5)
  --evict-ms N       drop f2's cached pages every N ms (default 250; 0: never)
  --no-drop          leave the page cache alone between phases
  --hit-ratio R      policy c tries nowait while a file's hit ratio is >= R (default 0.5)
  --window N         attempts per hit-ratio window (default 16)
  --probe-every N    policy c still tries every Nth read of a bad file (default 16)
  --slow-us N        own counts: a nowait read taking N us or more is a miss: it read
                     the data in (xfs, ext4) (default 0: 4 times the median time of a
                     cached nowait read, measured at the start, at least 20 us)
  --seed N           request streams' seed (default 1)
  --tsv FILE         also write the results there (for `report`)

report: the tables and the goals of issue #17 for result files of several filesystems.

Sizes take k, m and g suffixes.";

pub enum Cmd {
    Run {
        cfg: Box<BenchCfg>,
        setup: bool,
        label: String,
        tsv: Option<PathBuf>,
    },
    Report(Vec<(String, PathBuf)>),
    Help,
}

/// A number with an optional k/m/g (binary) suffix.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let lower = s.to_ascii_lowercase();
    let (digits, shift) = match lower.as_bytes().last() {
        Some(b'k') => (&lower[..lower.len() - 1], 10),
        Some(b'm') => (&lower[..lower.len() - 1], 20),
        Some(b'g') => (&lower[..lower.len() - 1], 30),
        _ => (lower.as_str(), 0),
    };
    let v: u64 = digits.parse().map_err(|_| format!("'{s}' is not a size"))?;
    v.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("'{s}' is too large"))
}

/// "8x24m": files and file size.
pub fn parse_files(s: &str) -> Result<(u32, u64), String> {
    let (n, size) = s
        .split_once('x')
        .ok_or_else(|| format!("'{s}': say FILESxSIZE, e.g. 8x24m"))?;
    let n: u32 = n
        .parse()
        .map_err(|_| format!("'{s}': '{n}' is not a file count"))?;
    Ok((n, parse_size(size)?))
}

fn parse_secs(s: &str) -> Result<Duration, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    Duration::try_from_secs_f64(v).map_err(|_| format!("'{s}' is not a number of seconds"))
}

fn parse_num<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.parse()
        .map_err(|_| format!("{what}: '{s}' is not a valid number"))
}

fn parse_fraction(s: &str, what: &str) -> Result<f64, String> {
    let v: f64 = parse_num(s, what)?;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("{what}: {s} is not between 0 and 1"));
    }
    Ok(v)
}

pub fn parse(args: &[String]) -> Result<Cmd, String> {
    match args.first().map(String::as_str) {
        Some("run") => parse_run(&args[1..]),
        Some("report") => {
            let mut v = Vec::new();
            for a in &args[1..] {
                let (fs, file) = a
                    .split_once('=')
                    .ok_or_else(|| format!("'{a}': say FS=RESULTS.tsv"))?;
                v.push((fs.to_string(), PathBuf::from(file)));
            }
            if v.is_empty() {
                return Err("report: no result files".into());
            }
            Ok(Cmd::Report(v))
        }
        Some("-h" | "--help") => Ok(Cmd::Help),
        Some(other) => Err(format!("unknown command '{other}'")),
        None => Err("no command".into()),
    }
}

fn parse_run(args: &[String]) -> Result<Cmd, String> {
    let mut setup = false;
    let mut label = "fs".to_string();
    let mut tsv = None;
    let mut dir = None;
    let mut policies = Policy::ALL.to_vec();
    let mut rounds = 1u32;
    let mut seconds = Duration::from_secs(8);
    let mut warmup = Duration::from_secs(1);
    let mut workers = 4usize;
    let mut bs = 16u64 << 10;
    let mut files = [(8u32, 8u64 << 20), (8, 24 << 20), (2, 96 << 20)];
    let mut streams = [4u32, 4, 1];
    let mut theta = 1.2f64;
    let mut prime = 0.5f64;
    let mut evict_ms = 250u64;
    let mut drop = true;
    let mut guided = GuidedCfg {
        threshold: 0.5,
        window: 16,
        probe_every: 16,
    };
    let mut slow_us = 0u64;
    let mut rates = None;
    let mut seed = 1u64;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .map(String::as_str)
                .ok_or_else(|| format!("{a} needs a value"))
        };
        match a.as_str() {
            "--setup" => setup = true,
            "--no-drop" => drop = false,
            "--label" => label = val()?.to_string(),
            "--tsv" => tsv = Some(PathBuf::from(val()?)),
            "--policies" => {
                policies = val()?
                    .split(',')
                    .map(|p| {
                        Policy::parse(p).ok_or_else(|| format!("unknown policy '{p}' (a, b or c)"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--rounds" => rounds = parse_num(val()?, "--rounds")?,
            "--seconds" => seconds = parse_secs(val()?)?,
            "--warmup" => warmup = parse_secs(val()?)?,
            "--workers" => workers = parse_num(val()?, "--workers")?,
            "--bs" => bs = parse_size(val()?)?,
            "--f1" => files[0] = parse_files(val()?)?,
            "--f2" => files[1] = parse_files(val()?)?,
            "--f3" => files[2] = parse_files(val()?)?,
            "--streams" => {
                let v: Vec<u32> = val()?
                    .split(',')
                    .map(|x| parse_num(x, "--streams"))
                    .collect::<Result<_, _>>()?;
                streams = v
                    .try_into()
                    .map_err(|_| "--streams: give three counts, f1,f2,f3".to_string())?;
            }
            "--rates" => {
                let v: Vec<f64> = val()?
                    .split(',')
                    .map(|x| parse_num(x, "--rates"))
                    .collect::<Result<_, _>>()?;
                let v: [f64; 3] = v
                    .try_into()
                    .map_err(|_| "--rates: give three rates, f1,f2,f3".to_string())?;
                if v.iter()
                    .any(|r| !(r.is_finite() && (0.0..=1e6).contains(r)))
                {
                    return Err("--rates: each from 0 to 1000000 per second".into());
                }
                rates = Some(v);
            }
            "--zipf" => theta = parse_num(val()?, "--zipf")?,
            "--prime" => prime = parse_fraction(val()?, "--prime")?,
            "--evict-ms" => evict_ms = parse_num(val()?, "--evict-ms")?,
            "--hit-ratio" => guided.threshold = parse_fraction(val()?, "--hit-ratio")?,
            "--window" => guided.window = parse_num(val()?, "--window")?,
            "--probe-every" => guided.probe_every = parse_num(val()?, "--probe-every")?,
            "--slow-us" => slow_us = parse_num(val()?, "--slow-us")?,
            "--seed" => seed = parse_num(val()?, "--seed")?,
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s if dir.is_none() => dir = Some(PathBuf::from(s)),
            s => return Err(format!("one directory only ('{s}')")),
        }
    }
    let dir = dir.ok_or("run: no directory")?;
    if policies.is_empty() {
        return Err("--policies: none".into());
    }
    if rounds == 0 || workers == 0 || guided.window == 0 {
        return Err("--rounds, --workers and --window must be at least 1".into());
    }
    if workers > 256 {
        return Err("--workers: at most 256".into());
    }
    if seconds.is_zero() {
        return Err("--seconds must be above 0".into());
    }
    let mut specs = Vec::new();
    for (i, kind) in Kind::ALL.into_iter().enumerate() {
        if streams[i] == 0 {
            continue;
        }
        if streams[i] > 1024 {
            return Err(format!(
                "--streams: {} for {} (at most 1024)",
                streams[i],
                kind.name()
            ));
        }
        if rates.is_some_and(|r: [f64; 3]| r[i] <= 0.0) {
            return Err(format!("--rates: {} has streams but no rate", kind.name()));
        }
        let spec = Spec {
            kind,
            files: files[i].0,
            file_size: files[i].1,
            bs,
            streams: streams[i],
        };
        spec.validate()?;
        specs.push(spec);
    }
    if specs.is_empty() {
        return Err("--streams: every workload has 0 streams".into());
    }
    // Zero: calibrated at the start of the run (bench.rs).
    let slow = Duration::from_micros(slow_us);
    let phase = PhaseCfg {
        policy: policies[0],
        guided,
        warmup,
        measure: seconds,
        workers,
        slow,
        evict: (evict_ms > 0).then(|| Duration::from_millis(evict_ms)),
        rates,
        seed,
    };
    let cfg = BenchCfg {
        dir,
        specs,
        theta,
        prime,
        drop,
        rounds,
        policies,
        phase,
        seed,
    };
    Ok(Cmd::Run {
        cfg: Box::new(cfg),
        setup,
        label,
        tsv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn sizes_and_file_sets() {
        assert_eq!(parse_size("16k"), Ok(16384));
        assert_eq!(parse_size("3M"), Ok(3 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("x").is_err());
        assert!(parse_size("99999999999999999g").is_err());
        assert_eq!(parse_files("8x24m"), Ok((8, 24 << 20)));
        assert!(parse_files("8").is_err());
        assert!(parse_files("ax1m").is_err());
    }

    #[test]
    fn run_defaults() {
        let Ok(Cmd::Run {
            cfg,
            setup,
            label,
            tsv,
        }) = parse(&args("run /mnt"))
        else {
            panic!("run /mnt did not parse");
        };
        assert!(!setup && label == "fs" && tsv.is_none());
        assert_eq!(cfg.policies, Policy::ALL.to_vec());
        assert_eq!(cfg.specs.len(), 3);
        assert_eq!(cfg.specs[1].file_size, 24 << 20);
        assert_eq!(cfg.specs[2].streams, 1);
        assert_eq!(cfg.phase.evict, Some(Duration::from_millis(250)));
        assert!(cfg.drop);
        assert!(cfg.phase.slow.is_zero() && cfg.phase.rates.is_none());
    }

    #[test]
    fn rates_make_an_open_loop() {
        let Ok(Cmd::Run { cfg, .. }) = parse(&args("run --rates 100,20.5,0 --streams 4,2,0 /d"))
        else {
            panic!("did not parse");
        };
        assert_eq!(cfg.phase.rates, Some([100.0, 20.5, 0.0]));
        // A workload with streams needs a rate.
        assert!(parse(&args("run --rates 100,0,5 /d")).is_err());
        assert!(parse(&args("run --rates 1,2 /d")).is_err());
        assert!(parse(&args("run --rates 1,2,-3 /d")).is_err());
        assert!(parse(&args("run --rates 1,2,inf /d")).is_err());
    }

    #[test]
    fn run_options() {
        let Ok(Cmd::Run { cfg, setup, label, .. }) = parse(&args(
            "run --setup --label xfs --policies b,guided --streams 2,0,1 --seconds 0.5 --evict-ms 0 --no-drop --f1 2x1m /d",
        )) else {
            panic!("did not parse");
        };
        assert!(setup && label == "xfs");
        assert_eq!(cfg.policies, vec![Policy::Nowait, Policy::Guided]);
        let kinds: Vec<Kind> = cfg.specs.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, vec![Kind::F1, Kind::F3]);
        assert_eq!(cfg.specs[0].file_size, 1 << 20);
        assert_eq!(cfg.phase.measure, Duration::from_millis(500));
        assert_eq!(cfg.phase.evict, None);
        assert!(!cfg.drop);
    }

    #[test]
    fn run_refuses_nonsense() {
        for bad in [
            "run",
            "run /a /b",
            "run --policies x /d",
            "run --streams 1,2 /d",
            "run --streams 0,0,0 /d",
            "run --workers 0 /d",
            "run --seconds -1 /d",
            "run --seconds 0 /d",
            "run --prime 1.5 /d",
            "run --bs 1000 /d",
            "run --f1 1x1000 /d",
            "run --bogus /d",
            "run --rounds",
            "report",
            "report rnwfs",
            "frobnicate",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn report_takes_named_files() {
        let Ok(Cmd::Report(v)) = parse(&args("report rnwfs=/a.tsv xfs=/b.tsv")) else {
            panic!("did not parse");
        };
        assert_eq!(
            v,
            vec![
                ("rnwfs".into(), "/a.tsv".into()),
                ("xfs".into(), "/b.tsv".into())
            ]
        );
    }
}
