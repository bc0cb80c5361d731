// SPDX-License-Identifier: GPL-2.0
//! rnwfsctl: the rnwfs ioctls of include/uapi/linux/rnwfs.h from the command line.
//!
//!   rnwfsctl stats [-f] FILE            nowait counters of FILE (-f: of its filesystem)
//!   rnwfsctl writethrough FILE [on|off] show or set FILE's writethrough flag

use std::{fs::File, os::fd::AsRawFd, process::ExitCode};

mod uapi;
use uapi::{Stats, CAUSES};

const USAGE: &str = "usage: rnwfsctl stats [-f] FILE\n       rnwfsctl writethrough FILE [on|off]";

fn stats(path: &str, whole_fs: bool) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let s = Stats::get(file.as_raw_fd(), whole_fs).map_err(|e| format!("{path}: {e}"))?;
    println!("read_ok {}", s.read_ok);
    for (name, n) in CAUSES.iter().zip(s.read_eagain) {
        println!("read_eagain_{name} {n}");
    }
    println!("write_ok {}", s.write_ok);
    for (name, n) in CAUSES.iter().zip(s.write_eagain) {
        println!("write_eagain_{name} {n}");
    }
    Ok(())
}

fn writethrough(path: &str, set: Option<&str>) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let fd = file.as_raw_fd();
    let mut flags = uapi::get_flags(fd).map_err(|e| format!("{path}: {e}"))?;
    match set {
        None => {}
        Some("on") => flags |= uapi::FL_WRITETHROUGH,
        Some("off") => flags &= !uapi::FL_WRITETHROUGH,
        Some(other) => return Err(format!("'{other}': say on or off\n{USAGE}")),
    }
    if set.is_some() {
        uapi::set_flags(fd, flags).map_err(|e| format!("{path}: {e}"))?;
    }
    println!(
        "{path}: writethrough {}",
        if flags & uapi::FL_WRITETHROUGH != 0 {
            "on"
        } else {
            "off"
        }
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["stats", "-f", path] => stats(path, true),
        ["stats", path] => stats(path, false),
        ["writethrough", path] => writethrough(path, None),
        ["writethrough", path, set] => writethrough(path, Some(set)),
        ["-h" | "--help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rnwfsctl: {e}");
            ExitCode::from(1)
        }
    }
}
