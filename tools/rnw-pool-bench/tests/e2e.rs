// SPDX-License-Identifier: GPL-2.0
//! rnw-pool-bench end to end on the host, in the temporary directory (RNW_POOL_BENCH_TEST_DIR,
//! default $TMPDIR or /tmp; whatever filesystem that is, its own counters serve policy c):
//! a short run reports every policy for every workload and writes a TSV that `report`
//! reads back; without its data set a run fails; usage errors exit 2.

use std::{
    fs,
    path::PathBuf,
    process::{Command, Output},
};

const BIN: &str = env!("CARGO_BIN_EXE_rnw-pool-bench");

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let base = std::env::var_os("RNW_POOL_BENCH_TEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("rnw-pool-bench-e2e-{}-{name}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const SMALL: [&str; 14] = [
    "--f1",
    "4x256k",
    "--f2",
    "4x512k",
    "--f3",
    "2x512k",
    "--seconds",
    "0.2",
    "--warmup",
    "0.05",
    "--workers",
    "2",
    "--evict-ms",
    "50",
];

#[test]
fn a_short_run_reports_every_policy_and_workload() {
    let s = Scratch::new("run");
    let tsv = s.0.join("out.tsv");
    let dir = s.0.to_str().unwrap();
    let mut args = vec![
        "run",
        "--setup",
        "--label",
        "host",
        "--tsv",
        tsv.to_str().unwrap(),
    ];
    args.extend(SMALL);
    args.push(dir);
    let o = run(&args);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    for policy in ["a handoff", "b nowait", "c guided"] {
        for wl in ["f1", "f2", "f3"] {
            let line = out
                .lines()
                .find(|l| l.starts_with(&format!("host   {wl}  {policy}")))
                .unwrap_or_else(|| panic!("no row {wl} {policy}:\n{out}"));
            // ops/s is the 5th column: something was served.
            let ops: f64 = line.split_whitespace().nth(4).unwrap().parse().unwrap();
            assert!(ops > 0.0, "{line}");
        }
    }
    // Policy a never tries a nowait read; b tries every one, and most f1 reads hit (half
    // of f1 primed, zipf): the inline column (10th) says so.
    let inline = |wl: &str, policy: &str| -> f64 {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("host   {wl}  {policy}")))
            .unwrap();
        line.split_whitespace()
            .nth(10)
            .unwrap()
            .trim_end_matches('%')
            .parse()
            .unwrap()
    };
    assert_eq!(inline("f1", "a handoff"), 0.0);
    assert!(inline("f1", "b nowait") > 50.0, "{out}");
    assert!(out.contains("goals (issue #17"), "{out}");

    let r = run(&["report", &format!("again={}", tsv.display())]);
    let rout = text(&r);
    assert!(r.status.success(), "{rout}");
    assert_eq!(
        rout.lines().filter(|l| l.starts_with("again  ")).count(),
        9,
        "{rout}"
    );
}

#[test]
fn one_policy_one_workload() {
    let s = Scratch::new("one");
    let dir = s.0.to_str().unwrap();
    let mut args = vec!["run", "--setup", "--policies", "c", "--streams", "0,2,0"];
    args.extend(SMALL);
    args.push(dir);
    let o = run(&args);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("fs     f")).count(),
        1,
        "{out}"
    );
    assert!(out.contains("fs     f2  c guided"), "{out}");
}

#[test]
fn a_missing_data_set_fails() {
    let s = Scratch::new("missing");
    let o = run(&["run", "--seconds", "0.1", s.0.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("--setup"), "{}", text(&o));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["run"][..],
        &["run", "--policies", "z", "/tmp"],
        &["bogus"],
        &[],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
    }
    let o = run(&["--help"]);
    assert!(o.status.success() && text(&o).contains("usage: rnw-pool-bench"));
}
