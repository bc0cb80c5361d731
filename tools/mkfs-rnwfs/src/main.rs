// SPDX-License-Identifier: GPL-2.0
//! mkfs.rnwfs [-L LABEL] [-N INODES] [-q] DEVICE

use mkfs_rnwfs::{mkfs, Options};
use rnwfs_format::{device::Device, BLOCK_SIZE};
use std::{path::PathBuf, process::ExitCode};

const USAGE: &str = "usage: mkfs.rnwfs [-L LABEL] [-N INODES] [-q] DEVICE

Makes an empty rnwfs (4 KiB blocks) on DEVICE, a block device or an image file.
  -L LABEL    volume label (up to 32 bytes)
  -N INODES   number of inodes (default: one per 16 KiB, at least 16)
  -q          print nothing on success
  -h, --help  this help";

fn main() -> ExitCode {
    let mut opts = Options::default();
    let mut quiet = false;
    let mut device: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "-q" => quiet = true,
            "-L" => opts.label = args.next(),
            "-N" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => opts.inodes = Some(n),
                None => return usage_error("-N needs a number"),
            },
            _ if a.starts_with('-') => return usage_error(&format!("unknown option {a}")),
            _ if device.is_none() => device = Some(PathBuf::from(a)),
            _ => return usage_error("more than one device given"),
        }
    }
    let Some(path) = device else {
        return usage_error("no device given");
    };
    let dev = match Device::open(&path, true) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("mkfs.rnwfs: {}: {e}", path.display());
            return ExitCode::from(1);
        }
    };
    match mkfs(&dev, &opts) {
        Ok(sb) => {
            if !quiet {
                let l = sb.layout;
                println!(
                    "{}: rnwfs, {} blocks of {} bytes ({} MiB), {} inodes, {} data blocks free",
                    path.display(),
                    l.total_blocks,
                    BLOCK_SIZE,
                    (l.total_blocks * BLOCK_SIZE as u64) >> 20,
                    l.inode_count,
                    sb.free_blocks
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mkfs.rnwfs: {}: {e}", path.display());
            ExitCode::from(1)
        }
    }
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("mkfs.rnwfs: {msg}\n{USAGE}");
    ExitCode::from(2)
}
