// SPDX-License-Identifier: GPL-2.0
//! The walk of a mounted crafted image: every directory read and every entry stat'ed,
//! symlinks read, every file read (its start, its end, SEEK_DATA/SEEK_HOLE, a direct
//! read); then, on a read-write mount, writes (buffered, appending, direct), a fsync, a
//! truncate, a hole punched, a preallocation, new files, a directory and links, renames
//! (a file, a directory to another parent, a file over another), unlinks and rmdirs, a
//! syncfs. Every failed call is recorded with its errno: a crafted image may make any call
//! fail; only what the kernel logs decides whether the image found a bug.

use crate::sys;
use std::{
    collections::HashSet,
    fs::{self, File, OpenOptions},
    io,
    os::unix::fs::{symlink, FileExt, MetadataExt, OpenOptionsExt},
    path::{Path, PathBuf},
};

/// Bounds on what one image may make the walk do (a crafted directory can claim any size).
const MAX_ENTRIES: usize = 2048;
const MAX_DEPTH: usize = 12;
/// Bytes read from a file's start, and from its end.
const HEAD: usize = 128 * 1024;
const TAIL: usize = 32 * 1024;
const BS: usize = 4096;

pub struct Walk<'a> {
    root: &'a Path,
    /// (operation, errno) of every failed call.
    pub errors: Vec<(&'static str, i32)>,
    /// Every call and its result, when replaying one image.
    pub log: Option<Vec<String>>,
    files: Vec<(PathBuf, u64)>,
    dirs: Vec<PathBuf>,
    symlinks: Vec<PathBuf>,
    read: HashSet<u64>,
    entries: usize,
}

fn errno(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

/// A block of bytes that says where it was written (for a replay's reader).
fn pattern(len: usize, tag: u8) -> Vec<u8> {
    (0..len).map(|i| tag ^ (i as u8)).collect()
}

impl<'a> Walk<'a> {
    pub fn new(root: &'a Path, verbose: bool) -> Self {
        Self {
            root,
            errors: Vec::new(),
            log: verbose.then(Vec::new),
            files: Vec::new(),
            dirs: Vec::new(),
            symlinks: Vec::new(),
            read: HashSet::new(),
            entries: 0,
        }
    }

    /// Records the outcome of `op` on `path`; the value if it succeeded.
    fn note<T>(&mut self, op: &'static str, path: &Path, r: io::Result<T>) -> Option<T> {
        if let Some(log) = &mut self.log {
            let shown = path.strip_prefix(self.root).unwrap_or(path).display();
            log.push(match &r {
                Ok(_) => format!("{op} /{shown}: ok"),
                Err(e) => format!("{op} /{shown}: {e}"),
            });
        }
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push((op, errno(&e)));
                None
            }
        }
    }

    pub fn run(&mut self, read_only: bool) {
        let root = self.root.to_path_buf();
        self.note("stat", &root, fs::symlink_metadata(&root));
        self.tree(&root, 0);
        let files: Vec<(PathBuf, u64)> = self.files.clone();
        for (path, ino) in &files {
            if self.read.insert(*ino) {
                self.read_file(path);
            }
        }
        if read_only {
            return;
        }
        self.write_files();
        self.namespace();
        let r = File::open(&root).and_then(|f| sys::syncfs(&f));
        self.note("syncfs", &root, r);
        // What the changes left, read again.
        self.entries = 0;
        self.list(&root);
    }

    /// Lists `dir` and stats its entries; returns its subdirectories.
    fn list(&mut self, dir: &Path) -> Vec<PathBuf> {
        let mut subdirs = Vec::new();
        let Some(entries) = self.note("readdir", dir, fs::read_dir(dir)) else {
            return subdirs;
        };
        for entry in entries {
            let Some(entry) = self.note("readdir", dir, entry) else {
                break;
            };
            self.entries += 1;
            if self.entries > MAX_ENTRIES {
                break;
            }
            let path = entry.path();
            let Some(meta) = self.note("stat", &path, fs::symlink_metadata(&path)) else {
                continue;
            };
            let t = meta.file_type();
            if t.is_dir() {
                subdirs.push(path);
            } else if t.is_symlink() {
                self.note("readlink", &path, fs::read_link(&path));
                // Through the link: its target may be anything, a loop included.
                let _ = fs::metadata(&path);
                self.symlinks.push(path);
            } else if t.is_file() {
                self.files.push((path, meta.ino()));
            }
        }
        subdirs
    }

    fn tree(&mut self, dir: &Path, depth: usize) {
        for sub in self.list(dir) {
            self.dirs.push(sub.clone());
            if depth < MAX_DEPTH && self.entries <= MAX_ENTRIES {
                self.tree(&sub, depth + 1);
            }
        }
    }

    /// Reads `len` bytes at `offset`; short reads stop it (end of file).
    fn read_at(&mut self, f: &File, path: &Path, offset: u64, len: usize) {
        let mut buf = vec![0u8; 64 * 1024];
        let mut done = 0usize;
        while done < len {
            let n = buf.len().min(len - done);
            match self.note("read", path, f.read_at(&mut buf[..n], offset + done as u64)) {
                Some(0) | None => break,
                Some(got) => done += got,
            }
        }
    }

    fn read_file(&mut self, path: &Path) {
        let Some(f) = self.note("open", path, File::open(path)) else {
            return;
        };
        let Some(meta) = self.note("stat", path, f.metadata()) else {
            return;
        };
        let size = meta.len();
        self.read_at(&f, path, 0, HEAD);
        if size > HEAD as u64 {
            self.read_at(&f, path, size.saturating_sub(TAIL as u64), TAIL);
        }
        let data = sys::seek(&f, 0, true);
        if !matches!(&data, Err(e) if errno(e) == libc::ENXIO) {
            if let Some(at) = self.note("seek_data", path, data) {
                self.note("seek_hole", path, sys::seek(&f, at, false));
            }
        }
        self.direct_read(path);
    }

    fn direct_read(&mut self, path: &Path) {
        let open = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECT)
            .open(path);
        let Some(f) = self.note("open_direct", path, open) else {
            return;
        };
        let mut buf = vec![0u8; 2 * BS];
        let at = buf.as_ptr().align_offset(BS);
        if let Some(aligned) = buf.get_mut(at..at + BS) {
            self.note("read_direct", path, f.read_at(aligned, 0));
        }
    }

    fn open_rw(&mut self, path: &Path) -> Option<File> {
        self.note(
            "open_write",
            path,
            OpenOptions::new().read(true).write(true).open(path),
        )
    }

    /// Writes into the files the walk found: what allocation, conversion, truncation and
    /// punching do next to the extents the image claims.
    fn write_files(&mut self) {
        let files: Vec<PathBuf> = self.files.iter().map(|(p, _)| p.clone()).take(5).collect();
        for (i, path) in files.iter().enumerate() {
            let Some(f) = self.open_rw(path) else {
                continue;
            };
            let size = f.metadata().map_or(0, |m| m.len());
            match i {
                0 => {
                    self.note("write", path, f.write_all_at(&pattern(BS, 1), 0));
                    self.note("fsync", path, f.sync_all());
                    self.note(
                        "fallocate",
                        path,
                        sys::preallocate(&f, size.min(1 << 40) as i64, 4 * BS as i64),
                    );
                }
                1 => {
                    self.note(
                        "write",
                        path,
                        f.write_all_at(&pattern(100, 2), size.min(1 << 40)),
                    );
                    self.note("punch", path, sys::punch_hole(&f, BS as i64, 4 * BS as i64));
                }
                2 => {
                    self.direct_write(path);
                    self.note("fdatasync", path, f.sync_data());
                }
                3 => {
                    self.note("truncate", path, f.set_len(size / 2));
                }
                _ => {
                    self.note(
                        "write",
                        path,
                        f.write_all_at(&pattern(3 * BS + 7, 5), (size / 3) & !(BS as u64 - 1)),
                    );
                }
            }
        }
    }

    fn direct_write(&mut self, path: &Path) {
        let open = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(path);
        let Some(f) = self.note("open_direct", path, open) else {
            return;
        };
        let mut buf = vec![0u8; 2 * BS];
        let at = buf.as_ptr().align_offset(BS);
        if let Some(aligned) = buf.get_mut(at..at + BS) {
            aligned.copy_from_slice(&pattern(BS, 3));
            self.note("write_direct", path, f.write_all_at(aligned, 2 * BS as u64));
        }
    }

    /// New names, renames, links, unlinks and rmdirs: every link count the image claims is
    /// used (unlinking the names of a file, emptying and removing directories).
    fn namespace(&mut self) {
        let root = self.root.to_path_buf();
        let new = root.join("crafted-new");
        if let Some(f) = self.note("create", &new, File::create(&new)) {
            self.note("write", &new, f.write_all_at(&pattern(2 * BS, 4), 0));
            self.note("fsync", &new, f.sync_all());
        }
        let newdir = root.join("crafted-dir");
        self.note("mkdir", &newdir, fs::create_dir(&newdir));
        self.note(
            "symlink",
            &root.join("crafted-sl"),
            symlink("crafted-new", root.join("crafted-sl")),
        );
        if let Some(dir) = self.dirs.first().cloned() {
            let inner = dir.join("crafted-inner");
            self.note("create", &inner, File::create(&inner));
        }
        let files: Vec<PathBuf> = self.files.iter().map(|(p, _)| p.clone()).collect();
        if let Some(f) = files.get(1) {
            self.note("link", f, fs::hard_link(f, root.join("crafted-hl")));
        }
        // A file renamed; a file renamed over another (the target loses a link).
        if let Some(f) = files.first() {
            self.note("rename", f, fs::rename(f, root.join("crafted-renamed")));
        }
        if let (Some(from), Some(over)) = (files.get(1), files.get(2)) {
            self.note("rename", from, fs::rename(from, over));
        }
        // A directory moved to another parent (both parents' link counts change, its "..").
        if let Some(dir) = self.dirs.first().cloned() {
            self.note("rename", &dir, fs::rename(&dir, newdir.join("moved")));
        }
        for f in files
            .iter()
            .skip(3)
            .take(8)
            .chain(&self.symlinks.clone())
            .take(10)
        {
            self.note("unlink", f, fs::remove_file(f));
        }
        for f in [root.join("crafted-renamed"), root.join("crafted-hl")] {
            self.note("unlink", &f, fs::remove_file(&f));
        }
        // The deepest directories first: those the unlinks may have emptied.
        let dirs: Vec<PathBuf> = self.dirs.iter().rev().take(4).cloned().collect();
        for d in dirs.iter().chain([&newdir.join("moved"), &newdir]) {
            self.note("rmdir", d, fs::remove_dir(d));
        }
    }
}
