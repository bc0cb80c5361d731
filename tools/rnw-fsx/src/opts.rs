// SPDX-License-Identifier: GPL-2.0
//! Command line: the modes (presets of engines), op selection, limits, reproduction.

use crate::{gen::Class, log::MAX_OFFSET, ops::Engine};
use std::path::PathBuf;

pub const USAGE: &str = "usage: rnw-fsx [OPTIONS] FILE

Runs random operations on FILE (created, emptied) and checks every read, and the whole
file after each phase, against an in-memory model of what FILE must hold.

  --mode NAME          op mix preset (default buffered):
                         buffered  pread/pwrite
                         direct    O_DIRECT pread/pwrite
                         mmap      MAP_SHARED reads and writes
                         aio       libaio (io_submit), O_DIRECT
                         uring     io_uring, O_DIRECT and buffered, fixed buffers for some
                         nowait    preadv2/pwritev2 RWF_NOWAIT, buffered and O_DIRECT
                         mixed     all of the above on the same file
                       every mode adds truncate, fallocate (falloc, keepsize, punch,
                       zero, zerokeep), copy (copy_file_range), fsync, fdatasync, reopen
  --engines LIST       replace the mode's engines: buffered, direct, mmap, aio, uring,
                       uring-direct, nowait, nowait-direct (comma-separated)
  --ops LIST           only these ops: read, write, truncate, falloc, keepsize, punch,
                       zero, zerokeep, copy, fsync, fdatasync, reopen
  --no LIST            leave these ops out
  -N, --num-ops N      operations to run (default 10000)
  -S, --seed N         random seed (default: from the clock; printed)
  -l, --max-size N     largest file size (default 256k; fsx -l)
  -o, --max-op N       largest read/write/fallocate/copy length (default 64k; fsx -o)
      --align N        O_DIRECT alignment, also of truncates when direct I/O is on
                       (default 4096)
      --check-every N  check the whole file every N ops (default 1000) and at the end
  -X, --check-each     check the whole file after every op
      --remount-cmd C  run C (sh -c) with FILE closed, every --remount-every ops (default
                       1000), then check all of FILE; e.g. 'umount /mnt && mount /dev/x /mnt'
      --remount-every N
      --pollute-eof    before each size change, fill the EOF page past EOF through mmap
                       (must never become file data; fsx -e)
      --log FILE       write the op log there, one line per op, as the ops run
      --replay FILE    rerun exactly the ops of a log (no randomness)
  -v, --verbose        print each op
  -h, --help           this help

Sizes take k, m and g suffixes and 0x. On the first miscompare rnw-fsx prints the op, the
bytes around the first difference and the last ops that touched it, and exits 1; 0 when
all checks passed, 2 on a usage error.
Self-test: --inject-corruption-at-op N flips a byte of FILE behind the tester's back after
op N; the run must then fail.";

/// The engines of each mode.
pub fn mode_engines(mode: &str) -> Option<Vec<Engine>> {
    use Engine::*;
    Some(match mode {
        "buffered" => vec![Buffered],
        "direct" => vec![Direct],
        "mmap" => vec![Mmap],
        "aio" => vec![Aio],
        "uring" => vec![Uring, UringDirect],
        "nowait" => vec![Nowait, NowaitDirect],
        "mixed" => Engine::ALL.to_vec(),
        _ => return None,
    })
}

#[derive(Debug, Clone)]
pub struct Opts {
    pub file: PathBuf,
    pub mode: String,
    pub engines: Vec<Engine>,
    pub classes: Vec<Class>,
    pub num_ops: u64,
    pub seed: Option<u64>,
    pub max_size: u64,
    pub max_op: u64,
    pub align: u64,
    /// True when --align was given (a replay otherwise takes the log's).
    pub align_given: bool,
    pub check_every: u64,
    pub check_each: bool,
    pub remount_cmd: Option<String>,
    pub remount_every: u64,
    pub pollute_eof: bool,
    pub log: Option<PathBuf>,
    pub replay: Option<PathBuf>,
    pub verbose: bool,
    pub inject_at: Option<u64>,
    /// True when -N was given (a replay otherwise runs the whole log).
    pub num_ops_given: bool,
}

pub enum Parsed {
    Run(Box<Opts>),
    Help,
}

/// A number: decimal or 0x hex, with an optional k/m/g (binary) suffix.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || format!("'{s}' is not a number");
    let lower = s.to_ascii_lowercase();
    let (digits, shift) = match lower.as_bytes().last() {
        Some(b'k') => (&lower[..lower.len() - 1], 10),
        Some(b'm') => (&lower[..lower.len() - 1], 20),
        Some(b'g') => (&lower[..lower.len() - 1], 30),
        _ => (lower.as_str(), 0),
    };
    let v = match digits.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).map_err(|_| bad())?,
        None => digits.parse::<u64>().map_err(|_| bad())?,
    };
    v.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("'{s}' is too large"))
}

fn list<T>(s: &str, what: &str, f: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| f(x).ok_or_else(|| format!("unknown {what} '{x}'")))
        .collect()
}

pub fn parse(args: &[String]) -> Result<Parsed, String> {
    let mut o = Opts {
        file: PathBuf::new(),
        mode: "buffered".into(),
        engines: Vec::new(),
        classes: Class::ALL.to_vec(),
        num_ops: 10000,
        seed: None,
        max_size: 256 << 10,
        max_op: 64 << 10,
        align: 4096,
        align_given: false,
        check_every: 1000,
        check_each: false,
        remount_cmd: None,
        remount_every: 0,
        pollute_eof: false,
        log: None,
        replay: None,
        verbose: false,
        inject_at: None,
        num_ops_given: false,
    };
    let mut engines: Option<Vec<Engine>> = None;
    let mut only: Option<Vec<Class>> = None;
    let mut without: Vec<Class> = Vec::new();
    let mut file = None;
    let mut generating_opts = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        i += 1;
        // --opt=value and --opt value alike.
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg, None),
        };
        let mut value = || -> Result<String, String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            let v = args
                .get(i)
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))?;
            i += 1;
            Ok(v)
        };
        match name {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--mode" => {
                o.mode = value()?;
                mode_engines(&o.mode).ok_or_else(|| format!("unknown mode '{}'", o.mode))?;
                generating_opts.push(name);
            }
            "--engines" => {
                engines = Some(list(&value()?, "engine", Engine::from_name)?);
                generating_opts.push(name);
            }
            "--ops" => {
                only = Some(list(&value()?, "op", Class::from_name)?);
                generating_opts.push(name);
            }
            "--no" => {
                without.extend(list(&value()?, "op", Class::from_name)?);
                generating_opts.push(name);
            }
            "-N" | "--num-ops" => {
                o.num_ops = parse_size(&value()?)?;
                o.num_ops_given = true;
            }
            "-S" | "--seed" => {
                o.seed = Some(parse_size(&value()?)?);
                generating_opts.push(name);
            }
            "-l" | "--max-size" => o.max_size = parse_size(&value()?)?,
            "-o" | "--max-op" => o.max_op = parse_size(&value()?)?,
            "--align" => {
                o.align = parse_size(&value()?)?;
                o.align_given = true;
            }
            "--check-every" => o.check_every = parse_size(&value()?)?,
            "-X" | "--check-each" => o.check_each = true,
            "--remount-cmd" => o.remount_cmd = Some(value()?),
            "--remount-every" => o.remount_every = parse_size(&value()?)?,
            "--pollute-eof" => o.pollute_eof = true,
            "--log" => o.log = Some(PathBuf::from(value()?)),
            "--replay" => o.replay = Some(PathBuf::from(value()?)),
            "-v" | "--verbose" => o.verbose = true,
            "--inject-corruption-at-op" => o.inject_at = Some(parse_size(&value()?)?),
            _ if name.starts_with('-') && name.len() > 1 => {
                return Err(format!("unknown option {name}"))
            }
            _ if file.is_none() => file = Some(PathBuf::from(arg)),
            _ => return Err(format!("more than one FILE given ('{arg}')")),
        }
    }
    o.file = file.ok_or("no FILE given")?;
    if o.replay.is_some() {
        if let Some(opt) = generating_opts.first() {
            return Err(format!(
                "{opt} makes no sense with --replay (the log says what to run)"
            ));
        }
    }
    o.engines = match engines {
        Some(e) => e,
        None => mode_engines(&o.mode).unwrap_or_default(),
    };
    o.classes = only.unwrap_or(o.classes);
    o.classes.retain(|c| !without.contains(c));
    validate(&mut o)?;
    Ok(Parsed::Run(Box::new(o)))
}

fn validate(o: &mut Opts) -> Result<(), String> {
    if o.replay.is_none() {
        if o.classes.is_empty() {
            return Err("no operation left to run".into());
        }
        let io = o
            .classes
            .iter()
            .any(|c| matches!(c, Class::Read | Class::Write));
        if io && o.engines.is_empty() {
            return Err("reads and writes need at least one engine".into());
        }
    }
    if !o.align.is_power_of_two() || !(512..=1 << 20).contains(&o.align) {
        return Err(format!(
            "--align {}: a power of two from 512 to 1m",
            o.align
        ));
    }
    if o.max_size == 0 || o.max_size > MAX_OFFSET {
        return Err(format!("--max-size: from 1 to {MAX_OFFSET:#x}"));
    }
    if o.max_op == 0 || o.max_op > o.max_size {
        return Err("--max-op: from 1 to --max-size".into());
    }
    if o.engines.iter().any(|e| e.is_direct())
        && (!o.max_size.is_multiple_of(o.align) || o.max_op < o.align)
    {
        return Err(format!(
            "direct I/O needs --max-size a multiple of --align ({}) and --max-op at least --align",
            o.align
        ));
    }
    // Op numbers are written into the data as 32 bits (pattern.rs); u32::MAX marks
    // --pollute-eof's data.
    if o.num_ops >= u64::from(u32::MAX) {
        return Err(format!("-N: at most {}", u32::MAX - 1));
    }
    if o.check_every == 0 {
        return Err("--check-every: at least 1".into());
    }
    match (&o.remount_cmd, o.remount_every) {
        (None, n) if n > 0 => return Err("--remount-every needs --remount-cmd".into()),
        (Some(_), 0) => o.remount_every = 1000,
        _ => {}
    }
    Ok(())
}

/// The op names (for messages).
pub fn class_names(classes: &[Class]) -> String {
    classes
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn run(s: &str) -> Result<Opts, String> {
        match parse(&args(s))? {
            Parsed::Run(o) => Ok(*o),
            Parsed::Help => Err("help".into()),
        }
    }

    #[test]
    fn sizes_take_suffixes_and_hex() {
        assert_eq!(parse_size("256k"), Ok(256 << 10));
        assert_eq!(parse_size("0x1000"), Ok(4096));
        assert_eq!(parse_size("2M"), Ok(2 << 20));
        assert!(parse_size("12q").is_err());
        assert!(parse_size("99999999999g").is_err());
    }

    #[test]
    fn modes_and_selection() {
        let o = run("--mode uring --no punch,copy -N 5 f").unwrap();
        assert_eq!(o.engines, vec![Engine::Uring, Engine::UringDirect]);
        assert!(!o.classes.contains(&Class::Copy) && o.classes.contains(&Class::Truncate));
        assert_eq!(o.num_ops, 5);
        let o = run("--ops=read,write --engines=mmap,buffered f").unwrap();
        assert_eq!(o.classes, vec![Class::Read, Class::Write]);
        assert_eq!(o.engines, vec![Engine::Mmap, Engine::Buffered]);
        assert_eq!(run("--mode mixed f").unwrap().engines.len(), 8);
    }

    #[test]
    fn usage_errors() {
        for bad in [
            "",
            "--mode floppy f",
            "--align 1000 f",
            "--mode direct -l 5000 f",
            "--mode direct -o 100 f",
            "-o 1m -l 256k f",
            "--remount-every 5 f",
            "--replay log --seed 3 f",
            "--bogus f",
            "a b",
            "--ops read --engines= f",
            "--check-every 0 f",
        ] {
            assert!(run(bad).is_err(), "accepted: {bad}");
        }
        assert_eq!(run("--remount-cmd true f").unwrap().remount_every, 1000);
    }
}
