// SPDX-License-Identifier: GPL-2.0
//! rnw-fsx: an fsx-class file tester. Random operations on one file (reads and writes
//! through buffered, O_DIRECT, mmap, libaio, io_uring and RWF_NOWAIT I/O; truncate,
//! fallocate, punch, zero range, copy_file_range, fsync, reopen, remount), each read and
//! the whole file after each phase checked against an in-memory model. The ideas are
//! fstests' fsx's (ltp/fsx.c); see Documentation/rnwfs.rst.

mod check;
mod gen;
mod io;
mod log;
mod model;
mod ops;
mod opts;
mod pattern;
mod report;
mod runner;

use gen::{GenConfig, Generator};
use log::LogWriter;
use ops::{Engine, Op};
use opts::{Opts, Parsed};
use report::Failure;
use runner::{Runner, Setup, Source};
use std::{
    path::PathBuf,
    process::ExitCode,
    sync::atomic::Ordering,
    time::{Instant, SystemTime, UNIX_EPOCH},
};

/// SIGBUS: an mmap access the file could not back (a file shorter than the model says,
/// or an I/O error in a fault). Says which op, then exits 1 (the op log is on disk).
extern "C" fn on_sigbus(_: libc::c_int) {
    let mut msg = *b"\nrnw-fsx: SIGBUS (an mmap access past EOF or an I/O error in a page fault) in op                     \n";
    let mut n = runner::CURRENT_OP.load(Ordering::Relaxed);
    // Digits into the padding, right to left (no allocation in a signal handler).
    let mut i = msg.len() - 2;
    loop {
        msg[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
        i -= 1;
    }
    // SAFETY: write and _exit are async-signal-safe.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::_exit(1);
    }
}

fn install_sigbus() {
    // SAFETY: installs a handler that only calls async-signal-safe functions.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigbus as *const () as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut());
    }
}

/// Why the run stopped, for the exit status.
enum Outcome {
    Passed,
    Failed,
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE; a tester piped into head should end quietly, as C tools do.
    // SAFETY: restoring a default disposition.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = match opts::parse(&args) {
        Ok(Parsed::Run(o)) => *o,
        Ok(Parsed::Help) => {
            println!("{}", opts::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("rnw-fsx: {e}\n{}", opts::USAGE);
            return ExitCode::from(2);
        }
    };
    match run(o) {
        Ok(Outcome::Passed) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("rnw-fsx: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(mut o: Opts) -> Result<Outcome, String> {
    install_sigbus();
    let replay = match &o.replay {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let r = log::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            // The logged run's alignment (direct ops were made for it) and EOF pollution
            // (part of what its ops did).
            if !o.align_given {
                if let Some(a) = r.settings.get("align") {
                    o.align = opts::parse_size(a)
                        .map_err(|e| format!("{}: align: {e}", path.display()))?;
                }
            }
            if r.settings.get("pollute-eof").map(String::as_str) == Some("1") {
                o.pollute_eof = true;
            }
            if !o.num_ops_given || o.num_ops > r.ops.len() as u64 {
                o.num_ops = r.ops.len() as u64;
            }
            if r.ops.contains(&Op::Remount) && o.remount_cmd.is_none() {
                return Err(format!(
                    "{}: the log remounts: give --remount-cmd",
                    path.display()
                ));
            }
            Some(r.ops)
        }
        None => None,
    };
    let engines: Vec<Engine> = match &replay {
        Some(ops) => {
            let mut e: Vec<Engine> = ops
                .iter()
                .filter_map(|op| match op {
                    Op::Read(io) | Op::Write(io) => Some(io.via),
                    _ => None,
                })
                .collect();
            e.sort();
            e.dedup();
            e
        }
        None => o.engines.clone(),
    };
    let need_direct = engines.iter().any(|e| e.is_direct());

    // O_DIRECT: needed by the direct engines, used by the whole-file checks when the
    // filesystem has it. Probed on the file itself (created here if missing).
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&o.file)
        .map_err(|e| format!("{}: {e}", o.file.display()))?;
    let direct_ok = io::direct::supported(&o.file)?;
    if need_direct && !direct_ok {
        return Err(format!(
            "{}: the filesystem refuses O_DIRECT (EINVAL), which the {} engine(s) need",
            o.file.display(),
            engines
                .iter()
                .filter(|e| e.is_direct())
                .map(|e| e.name())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !direct_ok {
        println!(
            "rnw-fsx: O_DIRECT refused by this filesystem: whole-file checks read buffered only"
        );
    }

    let seed = o.seed.unwrap_or_else(|| {
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        (t.as_nanos() as u64 ^ u64::from(std::process::id())) % 1_000_000_000
    });
    let max_io = match &replay {
        Some(ops) => ops
            .iter()
            .filter_map(|op| match op {
                Op::Read(io) | Op::Write(io) => Some(io.len),
                _ => None,
            })
            .max()
            .unwrap_or(1),
        None => o.max_op,
    };
    let setup = Setup {
        path: o.file.clone(),
        align: o.align,
        max_io,
        need_direct,
        need_aio: engines.contains(&Engine::Aio),
        need_uring: engines.iter().any(|e| e.is_uring()),
        direct_check: direct_ok,
        check_every: o.check_every,
        check_each: o.check_each,
        remount_cmd: o.remount_cmd.clone(),
        remount_every: o.remount_every.max(1),
        pollute_eof: o.pollute_eof,
        inject_at: o.inject_at,
        verbose: o.verbose,
    };
    let header = match &o.replay {
        Some(p) => format!("rnw-fsx replay={} align={} pollute-eof={}", p.display(), o.align, u8::from(o.pollute_eof)),
        None => format!(
            "rnw-fsx seed={seed} mode={} engines={} ops={} max-size={:#x} max-op={:#x} align={} pollute-eof={} N={}",
            o.mode,
            o.engines.iter().map(|e| e.name()).collect::<Vec<_>>().join(","),
            opts::class_names(&o.classes),
            o.max_size,
            o.max_op,
            o.align,
            u8::from(o.pollute_eof),
            o.num_ops
        ),
    };
    let mut log = match &o.log {
        Some(p) => Some(LogWriter::create(p)?),
        None => None,
    };
    if let Some(l) = &mut log {
        l.line(&format!("# {header}"))?;
    }
    println!("{header} file={}", o.file.display());

    let mut runner = Runner::new(setup, log)?;
    let mut source = match replay {
        Some(ops) => Source::Replay(ops),
        None => {
            // Leave out what the filesystem does not support; say so (not an error).
            for (name, why) in runner.probe()? {
                let before = o.classes.len();
                o.classes.retain(|c| c.name() != name);
                if o.classes.len() < before {
                    println!("rnw-fsx: {name} not supported here ({why}): left out");
                }
            }
            if o.classes.is_empty() {
                return Err("no operation left to run".into());
            }
            let cfg = GenConfig {
                max_size: o.max_size,
                max_op: o.max_op,
                align: o.align,
                classes: o.classes.clone(),
                engines: o.engines.clone(),
            };
            Source::Random(Box::new(Generator::new(seed, cfg)))
        }
    };

    let start = Instant::now();
    let result = runner.run(&mut source, o.num_ops);
    let secs = start.elapsed().as_secs_f64();
    match result {
        Ok(()) => {
            println!("{}", summary(&runner, o.num_ops, secs, seed, &o));
            Ok(Outcome::Passed)
        }
        Err(f) => {
            report_failure(&runner, &f, &o, seed);
            Ok(Outcome::Failed)
        }
    }
}

fn summary(r: &Runner, n: u64, secs: f64, seed: u64, o: &Opts) -> String {
    let s = &r.stats;
    let kinds: Vec<String> = s.by_kind.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let what = match &o.replay {
        Some(p) => format!("replay of {}", p.display()),
        None => format!("seed {seed}, mode {}", o.mode),
    };
    format!(
        "rnw-fsx: passed: {n} ops, {} whole-file checks, {secs:.1} s ({what}): {}; nowait EAGAIN retries {}, \
         EOPNOTSUPP retries {}, short completions {}; other short completions {}",
        s.checks,
        kinds.join(", "),
        s.nowait_eagain,
        s.nowait_unsupported,
        s.nowait_short,
        s.short_completions
    )
}

fn report_failure(r: &Runner, f: &Failure, o: &Opts, seed: u64) {
    let history = r.history();
    println!("rnw-fsx: FAILED at op {} of {}", history.len(), o.num_ops);
    print!("{}", f.message);
    if !f.message.ends_with('\n') {
        println!();
    }
    if let Some(last) = history.last() {
        println!("last op run: {} {}", history.len(), last.op);
    }
    if let Some(off) = f.offset {
        print!("{}", report::ops_touching(history, off, 20));
    }
    // The log: the one written as the run went, or all ops now.
    let path = match r.log_path() {
        Some(p) => Some(p),
        None => {
            let p = std::env::temp_dir().join(format!("rnw-fsx-{seed}-{}.log", std::process::id()));
            let written = LogWriter::create(&p).and_then(|mut w| {
                w.line(&format!(
                    "# rnw-fsx seed={seed} mode={} align={} pollute-eof={}",
                    o.mode,
                    o.align,
                    u8::from(o.pollute_eof)
                ))?;
                history
                    .iter()
                    .enumerate()
                    .try_for_each(|(i, e)| w.op(i as u64 + 1, &e.op))
            });
            match written {
                Ok(()) => Some(p),
                Err(e) => {
                    println!("rnw-fsx: could not write the op log: {e}");
                    None
                }
            }
        }
    };
    let replay_hint = |p: &PathBuf| {
        let remount = o
            .remount_cmd
            .as_ref()
            .map(|c| format!(" --remount-cmd '{c}'"))
            .unwrap_or_default();
        format!("rnw-fsx --replay {}{remount} FILE", p.display())
    };
    if let Some(p) = &path {
        println!("op log: {} (rerun: {})", p.display(), replay_hint(p));
    }
    if o.replay.is_none() {
        println!("seed: {seed} (rerun: the same options with --seed {seed})");
    }
}
