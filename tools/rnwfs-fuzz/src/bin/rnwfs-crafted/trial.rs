// SPDX-License-Identifier: GPL-2.0
//! One image through the kernel: written to a file on tmpfs, bound to a loop device of its
//! size, mounted (writethrough if the image says so), walked, unmounted, unbound. What
//! happened is the outcome; an `Err` is the harness failing (no loop device, an unmount
//! refused), which ends the campaign.

use crate::{image::Image, sys, walk::Walk};
use std::{
    fs::{self, File},
    io::{self, Write},
    path::{Path, PathBuf},
    thread,
    time::Duration,
};

/// The campaign's scratch space: a private tmpfs holding the image file and the mount point.
pub struct Work {
    pub dir: PathBuf,
    image: PathBuf,
    mnt: PathBuf,
}

impl Work {
    pub fn new() -> io::Result<Self> {
        let dir = std::env::temp_dir().join(format!("rnwfs-crafted.{}", std::process::id()));
        fs::create_dir_all(&dir)?;
        sys::mount(Path::new("tmpfs"), &dir, "tmpfs", "size=64m,mode=0700")
            .map_err(|e| io::Error::other(format!("tmpfs on {}: {e}", dir.display())))?;
        let (image, mnt) = (dir.join("image"), dir.join("mnt"));
        fs::create_dir(&mnt)?;
        Ok(Self { dir, image, mnt })
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
}

impl Outcome {
    pub fn class(&self) -> Class {
        if self.refused.is_some() {
            Class::Refused
        } else if self.errors.iter().any(|&(_, e)| e == libc::EIO || e == libc::EUCLEAN) {
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

pub fn run(work: &Work, image: &Image, verbose: bool) -> io::Result<Outcome> {
    let mut f = File::create(&work.image)?;
    f.write_all(&image.data)?;
    let lp = sys::Loop::attach(&f).map_err(|e| io::Error::other(format!("loop device: {e}")))?;
    let options = if image.writethrough { "writethrough" } else { "" };
    if let Err(e) = sys::mount(&lp.path, &work.mnt, "rnwfs", options) {
        let log = if verbose { vec![format!("mount -o '{options}': {e}")] } else { Vec::new() };
        return Ok(Outcome { refused: Some(e.raw_os_error().unwrap_or(0)), read_only: false, errors: Vec::new(), log });
    }
    let read_only = sys::read_only(&work.mnt).unwrap_or(false);
    let mut walk = Walk::new(&work.mnt, verbose);
    walk.run(read_only);
    umount(&work.mnt).map_err(|e| io::Error::other(format!("umount {}: {e}", work.mnt.display())))?;
    drop(lp);
    let mut log = walk.log.take().unwrap_or_default();
    if verbose {
        log.insert(0, format!("mount -o '{options}': ok{}", if read_only { ", read-only" } else { "" }));
    }
    Ok(Outcome { refused: None, read_only, errors: walk.errors, log })
}
