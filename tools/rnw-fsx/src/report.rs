// SPDX-License-Identifier: GPL-2.0
//! What a failure says: the first differing byte, where its data came from (pattern.rs),
//! a hex dump around it, and the last ops that touched that offset.

use crate::{
    ops::Op,
    pattern::{self, Origin},
};
use std::fmt::Write;

/// One executed op and the file size around it.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub op: Op,
    pub size_before: u64,
    pub size_after: u64,
}

/// A failed run: the message, and the file offset whose history explains it.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub offset: Option<u64>,
}

impl Failure {
    pub fn error(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            offset: None,
        }
    }
}

/// Compares what a read returned (`got`, from file offset `base`) with the model's bytes
/// (`want`). `what` names the read; `last_op` bounds attribution.
pub fn compare(
    what: &str,
    base: u64,
    got: &[u8],
    want: &[u8],
    last_op: u32,
    history: &[Entry],
) -> Result<(), Failure> {
    let common = got.len().min(want.len());
    let first = (0..common).find(|&i| got[i] != want[i]);
    if first.is_none() && got.len() == want.len() {
        return Ok(());
    }
    let mut m = String::new();
    let _ = writeln!(m, "MISCOMPARE: {what}");
    let bad_at = match first {
        Some(i) => {
            let bad = (i..common).filter(|&j| got[j] != want[j]).count();
            let last = (i..common).rev().find(|&j| got[j] != want[j]).unwrap_or(i);
            let _ = writeln!(
                m,
                "  bad byte at {:#x}: expected {:#04x}, got {:#04x}; {bad} bad byte(s) up to {:#x}",
                base + i as u64,
                want[i],
                got[i],
                base + last as u64
            );
            i
        }
        None => common,
    };
    if got.len() != want.len() {
        let _ = writeln!(
            m,
            "  the read returned {:#x} bytes from {base:#x}, the model has {:#x} there",
            got.len(),
            want.len()
        );
    }
    let off = base + bad_at as u64;
    if bad_at < want.len() {
        let _ = writeln!(
            m,
            "  expected: {}",
            describe(want, base, bad_at, last_op, history, false)
        );
    } else {
        let _ = writeln!(
            m,
            "  expected: nothing (EOF at {:#x})",
            base + want.len() as u64
        );
    }
    if bad_at < got.len() {
        let _ = writeln!(
            m,
            "  got:      {}",
            describe(got, base, bad_at, last_op, history, true)
        );
    } else {
        let _ = writeln!(
            m,
            "  got:      nothing (the read ended at {:#x})",
            base + got.len() as u64
        );
    }
    m.push_str(&hex_dump(base, got, want, bad_at));
    Err(Failure {
        message: m,
        offset: Some(off),
    })
}

/// Where byte `i` of `buf` (file offset base+i) came from, in words.
fn describe(
    buf: &[u8],
    base: u64,
    i: usize,
    last_op: u32,
    history: &[Entry],
    is_got: bool,
) -> String {
    let off = base + i as u64;
    match pattern::origin(buf, base, i, last_op) {
        Origin::Op { op, at } => {
            let src = op_line(history, op);
            if at == off {
                format!("looks like data from op {op} (written at this offset){src}")
            } else {
                format!("looks like data from op {op}, written at {at:#x} and moved here (copy){src}")
            }
        }
        Origin::Pollution { at } => format!(
            "the --pollute-eof data put past EOF at {at:#x}: a size change did not zero the EOF block"
        ),
        Origin::Zero if is_got => "zeros (a hole, or data that was never written or was lost)".into(),
        Origin::Zero => "zeros (a hole, an extension, a punched/zeroed range or a truncate)".into(),
        Origin::Unknown => {
            // No whole record around the byte: try the writes that covered it, newest
            // first, on the bytes around it.
            let end = (i + 4).min(buf.len());
            for (n, e) in history.iter().enumerate().rev() {
                if let Op::Write(io) = e.op {
                    if io.off <= off && off < io.off + io.len && pattern::matches(&buf[i..end], n as u32 + 1, off) {
                        return format!("matches op {}'s pattern{}", n + 1, op_line(history, n as u32 + 1));
                    }
                }
            }
            "data this tester never wrote (a corrupted or foreign byte)".into()
        }
    }
}

fn op_line(history: &[Entry], op: u32) -> String {
    match history.get((op as usize).wrapping_sub(1)) {
        Some(e) => format!(" [op {op}: {}]", e.op),
        None => String::new(),
    }
}

/// 64 bytes around `at` (an index into both buffers), 16 a row: expected, got, and ^^
/// under the bytes that differ; "--" where a buffer has no byte.
fn hex_dump(base: u64, got: &[u8], want: &[u8], at: usize) -> String {
    let start = at.saturating_sub(32) & !15;
    let end = (start + 64).min(got.len().max(want.len()));
    let mut s = String::from("  hex dump (file offsets):\n");
    let byte = |b: Option<&u8>| b.map_or("--".to_string(), |b| format!("{b:02x}"));
    let mut row = start;
    while row < end {
        let cols = row..(row + 16).min(end);
        let exp: Vec<String> = cols.clone().map(|i| byte(want.get(i))).collect();
        let got_row: Vec<String> = cols.clone().map(|i| byte(got.get(i))).collect();
        let marks: Vec<&str> = cols
            .clone()
            .map(|i| {
                if want.get(i) != got.get(i) {
                    "^^"
                } else {
                    "  "
                }
            })
            .collect();
        let _ = writeln!(
            s,
            "  {:#010x} expected {}",
            base + row as u64,
            exp.join(" ")
        );
        let _ = writeln!(s, "  {:10} got      {}", "", got_row.join(" "));
        let marks = marks.join(" ");
        if !marks.trim().is_empty() {
            let _ = writeln!(s, "  {:10}          {}", "", marks.trim_end());
        }
        row += 16;
    }
    s
}

/// The last `n` ops that read or changed the byte at `off` (numbered from 1).
pub fn ops_touching(history: &[Entry], off: u64, n: usize) -> String {
    let mut lines: Vec<String> = history
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, e)| e.op.touches(off, e.size_before, e.size_after))
        .take(n)
        .map(|(i, e)| {
            format!(
                "  {:>8} {} (size {:#x} -> {:#x})",
                i + 1,
                e.op,
                e.size_before,
                e.size_after
            )
        })
        .collect();
    lines.reverse();
    if lines.is_empty() {
        return format!("no op touched {off:#x}\n");
    }
    format!(
        "last {} op(s) touching {off:#x}:\n{}\n",
        lines.len(),
        lines.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{Engine, Io};

    fn write_entry(off: u64, len: u64) -> Entry {
        Entry {
            op: Op::Write(Io::new(Engine::Buffered, off, len)),
            size_before: 0x10000,
            size_after: 0x10000,
        }
    }

    #[test]
    fn equal_buffers_pass() {
        assert!(compare("r", 0, b"abc", b"abc", 1, &[]).is_ok());
    }

    #[test]
    fn stale_data_is_attributed_to_the_older_write() {
        // Op 1 wrote 0x1000..0x1040, op 2 overwrote it; the read returns op 1's data.
        let history = [write_entry(0x1000, 0x40), write_entry(0x1000, 0x40)];
        let mut old = vec![0u8; 0x40];
        pattern::fill(&mut old, 1, 0x1000);
        let mut new = vec![0u8; 0x40];
        pattern::fill(&mut new, 2, 0x1000);
        let f = compare("read op 3", 0x1000, &old, &new, 2, &history).unwrap_err();
        assert!(f.message.contains("bad byte at 0x1000"), "{}", f.message);
        assert!(
            f.message
                .contains("got:      looks like data from op 1 (written at this offset)"),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("expected: looks like data from op 2"),
            "{}",
            f.message
        );
        assert!(f.message.contains("^^"), "{}", f.message);
        assert_eq!(f.offset, Some(0x1000));
    }

    #[test]
    fn non_zero_where_zeros_belong_and_short_reads_are_reported() {
        let history = [write_entry(0, 0x20)];
        let mut got = vec![0u8; 0x20];
        pattern::fill(&mut got, 1, 0);
        let f = compare("read", 0, &got, &[0u8; 0x20], 1, &history).unwrap_err();
        assert!(f.message.contains("expected: zeros"), "{}", f.message);
        let f = compare("read", 0x10, &got[..4], &got[..8], 1, &history).unwrap_err();
        assert!(f.message.contains("returned 0x4 bytes"), "{}", f.message);
        assert!(f.message.contains("got:      nothing"), "{}", f.message);
        assert_eq!(f.offset, Some(0x14));
    }

    #[test]
    fn history_lists_the_ops_touching_an_offset() {
        let mut h: Vec<Entry> = (0..30).map(|i| write_entry(i * 0x100, 0x80)).collect();
        h.push(Entry {
            op: Op::Truncate { size: 0x50 },
            size_before: 0x2000,
            size_after: 0x50,
        });
        let s = ops_touching(&h, 0x120, 20);
        assert!(s.contains("last 2 op(s)"), "{s}");
        assert!(s.contains("       2 write via=buffered off=0x100"), "{s}");
        assert!(s.contains("truncate size=0x50"), "{s}");
    }
}
