// SPDX-License-Identifier: GPL-2.0
//! One image through the kernel: written to a file on tmpfs, bound to a loop device of its
//! size, mounted (writethrough if the image says so), walked, unmounted, unbound. What
//! happened is the outcome; an `Err` is the harness failing (no loop device, an unmount
//! refused), which ends the campaign.

use crate::{sys, walk::Walk};
use std::{
    fs::{self, File},
    io,
    os::unix::fs::FileExt,
    path::{Path, PathBuf},
    thread,
    time::{Duration, Instant},
};

/// The steps of a trial, timed (where a campaign's time goes).
pub const PHASES: [&str; 5] = ["image", "loop", "mount", "walk", "umount"];

/// The campaign's scratch space: a private tmpfs holding two image files (the next image
/// is written while the current one runs) and the mount point.
pub struct Work {
    pub dir: PathBuf,
    images: [PathBuf; 2],
    mnt: PathBuf,
}

impl Work {
    pub fn new() -> io::Result<Self> {
        let dir = std::env::temp_dir().join(format!("rnwfs-crafted.{}", std::process::id()));
        fs::create_dir_all(&dir)?;
        sys::mount(Path::new("tmpfs"), &dir, "tmpfs", "size=64m,mode=0700")
            .map_err(|e| io::Error::other(format!("tmpfs on {}: {e}", dir.display())))?;
        let (images, mnt) = ([dir.join("image-0"), dir.join("image-1")], dir.join("mnt"));
        fs::create_dir(&mnt)?;
        Ok(Self { dir, images, mnt })
    }

    pub fn image_files(&self) -> [PathBuf; 2] {
        self.images.clone()
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        let _ = sys::umount(&self.dir);
        let _ = fs::remove_dir(&self.dir);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The mount failed.
    Refused,
    /// The walk met EIO or EUCLEAN.
    Errors,
    /// Nothing failed with EIO or EUCLEAN (other errors may have: ENOSPC, ENOTEMPTY, ...).
    Clean,
}

pub struct Outcome {
    /// The mount's errno, if it failed.
    pub refused: Option<i32>,
    pub read_only: bool,
    /// (operation, errno) of every call of the walk that failed.
    pub errors: Vec<(&'static str, i32)>,
    pub log: Vec<String>,
    /// Time spent in each of PHASES.
    pub phases: [Duration; PHASES.len()],
}

impl Outcome {
    pub fn class(&self) -> Class {
        if self.refused.is_some() {
            Class::Refused
        } else if self
            .errors
            .iter()
            .any(|&(_, e)| e == libc::EIO || e == libc::EUCLEAN)
        {
            Class::Errors
        } else {
            Class::Clean
        }
    }
}

/// Unmounts, waiting a little for a reference that is going away (a closing file).
fn umount(mnt: &Path) -> io::Result<()> {
    let mut tries = 0;
    loop {
        match sys::umount(mnt) {
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && tries < 20 => {
                tries += 1;
                thread::sleep(Duration::from_millis(50));
            }
            r => return r,
        }
    }
}

/// Writes an image to the file at `path` (replacing what a trial left in it).
pub fn write_image(path: &Path, data: &[u8]) -> io::Result<()> {
    write_sparse(&File::create(path)?, data)
}

/// Writes `data` into the empty file `f`, leaving its zero blocks holes (tmpfs reads them
/// as zeros): a seed image is half empty, and every image costs its copy.
fn write_sparse(f: &File, data: &[u8]) -> io::Result<()> {
    const BLOCK: usize = rnwfs_format::BLOCK_SIZE;
    f.set_len(data.len() as u64)?;
    let zero = |n: usize| {
        data[n * BLOCK..((n + 1) * BLOCK).min(data.len())]
            .iter()
            .all(|&b| b == 0)
    };
    let blocks = data.len().div_ceil(BLOCK);
    let mut n = 0;
    while n < blocks {
        if zero(n) {
            n += 1;
            continue;
        }
        let first = n;
        while n < blocks && !zero(n) {
            n += 1;
        }
        let (from, to) = (first * BLOCK, (n * BLOCK).min(data.len()));
        f.write_all_at(&data[from..to], from as u64)?;
    }
    Ok(())
}

/// Runs the image in image file `file` of `work` (written by write_image).
pub fn run(work: &Work, file: usize, writethrough: bool, verbose: bool) -> io::Result<Outcome> {
    let mut phases = [Duration::ZERO; PHASES.len()];
    let mut t = Instant::now();
    let mut lap = |i: usize| {
        phases[i] += t.elapsed();
        t = Instant::now();
    };
    let path = work
        .images
        .get(file)
        .ok_or_else(|| io::Error::other("no such image file"))?;
    let f = fs::OpenOptions::new().read(true).write(true).open(path)?;
    let lp = sys::Loop::attach(&f).map_err(|e| io::Error::other(format!("loop device: {e}")))?;
    lap(1);
    let options = if writethrough { "writethrough" } else { "" };
    if let Err(e) = sys::mount(&lp.path, &work.mnt, "rnwfs", options) {
        lap(2);
        drop(lp);
        lap(1);
        let log = if verbose {
            vec![format!("mount -o '{options}': {e}")]
        } else {
            Vec::new()
        };
        let refused = Some(e.raw_os_error().unwrap_or(0));
        return Ok(Outcome {
            refused,
            read_only: false,
            errors: Vec::new(),
            log,
            phases,
        });
    }
    lap(2);
    let read_only = sys::read_only(&work.mnt).unwrap_or(false);
    let mut walk = Walk::new(&work.mnt, verbose);
    walk.run(read_only);
    lap(3);
    umount(&work.mnt)
        .map_err(|e| io::Error::other(format!("umount {}: {e}", work.mnt.display())))?;
    lap(4);
    drop(lp);
    lap(1);
    let mut log = walk.log.take().unwrap_or_default();
    if verbose {
        log.insert(
            0,
            format!(
                "mount -o '{options}': ok{}",
                if read_only { ", read-only" } else { "" }
            ),
        );
    }
    Ok(Outcome {
        refused: None,
        read_only,
        errors: walk.errors,
        log,
        phases,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_sparse_write_reads_back_whole() {
        let path =
            std::env::temp_dir().join(format!("rnwfs-crafted-sparse.{}", std::process::id()));
        let mut data = vec![0u8; 10 * 4096 + 100];
        data[5] = 1; // block 0
        data[3 * 4096..5 * 4096].fill(7); // blocks 3-4, one write
        data[10 * 4096 + 99] = 9; // the partial last block
        let f = std::fs::File::create(&path).unwrap();
        super::write_sparse(&f, &data).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), data);
        std::fs::remove_file(&path).unwrap();
    }
}
