// SPDX-License-Identifier: GPL-2.0
//! The campaign's main seed image, made by the kernel: mkfs (mkfs-rnwfs' library) into a
//! 4 MiB image, mounted on a loop device and populated through rnwfs itself, then checked
//! clean by fsck. Its structures are the module's own: inline extents, a file of 400
//! one-block extents (a chain of three extent blocks), a preallocated file, an empty one,
//! nested directories, a directory of two blocks (64 hard links to one file), hard links
//! across directories, short, dangling and 3000-byte symlinks.

use crate::sys;
use mkfs_rnwfs::{mkfs, Options};
use rnwfs_format::{device::Device, BLOCK_SIZE};
use std::{
    fs::{self, File},
    io,
    os::unix::fs::{symlink, FileExt},
    path::Path,
};

pub const BLOCKS: usize = 1024;
/// One-block extents of the sparse file, every other file block.
const SPARSE_EXTENTS: u64 = 400;

fn other(what: String) -> io::Error {
    io::Error::other(what)
}

/// Data that differs from file to file and from block to block.
fn data(len: usize, tag: u8) -> Vec<u8> {
    (0..len)
        .map(|i| tag.wrapping_mul(31) ^ (i / 7) as u8)
        .collect()
}

fn populate(m: &Path) -> io::Result<()> {
    fs::write(m.join("small"), data(100, 1))?;
    fs::write(m.join("medium"), data(64 * 1024, 2))?;
    let sparse = File::create(m.join("sparse"))?;
    let block = data(BLOCK_SIZE, 3);
    for n in 0..SPARSE_EXTENTS {
        sparse.write_all_at(&block, 2 * n * BLOCK_SIZE as u64)?;
    }
    sparse.sync_all()?;
    let prealloc = File::create(m.join("prealloc"))?;
    sys::preallocate(&prealloc, 0, 16 * BLOCK_SIZE as i64)?;
    File::create(m.join("empty"))?;
    fs::create_dir_all(m.join("d1/sub"))?;
    fs::write(m.join("d1/f1"), data(8192, 4))?;
    fs::write(m.join("d1/f2"), data(3000, 5))?;
    fs::write(m.join("d1/sub/deep"), data(1024, 6))?;
    symlink("/nonexistent/target", m.join("d1/abs"))?;
    fs::hard_link(m.join("small"), m.join("d1/small-link"))?;
    fs::create_dir(m.join("d2"))?;
    fs::create_dir(m.join("d3"))?;
    fs::write(m.join("d3/target"), data(5000, 7))?;
    // 64 more names: the directory's 66 entries need a second block.
    for n in 0..64 {
        fs::hard_link(m.join("d3/target"), m.join(format!("d3/e{n:02}")))?;
    }
    symlink("small", m.join("sl"))?;
    symlink("a/".repeat(1500), m.join("long-sl"))?;
    fs::hard_link(m.join("d1/f1"), m.join("hl"))?;
    sys::syncfs(&File::open(m)?)
}

/// Makes the seed in `work` (a directory on tmpfs) and returns its image.
pub fn make(work: &Path) -> io::Result<Vec<u8>> {
    let dev = Device::memory(vec![0u8; BLOCKS * BLOCK_SIZE]);
    let opts = Options {
        label: Some("crafted".into()),
        uuid: Some([0xc4; 16]),
        now: Some(1_700_000_000),
        ..Default::default()
    };
    mkfs(&dev, &opts).map_err(|e| other(format!("mkfs: {e}")))?;
    let image = dev
        .into_image()
        .ok_or_else(|| other("mkfs: not a memory device".into()))?;
    let path = work.join("seed.img");
    fs::write(&path, &image)?;
    let mnt = work.join("seed-mnt");
    fs::create_dir_all(&mnt)?;
    {
        let file = fs::OpenOptions::new().read(true).write(true).open(&path)?;
        let lp = sys::Loop::attach(&file).map_err(|e| other(format!("loop device: {e}")))?;
        sys::mount(&lp.path, &mnt, "rnwfs", "")
            .map_err(|e| other(format!("mount {}: {e}", lp.path.display())))?;
        let filled = populate(&mnt).map_err(|e| other(format!("populating the seed: {e}")));
        sys::umount(&mnt).map_err(|e| other(format!("umount: {e}")))?;
        filled?;
    }
    fs::remove_dir(&mnt)?;
    let image = fs::read(&path)?;
    fs::remove_file(&path)?;
    let report = fsck_rnwfs::check(&Device::memory(image.clone()))?;
    if !report.problems.is_empty() {
        return Err(other(format!(
            "the seed rnwfs made is not clean: {:?}",
            report.problems
        )));
    }
    Ok(image)
}
