// SPDX-License-Identifier: GPL-2.0
//! fsck.rnwfs [-q] DEVICE — exit 0 clean, 4 inconsistencies found, 8 operational error
//! (e2fsck's convention). Read-only: nothing is repaired.

use fsck_rnwfs::check;
use rnwfs_format::device::Device;
use std::{path::PathBuf, process::ExitCode};

const USAGE: &str = "usage: fsck.rnwfs [-q] DEVICE

Checks the rnwfs on DEVICE (block device or image file) without changing it: superblock,
bitmap against extents, blocks claimed twice, free counts, link counts, directory
structure, reachability, sizes.
Exit status: 0 clean, 4 inconsistencies found, 8 operational error, 16 usage error.
  -q          print only problems
  -h, --help  this help";

fn main() -> ExitCode {
    let mut quiet = false;
    let mut device: Option<PathBuf> = None;
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "-q" => quiet = true,
            "-n" | "-f" => {} // accepted for fsck(8) compatibility: always read-only, always full
            _ if a.starts_with('-') => return usage(&format!("unknown option {a}")),
            _ if device.is_none() => device = Some(PathBuf::from(a)),
            _ => return usage("more than one device given"),
        }
    }
    let Some(path) = device else {
        return usage("no device given");
    };
    let report = match Device::open(&path, false).and_then(|d| check(&d)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("fsck.rnwfs: {}: {e}", path.display());
            return ExitCode::from(8);
        }
    };
    for p in &report.problems {
        println!("{}: {p}", path.display());
    }
    if !quiet || !report.problems.is_empty() {
        println!(
            "{}: {}, {} files, {} directories, {} symlinks, {} blocks used",
            path.display(),
            if report.problems.is_empty() {
                "clean".to_string()
            } else {
                format!("{} problem(s)", report.problems.len())
            },
            report.files,
            report.directories,
            report.symlinks,
            report.used_blocks
        );
    }
    if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(4)
    }
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("fsck.rnwfs: {msg}\n{USAGE}");
    ExitCode::from(16)
}
