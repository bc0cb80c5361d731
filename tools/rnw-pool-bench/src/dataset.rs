// SPDX-License-Identifier: GPL-2.0
//! The data set on disk: each workload's files (DIR/f1-000, ...), made once by `--setup`;
//! and what the benchmark does to the page cache before a phase: drop the data set's pages
//! (POSIX_FADV_DONTNEED, per file: the files are clean, so every page goes), then prime
//! f1 by reading its hottest blocks. cachestat(2) says how much of each set was cached
//! when a phase started and ended, so the report states it rather than assumes it.

use crate::{
    sys,
    workload::{Generator, Kind, Spec},
};
use std::{
    fs::{File, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
    sync::Arc,
};

pub fn file_path(dir: &Path, kind: Kind, i: u32) -> PathBuf {
    dir.join(format!("{}-{i:03}", kind.name()))
}

/// Makes the files of `spec` that are missing or of another size; keeps the others.
/// Returns the bytes written.
pub fn create(dir: &Path, spec: &Spec) -> io::Result<u64> {
    const CHUNK: usize = 1 << 20;
    let mut written = 0u64;
    let mut chunk = vec![0u8; CHUNK];
    for i in 0..spec.files {
        let path = file_path(dir, spec.kind, i);
        if std::fs::metadata(&path)
            .map(|m| m.len() == spec.file_size)
            .unwrap_or(false)
        {
            continue;
        }
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)?;
        let mut left = spec.file_size;
        let mut n = 0u64;
        while left > 0 {
            // Not zeros (nothing may treat the data as holes), different per MiB.
            chunk.fill((n as u8 ^ i as u8) | 1);
            let len = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
            f.write_all(&chunk[..len])?;
            left -= len as u64;
            n += 1;
        }
        // On disk and clean: DONTNEED then drops every page of it.
        f.sync_all()?;
        written = written.saturating_add(spec.file_size);
    }
    Ok(written)
}

/// One workload's open files (shared by the event loop and the workers).
pub struct Set {
    pub spec: Spec,
    pub files: Vec<Arc<File>>,
}

impl Set {
    pub fn open(dir: &Path, spec: Spec) -> io::Result<Set> {
        let mut files = Vec::with_capacity(spec.files as usize);
        for i in 0..spec.files {
            let path = file_path(dir, spec.kind, i);
            let f = File::open(&path).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("{}: {e} (run with --setup)", path.display()),
                )
            })?;
            let len = f.metadata()?.len();
            if len < spec.file_size {
                return Err(io::Error::other(format!(
                    "{}: {len} bytes, the data set wants {} (run with --setup)",
                    path.display(),
                    spec.file_size
                )));
            }
            files.push(Arc::new(f));
        }
        Ok(Set { spec, files })
    }

    pub fn drop_cache(&self) -> io::Result<()> {
        self.files.iter().try_for_each(|f| sys::drop_cache(f))
    }

    /// Share of the set's pages in the page cache; None without cachestat.
    pub fn cached_fraction(&self) -> io::Result<Option<f64>> {
        let mut cached = 0u64;
        for f in &self.files {
            match sys::cached_pages(f)? {
                Some(n) => cached = cached.saturating_add(n),
                None => return Ok(None),
            }
        }
        let pages = self.spec.total_bytes().unwrap_or(u64::MAX) / sys::page_size();
        Ok((pages > 0).then(|| (cached as f64 / pages as f64).min(1.0)))
    }
}

/// Reads the `frac` hottest blocks of f1 (blocking preads, hottest first). Returns the
/// blocks read and the share of f1's requests they should serve (the zipf mass).
pub fn prime(set: &Set, gen: &Generator, frac: f64) -> io::Result<(u64, f64)> {
    let Some((zipf, scatter)) = gen.zipf() else {
        return Ok((0, 0.0));
    };
    let n = zipf.len();
    let k = ((n as f64) * frac.clamp(0.0, 1.0)).round() as u64;
    let bs = set.spec.bs;
    let mut buf = vec![0u8; usize::try_from(bs).map_err(|_| io::Error::other("block size"))?];
    let bpf = set.spec.blocks_per_file();
    for rank in 0..k.min(n) {
        let block = scatter.map(rank);
        let file = &set.files[(block / bpf) as usize];
        sys::read_full(file, &mut buf, (block % bpf) * bs)?;
    }
    Ok((k, zipf.mass_below(k)))
}
