// SPDX-License-Identifier: GPL-2.0
//! rnw-pool-bench: the experiment of the RWF_NOWAIT buffered-read posting
//! (shared/seeds/002) as a benchmark: a server's event loop that serves reads from client
//! streams with a worker pool behind it, trying a nowait read first or not (policies a, b,
//! c), over the posting's three workloads run together. See
//! Documentation/nowait-applications.rst.

mod arrivals;
mod bench;
mod dataset;
mod hitrate;
mod kstats;
mod metrics;
mod opts;
mod policy;
mod pool;
mod report;
mod server;
mod sys;
mod workload;
mod zipf;

use opts::Cmd;
use report::Row;
use std::{path::PathBuf, process::ExitCode, time::Instant};

fn describe(cfg: &bench::BenchCfg, label: &str) -> String {
    let mut s = format!("rnw-pool-bench: {label} ({}):", cfg.dir.display());
    for spec in &cfg.specs {
        s += &format!(
            " {} {}x{} MiB, {} stream(s);",
            spec.kind.name(),
            spec.files,
            spec.file_size >> 20,
            spec.streams
        );
    }
    let p = &cfg.phase;
    s += &format!(
        " {} KiB reads, {} workers; policies {}; {} round(s) of {:.1} s + {:.1} s warm-up; \
         prime {:.0}% of f1; f2 evicted every {}; c: ratio >= {}, window {}, probe every {}, slow >= {}",
        cfg.specs.first().map_or(0, |s| s.bs >> 10),
        p.workers,
        cfg.policies.iter().map(|p| p.letter()).collect::<Vec<_>>().join(","),
        cfg.rounds,
        p.measure.as_secs_f64(),
        p.warmup.as_secs_f64(),
        cfg.prime * 100.0,
        p.evict.map_or("never".into(), |d| format!("{} ms", d.as_millis())),
        p.guided.threshold,
        p.guided.window,
        p.guided.probe_every,
        if p.slow.is_zero() { "auto".to_string() } else { format!("{} us", p.slow.as_micros()) },
    );
    if let Some(r) = p.rates {
        s += &format!("; open loop: {} / {} / {} requests/s", r[0], r[1], r[2]);
    } else {
        s += "; closed loop";
    }
    if !cfg.drop {
        s += "; page cache not dropped between phases";
    }
    s
}

fn print_report(rows: &[Row]) {
    println!("\n{}", report::table(rows));
    println!(
        "mean response time, us (ratio to policy a)\n{}",
        report::side_by_side(rows)
    );
    print!("{}", report::goals_text(rows));
}

fn run(
    cfg: &bench::BenchCfg,
    setup: bool,
    label: &str,
    tsv: Option<PathBuf>,
) -> Result<(), String> {
    if setup {
        let t = Instant::now();
        let mut bytes = 0u64;
        for spec in &cfg.specs {
            bytes = bytes.saturating_add(
                dataset::create(&cfg.dir, spec).map_err(|e| format!("setup: {e}"))?,
            );
        }
        println!(
            "setup: wrote {} MiB in {:.1} s",
            bytes >> 20,
            t.elapsed().as_secs_f64()
        );
    }
    println!("{}", describe(cfg, label));
    let cells = bench::run(cfg, &mut |line| println!("{line}")).map_err(|e| e.to_string())?;
    let rows: Vec<Row> = cells
        .into_iter()
        .map(|((policy, kind), cell)| Row {
            fs: label.to_string(),
            policy,
            kind,
            source: cell.source.to_string(),
            s: cell.rec.summary(),
        })
        .collect();
    print_report(&rows);
    if let Some(path) = tsv {
        std::fs::write(&path, report::to_tsv(&rows))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn report_files(files: &[(String, PathBuf)]) -> Result<(), String> {
    let mut rows = Vec::new();
    for (fs, path) in files {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut r = report::from_tsv(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for row in &mut r {
            row.fs = fs.clone();
        }
        rows.extend(r);
    }
    print_report(&rows);
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match opts::parse(&args) {
        Ok(Cmd::Help) => {
            println!("{}", opts::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(Cmd::Run {
            cfg,
            setup,
            label,
            tsv,
        }) => run(&cfg, setup, &label, tsv),
        Ok(Cmd::Report(files)) => report_files(&files),
        Err(e) => {
            eprintln!("rnw-pool-bench: {e}\n{}", opts::USAGE);
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rnw-pool-bench: {e}");
            ExitCode::from(1)
        }
    }
}
