// SPDX-License-Identifier: GPL-2.0
//! rnwfs-crafted: crafted rnwfs images through the real kernel (in the guest, as root,
//! rnwblk and rnwfs loaded). It makes a seed image with the kernel (mkfs, mount, populate,
//! umount), then for image i of seed S: mutates metadata fields of a seed image and
//! recomputes their checksums (rnwfs_fuzz::mutate), binds it to a loop device of its size,
//! mounts it (one in four writethrough), walks it (reads, writes, renames, unlinks),
//! unmounts it, and judges the kernel log of that image: a WARN, BUG, oops, lockdep or
//! checker report, or an image that does not finish in time, fails the campaign. Each
//! image is refused at mount, met EIO/EUCLEAN in the walk, or clean.
//!
//!   rnwfs-crafted --seed S --count N [--start I] [--time SECONDS] [--out DIR]
//!   rnwfs-crafted --seed S --replay I [--seed-image FILE] [--no-run]

mod aim;
mod image;
mod kmsg;
mod seed;
mod sys;
mod trial;
mod walk;

use image::Seed;
use std::{
    collections::BTreeMap,
    fs,
    io::{self, Write},
    path::PathBuf,
    process::ExitCode,
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};
use trial::{Class, Outcome, Work};

const USAGE: &str = "usage: rnwfs-crafted [--seed S] [--count N] [--start I] [--time SECONDS] [--limit SECONDS] [--out DIR] [-q]
       rnwfs-crafted [--seed S] --replay I [--seed-image FILE] [--no-run] [--out DIR]

Runs images START..START+COUNT of seed S (default: the clock) through rnwfs in this kernel
(root, rnwblk and rnwfs loaded, a loop device driver): each mutated from a seed image with
its checksums recomputed, mounted, walked, unmounted, the kernel log judged. Exit status 0
when no image made the kernel report a bug (WARN, BUG, oops, lockdep, KASAN/KFENCE) and none
hung; 1 otherwise; 2 when the harness itself failed.
  --count N        images (default 100)        --start I     the first image (default 0)
  --time SECONDS   stop after this long, whatever COUNT says
  --limit SECONDS  an image taking longer has hung (default 120)
  --out DIR        results: crafted-S.tsv, the seed image, reports (default $RNW_OUT or .)
  --replay I       image I alone, every call of its walk shown; its image is written to
                   DIR/crafted-S-I.img
  --seed-image F   the kernel-made seed from F (a campaign's DIR/crafted-seed.img) instead
                   of making one: a replay then makes exactly the campaign's image
  --no-run         with --replay: only write the image (runs anywhere, no root needed)
  -q               no progress lines";

struct Options {
    seed: u64,
    start: u64,
    count: u64,
    time: Option<Duration>,
    limit: Duration,
    out: PathBuf,
    replay: Option<u64>,
    seed_image: Option<PathBuf>,
    no_run: bool,
    quiet: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs()),
        start: 0,
        count: 100,
        time: None,
        limit: Duration::from_secs(120),
        out: std::env::var_os("RNW_OUT").map_or_else(|| PathBuf::from("."), PathBuf::from),
        replay: None,
        seed_image: None,
        no_run: false,
        quiet: false,
    };
    let mut it = args.iter();
    let number = |v: Option<&String>, what: &str| -> Result<u64, String> {
        let v = v.ok_or(format!("{what} needs a value"))?;
        v.parse().map_err(|_| format!("{what}: not a number: {v}"))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seed" => o.seed = number(it.next(), a)?,
            "--start" => o.start = number(it.next(), a)?,
            "--count" => o.count = number(it.next(), a)?,
            "--time" => o.time = Some(Duration::from_secs(number(it.next(), a)?)),
            "--limit" => o.limit = Duration::from_secs(number(it.next(), a)?),
            "--replay" => o.replay = Some(number(it.next(), a)?),
            "--out" => o.out = it.next().ok_or("--out needs a directory")?.into(),
            "--seed-image" => {
                o.seed_image = Some(it.next().ok_or("--seed-image needs a file")?.into())
            }
            "--no-run" => o.no_run = true,
            "-q" => o.quiet = true,
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    if o.no_run && o.replay.is_none() {
        return Err("--no-run goes with --replay".into());
    }
    if o.replay.is_some() && o.no_run && o.seed_image.is_none() {
        return Err(
            "--no-run needs --seed-image (the kernel-made seed cannot be made without the kernel)"
                .into(),
        );
    }
    Ok(o)
}

fn errno_name(e: i32) -> String {
    let name = match e {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EIO => "EIO",
        libc::ENXIO => "ENXIO",
        libc::EBADF => "EBADF",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::EXDEV => "EXDEV",
        libc::ENOTDIR => "ENOTDIR",
        libc::EISDIR => "EISDIR",
        libc::EINVAL => "EINVAL",
        libc::EFBIG => "EFBIG",
        libc::ENOSPC => "ENOSPC",
        libc::EROFS => "EROFS",
        libc::EMLINK => "EMLINK",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::ENOTEMPTY => "ENOTEMPTY",
        libc::ELOOP => "ELOOP",
        libc::ESTALE => "ESTALE",
        libc::EUCLEAN => "EUCLEAN",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EAGAIN => "EAGAIN",
        libc::EOVERFLOW => "EOVERFLOW",
        _ => return format!("errno{e}"),
    };
    name.into()
}

/// The seed images: the kernel's (made now, or read from a file) and the host-built
/// populated image (tools/rnwfs-fuzz's, with an unwritten extent the kernel never leaves).
fn seeds(o: &Options, work: Option<&Work>) -> Result<Vec<Seed>, String> {
    let kernel = match (&o.seed_image, work) {
        (Some(f), _) => fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?,
        (None, Some(w)) => seed::make(&w.dir).map_err(|e| format!("making the seed image: {e}"))?,
        (None, None) => return Err("no seed image".into()),
    };
    let populated = rnwfs_fuzz::seeds::populated_image()
        .map_err(|e| format!("the built-in seed: {e}"))?
        .image;
    Ok(vec![
        Seed::new("kernel", kernel),
        Seed::new("builtin", populated),
    ])
}

#[derive(Default)]
struct Totals {
    tried: u64,
    refused: u64,
    errors: u64,
    clean: u64,
    read_only: u64,
    writethrough: u64,
    reports: Vec<u64>,
    /// How often each errno was met, over all walks (mount refusals apart).
    errnos: BTreeMap<i32, u64>,
    refusals: BTreeMap<i32, u64>,
    phases: [Duration; trial::PHASES.len()],
}

/// One line per image: index, seed image, mount options, class, errors met.
fn tsv_line(index: u64, img: &image::Image, out: &Outcome, reported: bool) -> String {
    let class = match (reported, out.class()) {
        (true, _) => "KERNEL-REPORT",
        (_, Class::Refused) => "refused",
        (_, Class::Errors) => "eio-euclean",
        (_, Class::Clean) => "clean",
    };
    let mut detail: Vec<String> = Vec::new();
    if let Some(e) = out.refused {
        detail.push(format!("mount:{}", errno_name(e)));
    }
    for (op, e) in &out.errors {
        let d = format!("{op}:{}", errno_name(*e));
        if !detail.contains(&d) && detail.len() < 8 {
            detail.push(d);
        }
    }
    let opts = match (img.writethrough, out.read_only) {
        (true, true) => "wt,ro",
        (true, false) => "wt",
        (false, true) => "ro",
        (false, false) => "-",
    };
    format!(
        "{index}\t{}\t{opts}\t{class}\t{}\n",
        img.seed,
        detail.join(",")
    )
}

/// The replay option that makes exactly this run's image: its kernel-made seed (which
/// differs from boot to boot in timestamps and inode generations).
fn replay_seed(o: &Options) -> String {
    let seed = o
        .seed_image
        .clone()
        .unwrap_or_else(|| o.out.join("crafted-seed.img"));
    format!(" --seed-image {}", seed.display())
}

fn write_image(o: &Options, index: u64, img: &image::Image) -> Result<PathBuf, String> {
    let path = o.out.join(format!("crafted-{}-{index}.img", o.seed));
    fs::write(&path, &img.data).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// Tells where an image was kept (a failing one, or one asked for), and what it came from.
fn say_where_image_is(o: &Options, index: u64, img: &image::Image, path: &std::path::Path) {
    println!(
        "rnwfs-crafted: image {index} of seed {} ({} seed{}): {}",
        o.seed,
        img.seed,
        if img.writethrough {
            ", writethrough"
        } else {
            ""
        },
        path.display()
    );
}

enum Stop {
    /// A kernel report or a hang: the campaign failed.
    Failed,
    /// The harness could not go on.
    Harness(String),
}

/// How a campaign ended early, with what it had counted (boxed: a large error type).
type Stopped = Box<(Totals, Stop)>;

fn campaign(o: &Options) -> Result<Totals, Stopped> {
    let harness = |e: String| Box::new((Totals::default(), Stop::Harness(e)));
    if !sys::is_root() {
        return Err(harness("must run as root (loop devices, mount)".into()));
    }
    fs::create_dir_all(&o.out).map_err(|e| harness(format!("{}: {e}", o.out.display())))?;
    let mut kmsg = kmsg::Kmsg::open().map_err(|e| harness(format!("/dev/kmsg: {e}")))?;
    let work = Work::new().map_err(|e| harness(e.to_string()))?;
    let seeds = seeds(o, Some(&work)).map_err(harness)?;
    if o.seed_image.is_none() {
        let p = o.out.join("crafted-seed.img");
        fs::write(&p, &seeds[0].image).map_err(|e| harness(format!("{}: {e}", p.display())))?;
    }
    let since = kmsg
        .since()
        .map_err(|e| harness(format!("/dev/kmsg: {e}")))?;
    if let Some(r) = since.reports().next() {
        eprintln!("rnwfs-crafted: KERNEL REPORT while the seed image was made: {r}");
        return Err(Box::new((Totals::default(), Stop::Failed)));
    }

    // The trials run on a worker thread, so that one stuck in the kernel is seen here; this
    // thread meanwhile makes the next image and writes it to the other of two image files
    // (the guest has two CPUs: making an image costs nearly as much as a third of a trial).
    let files = work.image_files();
    let (job_tx, job_rx) = mpsc::channel::<(u64, image::Image, usize)>();
    let (res_tx, res_rx) = mpsc::channel();
    let verbose = o.replay.is_some();
    thread::spawn(move || {
        for (index, img, file) in job_rx {
            let r = trial::run(&work, file, img.writethrough, verbose);
            if res_tx.send((index, img, r)).is_err() {
                break;
            }
        }
    });

    let (first, count) = match o.replay {
        Some(i) => (i, 1),
        None => (o.start, o.count),
    };
    let end = first.saturating_add(count);
    let tsv_path = o.out.join(format!("crafted-{}.tsv", o.seed));
    let mut tsv = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&tsv_path)
        .map_err(|e| harness(format!("{}: {e}", tsv_path.display())))?;
    let mut t = Totals::default();
    // Image `index`, made and written to image file `index % 2`.
    let mut spare: Vec<Vec<u8>> = Vec::new();
    let prepare = |index: u64,
                   t: &mut Totals,
                   spare: &mut Vec<Vec<u8>>|
     -> Result<Option<image::Image>, String> {
        let started = Instant::now();
        let buf = spare.pop().unwrap_or_default();
        let Some(img) = image::make_in(&seeds, o.seed, index, buf) else {
            return Ok(None);
        };
        let path = &files[(index % 2) as usize];
        trial::write_image(path, &img.data).map_err(|e| format!("{}: {e}", path.display()))?;
        t.phases[0] += started.elapsed();
        Ok(Some(img))
    };
    let mut next = match prepare(first, &mut t, &mut spare) {
        Ok(n) => n,
        Err(e) => return Err(Box::new((t, Stop::Harness(e)))),
    };
    let start = Instant::now();
    let mut last_report = start;
    for index in first..end {
        if o.time.is_some_and(|limit| start.elapsed() >= limit) {
            break;
        }
        let Some(img) = next.take() else { break };
        if o.replay.is_some() {
            let p = match write_image(o, index, &img) {
                Ok(p) => p,
                Err(e) => return Err(Box::new((t, Stop::Harness(e)))),
            };
            say_where_image_is(o, index, &img, &p);
        }
        if job_tx.send((index, img, (index % 2) as usize)).is_err() {
            return Err(Box::new((
                t,
                Stop::Harness("the worker thread ended".into()),
            )));
        }
        if index + 1 < end {
            next = match prepare(index + 1, &mut t, &mut spare) {
                Ok(n) => n,
                Err(e) => return Err(Box::new((t, Stop::Harness(e)))),
            };
        }
        let (index, img, result) = match res_rx.recv_timeout(o.limit) {
            Ok(r) => r,
            Err(_) => {
                eprintln!(
                    "rnwfs-crafted: HANG: image {index} of seed {} did not finish within {} s; replay: rnwfs-crafted --seed {} --replay {index}{}",
                    o.seed,
                    o.limit.as_secs(),
                    o.seed,
                    replay_seed(o)
                );
                if let Ok(since) = kmsg.since() {
                    since
                        .messages
                        .iter()
                        .for_each(|m| eprintln!("rnwfs-crafted:   kernel: {m}"));
                }
                // The worker is stuck in the kernel: exiting would wait for it forever.
                let _ = io::stdout().flush();
                let _ = tsv.write_all(format!("{index}\t-\t-\tHANG\t\n").as_bytes());
                std::process::exit(1);
            }
        };
        let outcome = match result {
            Ok(out) => out,
            Err(e) => return Err(Box::new((t, Stop::Harness(format!("image {index}: {e}"))))),
        };
        let since = match kmsg.since() {
            Ok(s) => s,
            Err(e) => return Err(Box::new((t, Stop::Harness(format!("/dev/kmsg: {e}"))))),
        };
        let reports: Vec<&String> = since.reports().collect();
        if verbose {
            outcome.log.iter().for_each(|l| println!("  {l}"));
            since
                .messages
                .iter()
                .for_each(|m| println!("  kernel: {m}"));
        }
        if since.lost {
            eprintln!("rnwfs-crafted: image {index}: kernel log records were overwritten before they were read");
        }
        t.tried += 1;
        t.writethrough += img.writethrough as u64;
        t.read_only += outcome.read_only as u64;
        match outcome.class() {
            Class::Refused => t.refused += 1,
            Class::Errors => t.errors += 1,
            Class::Clean => t.clean += 1,
        }
        if let Some(e) = outcome.refused {
            *t.refusals.entry(e).or_default() += 1;
        }
        for (_, e) in &outcome.errors {
            *t.errnos.entry(*e).or_default() += 1;
        }
        for (sum, d) in t.phases.iter_mut().zip(outcome.phases) {
            *sum += d;
        }
        let _ = tsv.write_all(tsv_line(index, &img, &outcome, !reports.is_empty()).as_bytes());
        if !reports.is_empty() || since.lost {
            t.reports.push(index);
            let saved = write_image(o, index, &img).unwrap_or_else(PathBuf::from);
            let log = o.out.join(format!("crafted-{}-{index}.kmsg", o.seed));
            let _ = fs::write(&log, since.messages.join("\n") + "\n");
            eprintln!(
                "rnwfs-crafted: KERNEL REPORT: image {index} of seed {}: {}\n  image: {}; kernel log: {}\n  replay: rnwfs-crafted --seed {} --replay {index}{}",
                o.seed,
                reports.first().map_or("kernel log records lost", |r| r.as_str()),
                saved.display(),
                log.display(),
                o.seed,
                replay_seed(o)
            );
        }
        spare.push(img.data);
        if !o.quiet && last_report.elapsed() >= Duration::from_secs(30) {
            last_report = Instant::now();
            println!(
                "rnwfs-crafted: {} images, {:.0} s",
                t.tried,
                start.elapsed().as_secs_f64()
            );
        }
    }
    if t.reports.is_empty() {
        Ok(t)
    } else {
        Err(Box::new((t, Stop::Failed)))
    }
}

fn summary(o: &Options, t: &Totals, secs: f64) {
    let last = (o.start + t.tried).saturating_sub(1);
    println!(
        "rnwfs-crafted: seed {}, images {}..{}: {} tried, {} refused at mount, {} walks met EIO/EUCLEAN, {} clean; {} kernel reports; {:.0} s ({:.1} images/s)",
        o.seed,
        o.start,
        last,
        t.tried,
        t.refused,
        t.errors,
        t.clean,
        t.reports.len(),
        secs,
        t.tried as f64 / secs.max(1e-9)
    );
    println!(
        "rnwfs-crafted: {} mounted writethrough, {} mounted read-only (the image said unclean)",
        t.writethrough, t.read_only
    );
    let list = |m: &BTreeMap<i32, u64>| {
        m.iter()
            .map(|(e, n)| format!("{} {n}", errno_name(*e)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("rnwfs-crafted: mount refusals: {}", list(&t.refusals));
    println!("rnwfs-crafted: failed calls in walks: {}", list(&t.errnos));
    let per = |d: &Duration| d.as_secs_f64() * 1e3 / t.tried.max(1) as f64;
    let phases: Vec<String> = trial::PHASES
        .iter()
        .zip(&t.phases)
        .map(|(n, d)| format!("{n} {:.1}", per(d)))
        .collect();
    println!(
        "rnwfs-crafted: ms per image: {} (the image made while the one before runs)",
        phases.join(", ")
    );
    if !t.reports.is_empty() {
        println!(
            "rnwfs-crafted: FAIL: kernel reports at images {:?}",
            t.reports
        );
    }
}

fn replay_only(o: &Options, index: u64) -> Result<(), String> {
    let seeds = seeds(o, None)?;
    let img = image::make(&seeds, o.seed, index).ok_or("no such image")?;
    let p = write_image(o, index, &img)?;
    say_where_image_is(o, index, &img, &p);
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("rnwfs-crafted: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let (Some(i), true) = (o.replay, o.no_run) {
        return match replay_only(&o, i) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("rnwfs-crafted: {e}");
                ExitCode::from(2)
            }
        };
    }
    if o.replay.is_none() {
        println!(
            "rnwfs-crafted: seed {}, images {}.. ({} at most{})",
            o.seed,
            o.start,
            o.count,
            o.time
                .map_or(String::new(), |t| format!(", {} s at most", t.as_secs()))
        );
    }
    let start = Instant::now();
    let result = campaign(&o);
    let secs = start.elapsed().as_secs_f64();
    match result {
        Ok(t) => {
            summary(&o, &t, secs);
            ExitCode::SUCCESS
        }
        Err(stopped) => match *stopped {
            (t, Stop::Failed) => {
                summary(&o, &t, secs);
                ExitCode::from(1)
            }
            (t, Stop::Harness(e)) => {
                summary(&o, &t, secs);
                eprintln!("rnwfs-crafted: harness failure: {e}");
                ExitCode::from(2)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let o =
            parse(&["--seed", "5", "--count", "300", "--start", "7"].map(String::from)).unwrap();
        assert_eq!((o.seed, o.count, o.start, o.replay), (5, 300, 7, None));
        assert!(parse(&["--no-run".into()]).is_err());
        assert!(
            parse(&["--replay", "3", "--no-run"].map(String::from)).is_err(),
            "--no-run needs the seed image"
        );
        assert!(parse(&["--count".into()]).is_err());
    }

    #[test]
    fn a_replay_without_the_kernel_writes_the_campaigns_image() {
        let dir = std::env::temp_dir().join(format!("rnwfs-crafted-test.{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let seed_file = dir.join("seed.img");
        fs::write(
            &seed_file,
            rnwfs_fuzz::seeds::populated_image().unwrap().image,
        )
        .unwrap();
        let args = [
            "--seed",
            "9",
            "--replay",
            "4",
            "--no-run",
            "--seed-image",
            seed_file.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ];
        let o = parse(&args.map(String::from)).unwrap();
        replay_only(&o, 4).unwrap();
        let written = fs::read(dir.join("crafted-9-4.img")).unwrap();
        let seeds = seeds(&o, None).unwrap();
        assert_eq!(written, image::make(&seeds, 9, 4).unwrap().data);
        fs::remove_dir_all(&dir).unwrap();
    }
}
