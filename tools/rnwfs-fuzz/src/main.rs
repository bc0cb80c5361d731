// SPDX-License-Identifier: GPL-2.0
//! rnwfs-fuzz: a seeded mutation fuzzer for everything that reads rnwfs metadata from disk:
//! the format's decoders and validators, the kernel module's mount and inode load
//! (kernel.rs mirrors it over the same format source) and fsck.rnwfs. Inputs start from a
//! seed corpus of valid structures and images, are mutated (sealed with valid checksums
//! most of the time) and run through every target. Any panic (an overflow: build with the
//! `fuzz` profile, which checks them; an index out of bounds; a broken round trip or
//! invariant) is a failure: the input is saved, the run stops.
//!
//!   cargo run --profile fuzz --locked -p rnwfs-fuzz -- --seed 1 --time 60

mod kernel;
mod targets;

use rnwfs_fuzz::{
    input::{Input, Kind},
    mutate::{self, Context},
    rng::Rng,
    seeds,
};
use std::{
    cell::Cell,
    fs,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

const USAGE: &str =
    "usage: rnwfs-fuzz [--seed N] [--iters N] [--time SECONDS] [--corpus DIR] [--crashes DIR] [-q]
       rnwfs-fuzz --replay FILE...
       rnwfs-fuzz --write-corpus DIR

Mutates the seed corpus and runs each input through the rnwfs format's decoders, the
kernel module's load path and fsck; stops at the first panic, saving the input under the
crash directory. Stops after --iters executions or --time seconds (default: 100000
executions). --seed defaults to the clock; the same seed and corpus repeat a run exactly.
  --corpus DIR        seed inputs (default: the built-in seeds, or tools/rnwfs-fuzz/corpus)
  --crashes DIR       where a panicking input is saved (default: target/rnwfs-fuzz-crashes)
  --replay FILE...    run saved inputs once each (a regression check)
  --write-corpus DIR  write the built-in seeds as corpus files
  -q                  no progress lines";

struct Options {
    seed: Option<u64>,
    iters: Option<u64>,
    time: Option<Duration>,
    corpus: Option<PathBuf>,
    crashes: PathBuf,
    replay: Vec<PathBuf>,
    write_corpus: Option<PathBuf>,
    quiet: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        seed: None,
        iters: None,
        time: None,
        corpus: None,
        crashes: PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/rnwfs-fuzz-crashes"
        )),
        replay: Vec::new(),
        write_corpus: None,
        quiet: false,
    };
    let mut it = args.iter();
    let number = |v: Option<&String>, what: &str| -> Result<u64, String> {
        let v = v.ok_or(format!("{what} needs a value"))?;
        v.parse().map_err(|_| format!("{what}: not a number: {v}"))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seed" => o.seed = Some(number(it.next(), a)?),
            "--iters" => o.iters = Some(number(it.next(), a)?),
            "--time" => o.time = Some(Duration::from_secs(number(it.next(), a)?)),
            "--corpus" => o.corpus = Some(it.next().ok_or("--corpus needs a directory")?.into()),
            "--crashes" => o.crashes = it.next().ok_or("--crashes needs a directory")?.into(),
            "--write-corpus" => {
                o.write_corpus = Some(it.next().ok_or("--write-corpus needs a directory")?.into())
            }
            "--replay" => o.replay.extend(it.by_ref().map(PathBuf::from)),
            "-q" => o.quiet = true,
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    if o.iters.is_none() && o.time.is_none() {
        o.iters = Some(100_000);
    }
    Ok(o)
}

/// A seed input and where its structures are.
struct Seed {
    name: String,
    input: Input,
    ctx: Context,
}

fn default_corpus() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus"))
}

/// The corpus files in `dir`, by name (a fixed order: the same seed repeats a run).
fn read_corpus(dir: &Path) -> Result<Vec<(String, Input)>, String> {
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| {
            let bytes = fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let input = Input::decode(&bytes).map_err(|e| format!("{}: {e}", p.display()))?;
            Ok((
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                input,
            ))
        })
        .collect()
}

fn seeds(o: &Options) -> Result<Vec<Seed>, String> {
    let named = match &o.corpus {
        Some(dir) => read_corpus(dir)?,
        None if default_corpus().is_dir() => read_corpus(&default_corpus())?,
        None => seeds::builtin().map_err(|e| e.to_string())?,
    };
    let populated = seeds::populated_image().map_err(|e| e.to_string())?;
    let structures = Context::of_image(&populated.image);
    Ok(named
        .into_iter()
        .map(|(name, input)| {
            let ctx = if input.kind == Kind::Image {
                Context::of_image(&input.data)
            } else {
                structures.clone()
            };
            Seed { name, input, ctx }
        })
        .collect())
}

thread_local! {
    /// The input being run, for the panic hook; null between runs.
    static CURRENT: Cell<*const Input> = const { Cell::new(std::ptr::null()) };
}
static EXECUTIONS: AtomicU64 = AtomicU64::new(0);
static SEED: AtomicU64 = AtomicU64::new(0);

/// Runs `input` through every target, where the panic hook can find it.
fn run(input: &Input) -> targets::Verdict {
    CURRENT.with(|c| c.set(input));
    let v = targets::run(input);
    CURRENT.with(|c| c.set(std::ptr::null()));
    v
}

/// On a panic: save the input being run, say how to replay it, then the usual message.
fn install_panic_hook(crashes: PathBuf, save: bool) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let p = CURRENT.with(|c| c.get());
        if !p.is_null() && save {
            // SAFETY: CURRENT points at the input run() was given, which lives in run()'s
            // caller until run() returns; a panic hook runs on the panicking thread before
            // any frame unwinds, so that input is still alive.
            let input = unsafe { &*p };
            let bytes = input.encode();
            let name = format!(
                "crash-{}-{:08x}.bin",
                input.kind,
                rnwfs_format::crc32c::checksum(&bytes)
            );
            let path = crashes.join(name);
            let saved = fs::create_dir_all(&crashes).and_then(|()| fs::write(&path, &bytes));
            eprintln!(
                "rnwfs-fuzz: PANIC: {} input, execution {} of seed {}",
                input.kind,
                EXECUTIONS.load(Ordering::Relaxed),
                SEED.load(Ordering::Relaxed)
            );
            match saved {
                Ok(()) => eprintln!(
                    "rnwfs-fuzz: input saved: {0}\nrnwfs-fuzz: replay: rnwfs-fuzz --replay {0}",
                    path.display()
                ),
                Err(e) => eprintln!(
                    "rnwfs-fuzz: could not save the input to {}: {e}",
                    path.display()
                ),
            }
        }
        default(info);
    }));
}

fn write_corpus(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, input) in seeds::builtin().map_err(|e| e.to_string())? {
        let path = dir.join(format!("{name}.bin"));
        fs::write(&path, input.encode()).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(())
}

fn replay(files: &[PathBuf]) -> Result<(), String> {
    for path in files {
        let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let input = Input::decode(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let v = run(&input);
        let verdict = if v == targets::Verdict::Accepted {
            "accepted"
        } else {
            "refused"
        };
        println!(
            "{}: {} input, {verdict}, no panic",
            path.display(),
            input.kind
        );
    }
    Ok(())
}

#[derive(Default, Clone, Copy)]
struct KindStats {
    execs: u64,
    accepted: u64,
    slowest: Duration,
}

fn fuzz(o: &Options) -> Result<(), String> {
    let seed = o.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs())
    });
    SEED.store(seed, Ordering::Relaxed);
    let corpus = seeds(o)?;
    let kinds: Vec<Kind> = Kind::ALL
        .iter()
        .copied()
        .filter(|k| corpus.iter().any(|s| s.input.kind == *k))
        .collect();
    let by_kind: Vec<Vec<&Seed>> = kinds
        .iter()
        .map(|k| corpus.iter().filter(|s| s.input.kind == *k).collect())
        .collect();
    if kinds.is_empty() {
        return Err("empty corpus".into());
    }
    println!(
        "rnwfs-fuzz: seed {seed}, {} corpus inputs ({})",
        corpus.len(),
        corpus
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    for s in &corpus {
        run(&s.input); // every seed once, unmutated
    }
    let mut rng = Rng::new(seed);
    let mut stats = [KindStats::default(); Kind::ALL.len()];
    let start = Instant::now();
    let mut last_report = start;
    let mut execs = 0u64;
    loop {
        if o.iters.is_some_and(|n| execs >= n)
            || (execs.is_multiple_of(64) && o.time.is_some_and(|t| start.elapsed() >= t))
        {
            break;
        }
        let k = rng.index(kinds.len());
        let Some(seed_input) = rng.pick(&by_kind[k]) else {
            continue;
        };
        let mut input = seed_input.input.clone();
        mutate::mutate(&mut input, &seed_input.ctx, &mut rng);
        execs += 1;
        EXECUTIONS.store(execs, Ordering::Relaxed);
        let t = Instant::now();
        let v = run(&input);
        let took = t.elapsed();
        let s = &mut stats[kinds[k] as usize];
        s.execs += 1;
        s.accepted += (v == targets::Verdict::Accepted) as u64;
        s.slowest = s.slowest.max(took);
        if !o.quiet && last_report.elapsed() >= Duration::from_secs(10) {
            last_report = Instant::now();
            let secs = start.elapsed().as_secs_f64();
            println!(
                "rnwfs-fuzz: {execs} executions, {:.0} s, {:.0}/s",
                secs,
                execs as f64 / secs
            );
        }
    }
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    for (i, s) in stats.iter().enumerate() {
        if s.execs > 0 {
            println!(
                "rnwfs-fuzz:   {:<13} {:>11} executions, {:>5.1} % accepted, slowest {:.2} ms",
                Kind::ALL[i].name(),
                s.execs,
                100.0 * s.accepted as f64 / s.execs as f64,
                s.slowest.as_secs_f64() * 1e3
            );
        }
    }
    println!(
        "rnwfs-fuzz: seed {seed}: {execs} executions in {secs:.1} s ({:.0}/s), 0 panics",
        execs as f64 / secs
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("rnwfs-fuzz: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    install_panic_hook(o.crashes.clone(), o.replay.is_empty());
    let result = if let Some(dir) = &o.write_corpus {
        write_corpus(dir)
    } else if !o.replay.is_empty() {
        replay(&o.replay)
    } else {
        fuzz(&o)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rnwfs-fuzz: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Vec<(String, Input)> {
        read_corpus(&default_corpus()).unwrap()
    }

    /// tools/rnwfs-fuzz/corpus is what --write-corpus writes (plus regression inputs).
    #[test]
    fn the_committed_corpus_holds_the_built_in_seeds() {
        let files = corpus();
        for (name, input) in seeds::builtin().unwrap() {
            let file = format!("{name}.bin");
            let found = files.iter().find(|(n, _)| *n == file).map(|(_, i)| i);
            assert_eq!(
                found,
                Some(&input),
                "{file}: regenerate with rnwfs-fuzz --write-corpus"
            );
        }
    }

    /// Every corpus input, regression inputs of fixed bugs included, runs without a panic
    /// (this test build checks overflows too).
    #[test]
    fn the_corpus_replays_without_a_panic() {
        let files = corpus();
        assert!(
            files
                .iter()
                .filter(|(n, _)| n.starts_with("regress-"))
                .count()
                >= 4
        );
        for (_, input) in &files {
            run(input);
        }
    }

    #[test]
    fn a_short_seeded_run_finds_nothing() {
        let mut o = parse(&[
            "--seed".into(),
            "3".into(),
            "--iters".into(),
            "1500".into(),
            "-q".into(),
        ])
        .unwrap();
        o.corpus = Some(default_corpus());
        assert_eq!(fuzz(&o), Ok(()));
    }
}
