// SPDX-License-Identifier: GPL-2.0
//! include/uapi/linux/rnwfs.h for Rust: the stats struct, the flags, the ioctl numbers.

use std::io;

/// `enum rnwfs_nowait_cause`, in order.
pub const CAUSES: [&str; 6] = ["alloc", "lock", "cache", "writeback", "device", "other"];
pub const STATS_VERSION: u32 = 1;
pub const FL_WRITETHROUGH: u32 = 1;

/// `struct rnwfs_nowait_stats`.
#[repr(C)]
#[derive(Default, Debug)]
pub struct Stats {
    pub version: u32,
    pub size: u32,
    pub read_ok: u64,
    pub write_ok: u64,
    pub read_eagain: [u64; 6],
    pub write_eagain: [u64; 6],
}

const fn ior(nr: u64, size: usize) -> u64 {
    (2 << 30) | ((size as u64) << 16) | ((IOC_MAGIC as u64) << 8) | nr
}
const fn iow(nr: u64, size: usize) -> u64 {
    (1 << 30) | ((size as u64) << 16) | ((IOC_MAGIC as u64) << 8) | nr
}
/// RNWFS_IOC_MAGIC (uapi version 2; version 1 used 'r' 0x10-0x13, FAT's range).
const IOC_MAGIC: u8 = 0xB9;
const IOC_NOWAIT_STATS: u64 = ior(0x00, std::mem::size_of::<Stats>());
const IOC_SB_NOWAIT_STATS: u64 = ior(0x01, std::mem::size_of::<Stats>());
const IOC_GETFLAGS: u64 = ior(0x02, 4);
const IOC_SETFLAGS: u64 = iow(0x03, 4);

extern "C" {
    fn ioctl(fd: i32, request: u64, ...) -> i32;
}

fn check(ret: i32) -> io::Result<()> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

impl Stats {
    pub fn get(fd: i32, whole_fs: bool) -> io::Result<Self> {
        let mut s = Stats::default();
        let req = if whole_fs {
            IOC_SB_NOWAIT_STATS
        } else {
            IOC_NOWAIT_STATS
        };
        // SAFETY: the kernel writes one struct rnwfs_nowait_stats, whose layout Stats is.
        check(unsafe { ioctl(fd, req, &mut s as *mut Stats) })?;
        if s.version != STATS_VERSION {
            return Err(io::Error::other(format!(
                "statistics version {}, this tool knows {STATS_VERSION}",
                s.version
            )));
        }
        Ok(s)
    }
}

pub fn get_flags(fd: i32) -> io::Result<u32> {
    let mut flags = 0u32;
    // SAFETY: the kernel writes one u32.
    check(unsafe { ioctl(fd, IOC_GETFLAGS, &mut flags as *mut u32) })?;
    Ok(flags)
}

pub fn set_flags(fd: i32, flags: u32) -> io::Result<()> {
    // SAFETY: the kernel reads one u32.
    check(unsafe { ioctl(fd, IOC_SETFLAGS, &flags as *const u32) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_numbers_match_the_header() {
        // _IOR(0xB9, 0x00, struct rnwfs_nowait_stats) with the struct's 120 bytes.
        assert_eq!(std::mem::size_of::<Stats>(), 120);
        assert_eq!(IOC_NOWAIT_STATS, 0x8078_B900);
        assert_eq!(IOC_SB_NOWAIT_STATS, 0x8078_B901);
        assert_eq!(IOC_GETFLAGS, 0x8004_B902);
        assert_eq!(IOC_SETFLAGS, 0x4004_B903);
    }
}
