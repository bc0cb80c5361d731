// SPDX-License-Identifier: GPL-2.0
//! The op log: one line per op, "N KIND key=value ...", written before the op runs and
//! handed to the kernel at once (a killed or hung run keeps it); `--replay` reads it back.
//! Lines starting with '#' are comments; the first one records the run's settings
//! ("# rnw-fsx seed=... align=..."), of which a replay takes align and pollute-eof.

use crate::ops::{Engine, FallocMode, Io, Op};
use std::{
    collections::BTreeMap,
    fs::File,
    io::Write,
    path::{Path, PathBuf},
};

/// Offsets and sizes in a log must stay below this (the model holds the file in memory).
pub const MAX_OFFSET: u64 = 1 << 30;

pub struct LogWriter {
    file: File,
    path: PathBuf,
}

impl LogWriter {
    pub fn create(path: &Path) -> Result<LogWriter, String> {
        let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(LogWriter {
            file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One write(2) per line, no user-space buffer: what was logged survives a kill.
    pub fn line(&mut self, text: &str) -> Result<(), String> {
        let mut s = String::with_capacity(text.len() + 1);
        s.push_str(text);
        s.push('\n');
        self.file
            .write_all(s.as_bytes())
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }

    pub fn op(&mut self, n: u64, op: &Op) -> Result<(), String> {
        self.line(&format_op(n, op))
    }
}

pub fn format_op(n: u64, op: &Op) -> String {
    format!("{n} {op}")
}

/// A parsed log: its header's settings and its ops, numbered from 1.
#[derive(Debug, Default)]
pub struct Replay {
    pub settings: BTreeMap<String, String>,
    pub ops: Vec<Op>,
}

fn number(s: &str) -> Result<u64, String> {
    let v = match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    };
    v.map_err(|_| format!("'{s}' is not a number"))
}

/// Takes key=value tokens; each must be expected by the op and appear once.
struct Fields<'a>(BTreeMap<&'a str, &'a str>);

impl<'a> Fields<'a> {
    fn new(tokens: &[&'a str]) -> Result<Fields<'a>, String> {
        let mut map = BTreeMap::new();
        for t in tokens {
            let (k, v) = t
                .split_once('=')
                .ok_or_else(|| format!("'{t}' is not key=value"))?;
            if map.insert(k, v).is_some() {
                return Err(format!("'{k}' given twice"));
            }
        }
        Ok(Fields(map))
    }

    fn take(&mut self, key: &str) -> Result<&'a str, String> {
        self.0
            .remove(key)
            .ok_or_else(|| format!("'{key}=' missing"))
    }

    fn num(&mut self, key: &str) -> Result<u64, String> {
        let v = number(self.take(key)?)?;
        if v > MAX_OFFSET {
            return Err(format!(
                "{key}={v:#x} is beyond the tester's {MAX_OFFSET:#x} limit"
            ));
        }
        Ok(v)
    }

    fn flag(&mut self, key: &str) -> Result<bool, String> {
        match self.0.remove(key) {
            None | Some("0") => Ok(false),
            Some("1") => Ok(true),
            Some(v) => Err(format!("{key}={v}: say 0 or 1")),
        }
    }

    fn done(self) -> Result<(), String> {
        match self.0.keys().next() {
            None => Ok(()),
            Some(k) => Err(format!("unexpected '{k}='")),
        }
    }
}

/// The op of one log line ("17 write via=direct off=0x1000 len=0x2000").
pub fn parse_op(line: &str) -> Result<(u64, Op), String> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let [n, kind, rest @ ..] = tokens.as_slice() else {
        return Err("expected 'N KIND ...'".into());
    };
    let n = number(n)?;
    let mut f = Fields::new(rest)?;
    let op = match *kind {
        "read" | "write" => {
            let via_name = f.take("via")?;
            let via = Engine::from_name(via_name)
                .ok_or_else(|| format!("unknown engine '{via_name}'"))?;
            let off = f.num("off")?;
            let len = f.num("len")?;
            off.checked_add(len)
                .filter(|&e| e <= MAX_OFFSET)
                .ok_or("off + len beyond the limit")?;
            if len == 0 {
                return Err("len=0".into());
            }
            let depth = if via.is_queued() { f.num("depth")? } else { 1 };
            let depth = u8::try_from(depth)
                .ok()
                .filter(|&d| (1..=crate::gen::MAX_DEPTH).contains(&d));
            let depth = depth.ok_or("depth out of range")?;
            let fixed = if via.is_uring() {
                f.flag("fixed")?
            } else {
                false
            };
            let msync = if via == Engine::Mmap && *kind == "write" {
                f.flag("msync")?
            } else {
                false
            };
            let io = Io {
                via,
                off,
                len,
                depth,
                fixed,
                msync,
            };
            if *kind == "read" {
                Op::Read(io)
            } else {
                Op::Write(io)
            }
        }
        "truncate" => Op::Truncate {
            size: f.num("size")?,
        },
        "copy" => {
            let (src, dst, len) = (f.num("src")?, f.num("dst")?, f.num("len")?);
            for end in [src.checked_add(len), dst.checked_add(len)] {
                end.filter(|&e| e <= MAX_OFFSET)
                    .ok_or("range beyond the limit")?;
            }
            Op::Copy { src, dst, len }
        }
        "fsync" => Op::Fsync,
        "fdatasync" => Op::Fdatasync,
        "reopen" => Op::Reopen,
        "remount" => Op::Remount,
        other => {
            let mode =
                FallocMode::from_name(other).ok_or_else(|| format!("unknown op '{other}'"))?;
            let (off, len) = (f.num("off")?, f.num("len")?);
            off.checked_add(len)
                .filter(|&e| e <= MAX_OFFSET)
                .ok_or("off + len beyond the limit")?;
            if len == 0 {
                return Err("len=0".into());
            }
            Op::Falloc { mode, off, len }
        }
    };
    f.done()?;
    Ok((n, op))
}

/// Parses a whole log; ops must be numbered 1, 2, 3... (a replay reruns all of them).
pub fn parse(text: &str) -> Result<Replay, String> {
    let mut replay = Replay::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(settings) = comment.trim().strip_prefix("rnw-fsx ") {
                if replay.ops.is_empty() {
                    for kv in settings.split_whitespace() {
                        if let Some((k, v)) = kv.split_once('=') {
                            replay.settings.insert(k.to_string(), v.to_string());
                        }
                    }
                }
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let (n, op) = parse_op(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        let want = replay.ops.len() as u64 + 1;
        if n != want {
            return Err(format!(
                "line {}: op {n} where op {want} was expected",
                i + 1
            ));
        }
        replay.ops.push(op);
    }
    Ok(replay)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_kinds() -> Vec<Op> {
        let mut ops = Vec::new();
        for via in Engine::ALL {
            let mut io = Io::new(via, 0x1000, 0x2000);
            if via.is_queued() {
                io.depth = 3;
            }
            io.fixed = via.is_uring();
            ops.push(Op::Read(io));
            io.msync = via == Engine::Mmap;
            ops.push(Op::Write(io));
        }
        for mode in FallocMode::ALL {
            ops.push(Op::Falloc {
                mode,
                off: 0x123,
                len: 0x4567,
            });
        }
        ops.push(Op::Truncate { size: 0x3_0001 });
        ops.push(Op::Copy {
            src: 1,
            dst: 0x9000,
            len: 0x800,
        });
        ops.extend([Op::Fsync, Op::Fdatasync, Op::Reopen, Op::Remount]);
        ops
    }

    #[test]
    fn every_op_round_trips() {
        let ops = all_kinds();
        let mut text = String::from("# rnw-fsx seed=7 align=512 pollute-eof=1\n");
        for (i, op) in ops.iter().enumerate() {
            text.push_str(&format_op(i as u64 + 1, op));
            text.push('\n');
        }
        let replay = parse(&text).unwrap();
        assert_eq!(replay.ops, ops);
        assert_eq!(
            replay.settings.get("align").map(String::as_str),
            Some("512")
        );
        assert_eq!(replay.settings.get("seed").map(String::as_str), Some("7"));
    }

    #[test]
    fn the_writer_writes_what_parse_reads() {
        let path = std::env::temp_dir().join(format!("rnw-fsx-logtest-{}", std::process::id()));
        let mut w = LogWriter::create(&path).unwrap();
        w.line("# rnw-fsx seed=1").unwrap();
        for (i, op) in all_kinds().iter().enumerate() {
            w.op(i as u64 + 1, op).unwrap();
        }
        drop(w);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(parse(&text).unwrap().ops, all_kinds());
    }

    #[test]
    fn bad_lines_are_refused_with_their_line_number() {
        for (text, want) in [
            ("1 read via=direct off=0x0\n", "line 1: 'len=' missing"),
            ("1 fsync\n3 fsync\n", "line 2: op 3 where op 2 was expected"),
            ("1 read via=floppy off=0 len=1\n", "unknown engine"),
            (
                "1 write via=buffered off=0 len=1 depth=2\n",
                "unexpected 'depth='",
            ),
            ("1 truncate size=0x80000000\n", "beyond"),
            ("1 copy src=0xffffffffffffffff dst=0 len=2\n", "beyond"),
            ("1 punch off=0 len=0\n", "len=0"),
            ("1 mkdir\n", "unknown op"),
            (
                "1 read via=aio off=0 len=0x1000 depth=0\n",
                "depth out of range",
            ),
            (
                "1 read via=uring off=0 len=1 depth=1 fixed=2\n",
                "say 0 or 1",
            ),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }
}
