// SPDX-License-Identifier: GPL-2.0
//! rnwfs's per-file nowait statistics (RNWFS_IOC_NOWAIT_STATS), through rnwfsctl's binding
//! of include/uapi/linux/rnwfs.h, reduced to what policy (c) needs: reads served and reads
//! refused. On other filesystems the ioctl is unknown (ENOTTY; some answer EINVAL or
//! EOPNOTSUPP to foreign ioctls): then there are no kernel statistics.

#[allow(dead_code)] // the flags ioctls of the binding are rnwfsctl's, not used here
#[path = "../../rnwfsctl/src/uapi.rs"]
#[rustfmt::skip] // rnwfsctl's file, formatted as rnwfsctl keeps it
mod uapi;

use std::{fs::File, io, os::fd::AsRawFd};

/// (read_ok, the sum of read_eagain over the causes) of the file, or None where the
/// filesystem has no such statistics.
pub fn read_counts(file: &File) -> io::Result<Option<(u64, u64)>> {
    match uapi::Stats::get(file.as_raw_fd(), false) {
        Ok(s) => Ok(Some((
            s.read_ok,
            s.read_eagain.iter().fold(0u64, |a, &b| a.saturating_add(b)),
        ))),
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::ENOTTY | libc::EINVAL | libc::EOPNOTSUPP)
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
