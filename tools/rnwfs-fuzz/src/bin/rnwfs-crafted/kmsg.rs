// SPDX-License-Identifier: GPL-2.0
//! Judging the kernel log image by image: /dev/kmsg is read from its end before the first
//! image, then after each image everything the kernel logged since. A message is a kernel
//! bug report if it matches one of scripts/scan-kernel-log.sh's patterns (the guest
//! runner's own judge; a test keeps the two lists equal) or one of the memory and data
//! checkers' own headers. Everything else a crafted image makes the kernel say (rnwfs'
//! refusals, I/O errors of a loop device probed past a shrunk image) is no failure.

use std::{
    fs::{File, OpenOptions},
    io::{self, Read, Seek, SeekFrom},
    os::unix::fs::OpenOptionsExt,
};

/// scripts/scan-kernel-log.sh's patterns (extended regular expressions; ".*" is the only
/// operator they use).
pub const SCAN_PATTERNS: &[&str] = &[
    "BUG:",
    "WARNING:",
    "Oops",
    "sleeping function called from invalid context",
    "Call Trace",
    "possible recursive locking detected",
    "possible circular locking dependency",
    "inconsistent lock state",
    "turning off the locking correctness validator",
    "DEBUG_LOCKS_WARN_ON",
    "INFO: task .* blocked for more than",
    "Kernel panic",
    "general protection fault",
    "rcu: INFO",
    "stack-protector",
    "kernel BUG at",
    "rust_panic",
    "panicked at",
];

/// Reports the scan would see only through their "BUG:"/"WARNING:" line, named here so a
/// report is recognised by any of its lines (KASAN and KFENCE print "BUG: KASAN: ..." and
/// "BUG: KFENCE: ..."; DEBUG_LIST and refcount_t print through WARN).
const MORE_PATTERNS: &[&str] = &[
    "KASAN",
    "KFENCE",
    "UBSAN:",
    "list_add corruption",
    "list_del corruption",
    "refcount_t:",
];

/// Whether `text` matches `pattern`, whose only operator is ".*".
fn matches(text: &str, pattern: &str) -> bool {
    let mut rest = text;
    let mut parts = pattern.split(".*");
    let Some(first) = parts.next() else {
        return true;
    };
    let Some(at) = rest.find(first) else {
        return false;
    };
    rest = &rest[at + first.len()..];
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whether a kernel message is a bug report (a WARN, BUG, oops, lockdep or checker report).
pub fn is_report(message: &str) -> bool {
    SCAN_PATTERNS
        .iter()
        .chain(MORE_PATTERNS)
        .any(|p| matches(message, p))
}

pub struct Kmsg {
    f: File,
}

/// What the kernel logged since the last look.
#[derive(Default)]
pub struct Since {
    /// Every message, in order.
    pub messages: Vec<String>,
    /// Records overwritten before they were read (EPIPE): what they said is unknown.
    pub lost: bool,
}

impl Since {
    pub fn reports(&self) -> impl Iterator<Item = &String> {
        self.messages.iter().filter(|m| is_report(m))
    }
}

impl Kmsg {
    /// Opens /dev/kmsg positioned after its last record.
    pub fn open() -> io::Result<Self> {
        let mut f = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open("/dev/kmsg")?;
        f.seek(SeekFrom::End(0))?;
        Ok(Self { f })
    }

    /// Every record logged since the last call (or the open).
    pub fn since(&mut self) -> io::Result<Since> {
        let mut out = Since::default();
        // One record per read; the largest is 8 KiB (PRINTK_MESSAGE_MAX + its prefix).
        let mut buf = vec![0u8; 16384];
        loop {
            match self.f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => out.messages.push(message(&buf[..n])),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => out.lost = true, // next read goes on
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

/// The text of a /dev/kmsg record: "LEVEL,SEQ,USEC,FLAGS;text\n", then " KEY=value" lines
/// (dropped).
fn message(record: &[u8]) -> String {
    let s = String::from_utf8_lossy(record);
    let first = s.lines().next().unwrap_or("");
    first
        .split_once(';')
        .map_or(first, |(_, text)| text)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patterns_are_the_log_scans() {
        let script = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/scan-kernel-log.sh"
        ))
        .unwrap();
        let start = script.find("patterns=(").unwrap();
        let end = start + script[start..].find("\n)").unwrap();
        let theirs: Vec<&str> = script[start..end]
            .lines()
            .skip(1)
            .map(|l| l.trim().trim_matches('\''))
            .collect();
        assert_eq!(
            theirs, SCAN_PATTERNS,
            "scripts/scan-kernel-log.sh changed its patterns: copy them here"
        );
    }

    #[test]
    fn reports_are_recognised_and_refusals_are_not() {
        for report in [
            "WARNING: CPU: 1 PID: 321 at fs/inode.c:417 drop_nlink+0x3c/0x50",
            "BUG: KFENCE: use-after-free read in rnwfs_lookup+0x1/0x2",
            "INFO: task rnwfs-crafted:99 blocked for more than 120 seconds.",
            "Oops: general protection fault, probably for non-canonical address",
            "kernel BUG at mm/filemap.c:1501!",
            "list_del corruption. prev->next should be ffff, but was 0000",
        ] {
            assert!(is_report(report), "{report}");
        }
        for quiet in [
            "rnwfs: inode 5: extent block 40: checksum mismatch",
            "loop0: detected capacity change from 0 to 8192",
            "I/O error, dev loop0, sector 8184 op 0x0:(READ) flags 0x80700 phys_seg 1 prio class 0",
            "Buffer I/O error on dev loop0, logical block 1023, async page read",
            "rnwfs: not cleanly unmounted: mounting read-only; run fsck.rnwfs",
            "INFO: task list",
        ] {
            assert!(!is_report(quiet), "{quiet}");
        }
    }

    #[test]
    fn records_lose_their_prefix_and_dictionary() {
        assert_eq!(
            message(b"4,812,9351210,-;WARNING: CPU: 0 PID: 1\n SUBSYSTEM=block\n"),
            "WARNING: CPU: 0 PID: 1"
        );
        assert_eq!(message(b"no prefix"), "no prefix");
    }
}
