// SPDX-License-Identifier: GPL-2.0
//! Results as rows (filesystem, policy, workload): written and read back as TSV, printed
//! as the long table, the side-by-side table of mean response times, and the goals
//! (issue #17: ratios of one run).

use crate::{metrics::Summary, policy::Policy, workload::Kind};
use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub fs: String,
    pub policy: Policy,
    pub kind: Kind,
    /// Where policy (c)'s ratios came from: "kernel" or "own".
    pub source: String,
    pub s: Summary,
}

pub const HEADER: &str = "fs\tpolicy\tworkload\tsource\tops\tops_per_s\tmib_per_s\tmean_ns\tp50_ns\tp90_ns\tp99_ns\tinline_frac\tslow_inline\teagain\tshort\tunsupported\tnowait_calls\tnowait_mean_ns\tcached_start\tcached_end";

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or("-".into(), |x| x.to_string())
}

fn optf(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.4}"))
}

pub fn to_tsv(rows: &[Row]) -> String {
    let mut out = format!("{HEADER}\n");
    for r in rows {
        let s = &r.s;
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{:.1}\t{:.3}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.fs,
            r.policy.letter(),
            r.kind.name(),
            r.source,
            s.ops,
            s.ops_per_sec,
            s.mib_per_sec,
            opt(s.mean_ns),
            opt(s.p50_ns),
            opt(s.p90_ns),
            opt(s.p99_ns),
            optf(s.inline_frac),
            s.slow_inline,
            s.eagain,
            s.short,
            s.unsupported,
            s.nowait_calls,
            opt(s.nowait_mean_ns),
            optf(s.cached_start),
            optf(s.cached_end),
        );
    }
    out
}

fn parse_opt<T: std::str::FromStr>(f: &str, what: &str) -> Result<Option<T>, String> {
    if f == "-" {
        return Ok(None);
    }
    f.parse()
        .map(Some)
        .map_err(|_| format!("{what}: '{f}' is not a number"))
}

fn parse_req<T: std::str::FromStr>(f: &str, what: &str) -> Result<T, String> {
    parse_opt(f, what)?.ok_or_else(|| format!("{what}: missing"))
}

/// Rows of a TSV written by `to_tsv` (its header line, then rows).
pub fn from_tsv(text: &str) -> Result<Vec<Row>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err("not a results file of this rnw-pool-bench (header differs)".into());
    }
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate().filter(|(_, l)| !l.is_empty()) {
        let at = |e: String| format!("line {}: {e}", i + 2);
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != HEADER.split('\t').count() {
            return Err(at(format!("{} fields", f.len())));
        }
        let policy = Policy::parse(f[1]).ok_or_else(|| at(format!("policy '{}'", f[1])))?;
        let kind = Kind::from_name(f[2]).ok_or_else(|| at(format!("workload '{}'", f[2])))?;
        let s = Summary {
            ops: parse_req(f[4], "ops").map_err(at)?,
            ops_per_sec: parse_req(f[5], "ops_per_s").map_err(at)?,
            mib_per_sec: parse_req(f[6], "mib_per_s").map_err(at)?,
            mean_ns: parse_opt(f[7], "mean").map_err(at)?,
            p50_ns: parse_opt(f[8], "p50").map_err(at)?,
            p90_ns: parse_opt(f[9], "p90").map_err(at)?,
            p99_ns: parse_opt(f[10], "p99").map_err(at)?,
            inline_frac: parse_opt(f[11], "inline").map_err(at)?,
            slow_inline: parse_req(f[12], "slow_inline").map_err(at)?,
            eagain: parse_req(f[13], "eagain").map_err(at)?,
            short: parse_req(f[14], "short").map_err(at)?,
            unsupported: parse_req(f[15], "unsupported").map_err(at)?,
            nowait_calls: parse_req(f[16], "nowait_calls").map_err(at)?,
            nowait_mean_ns: parse_opt(f[17], "nowait_mean").map_err(at)?,
            cached_start: parse_opt(f[18], "cached_start").map_err(at)?,
            cached_end: parse_opt(f[19], "cached_end").map_err(at)?,
        };
        rows.push(Row {
            fs: f[0].to_string(),
            policy,
            kind,
            source: f[3].to_string(),
            s,
        });
    }
    Ok(rows)
}

fn us(ns: Option<u64>) -> String {
    ns.map_or("-".into(), |n| format!("{:.1}", n as f64 / 1e3))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |f| format!("{:.1}%", f * 100.0))
}

/// The long table: one line per (filesystem, workload, policy).
pub fn table(rows: &[Row]) -> String {
    let mut out = format!(
        "{:<6} {:<3} {:<10} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7} {:>6} {:>8} {:>9} {:>13}\n",
        "fs", "wl", "policy", "ops/s", "MiB/s", "mean_us", "p50_us", "p90_us", "p99_us", "inline", "EAGAIN", "short", "slow_inl", "nowait_us", "cached_start>end"
    );
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by(|a, b| (&a.fs, a.kind, a.policy).cmp(&(&b.fs, b.kind, b.policy)));
    for r in sorted {
        let s = &r.s;
        let policy = format!("{} {}", r.policy.letter(), r.policy.name());
        let _ = writeln!(
            out,
            "{:<6} {:<3} {:<10} {:>8.0} {:>7.2} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7} {:>6} {:>8} {:>9} {:>13}",
            r.fs,
            r.kind.name(),
            policy,
            s.ops_per_sec,
            s.mib_per_sec,
            us(s.mean_ns),
            us(s.p50_ns),
            us(s.p90_ns),
            us(s.p99_ns),
            pct(s.inline_frac),
            s.eagain,
            s.short,
            s.slow_inline,
            us(s.nowait_mean_ns),
            format!("{}>{}", pct(s.cached_start), pct(s.cached_end)),
        );
    }
    out
}

/// Filesystems in the order they first appear.
fn filesystems(rows: &[Row]) -> Vec<&str> {
    let mut v: Vec<&str> = Vec::new();
    for r in rows {
        if !v.contains(&r.fs.as_str()) {
            v.push(&r.fs);
        }
    }
    v
}

fn find<'a>(rows: &'a [Row], fs: &str, policy: Policy, kind: Kind) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.fs == fs && r.policy == policy && r.kind == kind)
}

/// Mean response time of `policy` over that of (a), for one filesystem and workload.
pub fn ratio(rows: &[Row], fs: &str, kind: Kind, policy: Policy) -> Option<f64> {
    let a = find(rows, fs, Policy::Handoff, kind)?.s.mean_ns?;
    let p = find(rows, fs, policy, kind)?.s.mean_ns?;
    (a > 0).then(|| p as f64 / a as f64)
}

/// Mean response times side by side, with each policy's ratio to (a).
pub fn side_by_side(rows: &[Row]) -> String {
    let fss = filesystems(rows);
    let mut out = format!("{:<3} {:<10}", "wl", "policy");
    for fs in &fss {
        let _ = write!(out, " {:>18}", format!("{fs} mean_us (x a)"));
    }
    out.push('\n');
    for kind in Kind::ALL {
        for policy in Policy::ALL {
            if !fss.iter().any(|fs| find(rows, fs, policy, kind).is_some()) {
                continue;
            }
            let _ = write!(
                out,
                "{:<3} {:<10}",
                kind.name(),
                format!("{} {}", policy.letter(), policy.name())
            );
            for fs in &fss {
                let cell = match find(rows, fs, policy, kind) {
                    None => "-".to_string(),
                    Some(r) => match (policy, ratio(rows, fs, kind, policy)) {
                        (Policy::Handoff, _) | (_, None) => us(r.s.mean_ns),
                        (_, Some(x)) => format!("{} ({:.2})", us(r.s.mean_ns), x),
                    },
                };
                let _ = write!(out, " {cell:>18}");
            }
            out.push('\n');
        }
    }
    out
}

/// One of the goals on one filesystem.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub what: &'static str,
    pub fs: String,
    pub ratio: Option<f64>,
    /// None when a cell is missing.
    pub met: Option<bool>,
}

/// The goals of issue #17, as ratios of mean response time to policy (a)'s:
/// f1 under (b) at least 20 % below; f3 under (b) not worse; f2 under (c) within 3 %
/// (read as: at most 3 % above; below is the stats doing better than the goal asks).
pub const GOALS: [(&str, Kind, Policy, f64); 3] = [
    ("f1 mean b/a <= 0.80", Kind::F1, Policy::Nowait, 0.80),
    ("f3 mean b/a <= 1.00", Kind::F3, Policy::Nowait, 1.00),
    ("f2 mean c/a <= 1.03", Kind::F2, Policy::Guided, 1.03),
];

pub fn goals(rows: &[Row]) -> Vec<Goal> {
    let mut v = Vec::new();
    for fs in filesystems(rows) {
        for (what, kind, policy, limit) in GOALS {
            let r = ratio(rows, fs, kind, policy);
            v.push(Goal {
                what,
                fs: fs.to_string(),
                ratio: r,
                met: r.map(|x| x <= limit),
            });
        }
    }
    v
}

pub fn goals_text(rows: &[Row]) -> String {
    let gs = goals(rows);
    let fss = filesystems(rows);
    let mut out =
        String::from("goals (issue #17: set for rnwfs; other filesystems for comparison)\n");
    for (what, ..) in GOALS {
        let _ = write!(out, "  {what:<22}");
        for fs in &fss {
            if let Some(g) = gs.iter().find(|g| g.what == what && g.fs == *fs) {
                let verdict = match g.met {
                    Some(true) => "met",
                    Some(false) => "missed",
                    None => "n/a",
                };
                let r = g.ratio.map_or("-".into(), |x| format!("{x:.2}"));
                let _ = write!(out, " {fs} {r} {verdict:<7}");
            }
        }
        // No trailing blanks (the table is pasted into documents).
        out.truncate(out.trim_end_matches(' ').len());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(fs: &str, policy: Policy, kind: Kind, mean: Option<u64>) -> Row {
        Row {
            fs: fs.into(),
            policy,
            kind,
            source: "own".into(),
            s: Summary {
                ops: 10,
                ops_per_sec: 5.5,
                mib_per_sec: 0.125,
                mean_ns: mean,
                p50_ns: mean,
                p90_ns: Some(9),
                p99_ns: None,
                inline_frac: Some(0.25),
                slow_inline: 1,
                eagain: 2,
                short: 3,
                unsupported: 0,
                nowait_calls: 4,
                nowait_mean_ns: None,
                cached_start: Some(0.5),
                cached_end: None,
            },
        }
    }

    fn all(fs: &str, means: [[u64; 3]; 3]) -> Vec<Row> {
        let mut v = Vec::new();
        for (k, kind) in Kind::ALL.into_iter().enumerate() {
            for (p, policy) in Policy::ALL.into_iter().enumerate() {
                v.push(row(fs, policy, kind, Some(means[k][p])));
            }
        }
        v
    }

    #[test]
    fn tsv_round_trips() {
        let rows = vec![
            row("rnwfs", Policy::Guided, Kind::F2, Some(1234)),
            row("xfs", Policy::Handoff, Kind::F3, None),
        ];
        assert_eq!(from_tsv(&to_tsv(&rows)).unwrap(), rows);
    }

    #[test]
    fn tsv_refuses_other_files() {
        assert!(from_tsv("a\tb\n").is_err());
        let bad = format!("{HEADER}\nrnwfs\tz\tf1\n");
        assert!(from_tsv(&bad).is_err());
        let mut good = to_tsv(&[row("rnwfs", Policy::Nowait, Kind::F1, Some(1))]);
        good = good.replace("\tf1\t", "\tf9\t");
        assert!(from_tsv(&good).is_err());
    }

    #[test]
    fn goals_are_ratios_to_policy_a() {
        // f1: b 70 % of a (met); f3: b 110 % of a (missed); f2: c 102 % of a (met).
        let mut rows = all("rnwfs", [[100, 70, 90], [200, 400, 204], [50, 55, 50]]);
        rows.extend(all("xfs", [[100, 90, 100], [200, 100, 300], [50, 40, 50]]));
        let g = goals(&rows);
        let get = |fs: &str, what: &str| {
            g.iter()
                .find(|x| x.fs == fs && x.what.starts_with(what))
                .cloned()
        };
        let f1 = get("rnwfs", "f1").unwrap();
        assert_eq!((f1.ratio, f1.met), (Some(0.7), Some(true)));
        assert_eq!(get("rnwfs", "f3").unwrap().met, Some(false));
        assert_eq!(get("rnwfs", "f2").unwrap().met, Some(true));
        assert_eq!(get("xfs", "f1").unwrap().met, Some(false));
        assert_eq!(get("xfs", "f2").unwrap().met, Some(false));
        assert_eq!(get("xfs", "f3").unwrap().met, Some(true));
        let text = goals_text(&rows);
        assert!(text.contains("rnwfs 0.70 met"), "{text}");
        assert!(text.contains("xfs 1.50 missed"), "{text}");
        assert!(text.lines().all(|l| !l.ends_with(' ')), "{text}");
    }

    #[test]
    fn missing_cells_are_not_goals_met() {
        let rows = vec![row("ext4", Policy::Nowait, Kind::F1, Some(5))];
        let g = goals(&rows);
        assert!(g.iter().all(|x| x.met.is_none() && x.ratio.is_none()));
        // A zero mean for (a) gives no ratio either.
        let rows = vec![
            row("ext4", Policy::Handoff, Kind::F1, Some(0)),
            row("ext4", Policy::Nowait, Kind::F1, Some(5)),
        ];
        assert_eq!(ratio(&rows, "ext4", Kind::F1, Policy::Nowait), None);
    }

    #[test]
    fn tables_have_a_line_per_cell_and_a_column_per_filesystem() {
        let mut rows = all("rnwfs", [[100, 70, 90], [200, 400, 204], [50, 55, 50]]);
        rows.extend(all("ext4", [[100, 70, 90], [200, 400, 204], [50, 55, 50]]));
        assert_eq!(table(&rows).lines().count(), 1 + 18);
        let sbs = side_by_side(&rows);
        assert_eq!(sbs.lines().count(), 1 + 9);
        assert!(sbs.lines().next().unwrap().contains("rnwfs") && sbs.contains("ext4"));
        assert!(sbs.contains("0.1 (0.70)"), "{sbs}");
    }
}
