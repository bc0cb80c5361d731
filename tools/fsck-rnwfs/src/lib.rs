// SPDX-License-Identifier: GPL-2.0
//! Checking an rnwfs (read-only): every invariant the format has. Problems are collected,
//! not fatal, so one run reports all of them.

use rnwfs_format::{
    chain::ChainWalk,
    device::{Block, Device},
    dirent::DIRENTS_PER_BLOCK,
    extent::{self, EXTENTS_PER_BLOCK},
    inode::{INODE_SIZE, S_IFDIR, S_IFLNK, S_IFREG},
    superblock::{State, ROOT_INO},
    DirEntry, Extent, FileType, Inode, Layout, Superblock, BLOCK_SIZE,
};
use std::{
    collections::{HashMap, HashSet, VecDeque},
    io,
};

#[derive(Debug, Default)]
pub struct Report {
    /// Every inconsistency found; empty means clean.
    pub problems: Vec<String>,
    pub files: u32,
    pub directories: u32,
    pub symlinks: u32,
    pub used_blocks: u64,
}

impl Report {
    fn problem(&mut self, msg: String) {
        self.problems.push(msg);
    }
}

const METADATA: u32 = u32::MAX;

struct Checker<'a> {
    dev: &'a Device,
    layout: Layout,
    report: Report,
    /// Owner of each block: 0 free, METADATA, or an inode number.
    owner: Vec<u32>,
    inodes: HashMap<u32, (Inode, Vec<Extent>)>,
}

/// Checks the filesystem on `dev`. I/O errors are operational failures (Err).
pub fn check(dev: &Device) -> io::Result<Report> {
    let mut block: Block = [0u8; BLOCK_SIZE];
    dev.read(0, &mut block)?;
    let mut report = Report::default();
    let sb = match Superblock::decode(&block, dev.blocks()) {
        Ok(sb) => sb,
        Err(e) => {
            report.problem(format!("superblock: {e}"));
            return Ok(report);
        }
    };
    if sb.state == State::Dirty {
        report.problem("superblock: not cleanly unmounted (state dirty)".into());
    }
    let layout = sb.layout;
    let mut c = Checker {
        dev,
        layout,
        report,
        owner: vec![0; layout.total_blocks as usize],
        inodes: HashMap::new(),
    };
    for b in 0..layout.data_start {
        c.owner[b as usize] = METADATA;
    }
    c.read_inodes()?;
    c.check_bitmap_and_counts(&sb)?;
    c.check_tree()?;
    Ok(c.report)
}

impl Checker<'_> {
    /// Claims blocks [start, start + len) (inside the device: validated) for `ino`. A range
    /// that collides reports its first collision and how many blocks collide, not one line
    /// per block: extents of a crafted image can cover the device many times over.
    fn claim(&mut self, start: u64, len: u64, ino: u32) {
        let (mut first, mut collisions) = (None, 0u64);
        for b in start..start + len {
            let slot = &mut self.owner[b as usize];
            if *slot == 0 {
                *slot = ino;
            } else {
                first = first.or(Some((b, *slot)));
                collisions += 1;
            }
        }
        let Some((block, other)) = first else { return };
        let more = if collisions > 1 {
            format!(" (and {} more of its blocks)", collisions - 1)
        } else {
            String::new()
        };
        match other {
            METADATA => self
                .report
                .problem(format!("inode {ino}: block {block} is metadata{more}")),
            other => self.report.problem(format!(
                "block {block} claimed by inodes {other} and {ino}{more}"
            )),
        }
    }

    /// Reads every inode slot, validates used ones and claims their blocks.
    fn read_inodes(&mut self) -> io::Result<()> {
        let l = self.layout;
        let mut block: Block = [0u8; BLOCK_SIZE];
        for i in 0..l.inode_table_blocks {
            self.dev.read(l.inode_table_start + i, &mut block)?;
            for slot in 0..BLOCK_SIZE / INODE_SIZE {
                let ino = (i * (BLOCK_SIZE / INODE_SIZE) as u64 + slot as u64 + 1) as u32;
                if ino > l.inode_count {
                    break;
                }
                let bytes = &block[slot * INODE_SIZE..(slot + 1) * INODE_SIZE];
                match Inode::decode(ino, bytes) {
                    Ok(inode) if inode.is_free() => {}
                    Ok(inode) => {
                        if let Some(extents) = self.extents_of(ino, &inode)? {
                            self.inodes.insert(ino, (inode, extents));
                        }
                    }
                    Err(e) => self.report.problem(format!("inode {ino}: {e}")),
                }
            }
        }
        Ok(())
    }

    /// The inode's extents, validated and claimed; None (after reporting) if unusable. The
    /// chain is walked as the kernel walks it (rnwfs_format::chain).
    fn extents_of(&mut self, ino: u32, inode: &Inode) -> io::Result<Option<Vec<Extent>>> {
        let l = self.layout;
        let mut extents: Vec<Extent> = inode.inline_extents().to_vec();
        let nextents = inode.nextents as usize;
        let mut walk = ChainWalk::new(ino, inode);
        let mut block: Block = [0u8; BLOCK_SIZE];
        let mut more = [Extent::default(); EXTENTS_PER_BLOCK];
        loop {
            let next = match walk.next_block(l.data_start, l.total_blocks) {
                Ok(Some(next)) => next,
                Ok(None) => break,
                Err(e) => {
                    self.report
                        .problem(format!("inode {ino}: extent block {}: {e}", walk.pointer()));
                    return Ok(None);
                }
            };
            self.claim(next, 1, ino);
            self.dev.read(next, &mut block)?;
            match walk.step(&block, &mut more) {
                Ok(found) => extents.extend_from_slice(found),
                Err(e) => {
                    self.report
                        .problem(format!("inode {ino}: extent block {next}: {e}"));
                    return Ok(None);
                }
            }
        }
        if extents.len() != nextents {
            self.report.problem(format!(
                "inode {ino}: {} extents found, the inode says {nextents}",
                extents.len()
            ));
            return Ok(None);
        }
        for e in &extents {
            if let Err(err) = e.validate(l.data_start, l.total_blocks) {
                self.report.problem(format!("inode {ino}: {err} ({e:?})"));
                return Ok(None);
            }
        }
        if let Err(err) = extent::validate_order(&extents) {
            self.report.problem(format!("inode {ino}: {err}"));
        }
        for e in &extents {
            self.claim(e.physical, e.len as u64, ino);
        }
        Ok(Some(extents))
    }

    fn check_bitmap_and_counts(&mut self, sb: &Superblock) -> io::Result<()> {
        let l = self.layout;
        let mut block: Block = [0u8; BLOCK_SIZE];
        let (mut marked_free, mut unmarked_used, mut used) = (Vec::new(), Vec::new(), 0u64);
        for bm in 0..l.bitmap_blocks {
            self.dev.read(l.bitmap_start + bm, &mut block)?;
            let first = bm * rnwfs_format::layout::BITS_PER_BLOCK;
            for bit in 0..rnwfs_format::layout::BITS_PER_BLOCK {
                let b = first + bit;
                let set = block[(bit / 8) as usize] & (1 << (bit % 8)) != 0;
                if b >= l.total_blocks {
                    if set {
                        self.report
                            .problem(format!("bitmap: bit {b} set beyond the device"));
                    }
                    continue;
                }
                let owned = self.owner[b as usize] != 0;
                used += owned as u64;
                if owned && !set {
                    marked_free.push(b);
                } else if set && !owned {
                    unmarked_used.push(b);
                }
            }
        }
        for (what, list) in [
            ("in use but free in the bitmap", &marked_free),
            ("allocated in the bitmap but unused", &unmarked_used),
        ] {
            if !list.is_empty() {
                let shown: Vec<String> = list.iter().take(8).map(|b| b.to_string()).collect();
                self.report.problem(format!(
                    "bitmap: {} block(s) {what}: {}{}",
                    list.len(),
                    shown.join(" "),
                    if list.len() > 8 { " ..." } else { "" }
                ));
            }
        }
        self.report.used_blocks = used;
        let free = l.total_blocks - used;
        if sb.free_blocks != free {
            self.report.problem(format!(
                "superblock: {} free blocks recorded, {free} counted",
                sb.free_blocks
            ));
        }
        let free_inodes = l.inode_count - self.inodes.len() as u32;
        if sb.free_inodes != free_inodes {
            self.report.problem(format!(
                "superblock: {} free inodes recorded, {free_inodes} counted",
                sb.free_inodes
            ));
        }
        Ok(())
    }

    /// Directory structure, link counts, reachability, per-type rules.
    fn check_tree(&mut self) -> io::Result<()> {
        let mut refs: HashMap<u32, u32> = HashMap::new();
        let mut parent_of: HashMap<u32, u32> = HashMap::new();
        let mut subdirs: HashMap<u32, u32> = HashMap::new();
        let mut dotdot: HashMap<u32, u32> = HashMap::new();
        let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
        let dirs: Vec<u32> = {
            let mut v: Vec<u32> = self
                .inodes
                .iter()
                .filter(|(_, (i, _))| i.is_dir())
                .map(|(n, _)| *n)
                .collect();
            v.sort_unstable();
            v
        };
        if !dirs.contains(&ROOT_INO) {
            self.report
                .problem("root inode 1 is not a directory in use".into());
            return Ok(());
        }
        for &dir in &dirs {
            let (inode, extents) = self.inodes[&dir].clone();
            let nblocks = inode.size / BLOCK_SIZE as u64;
            if inode.size == 0 || inode.size % BLOCK_SIZE as u64 != 0 {
                self.report.problem(format!(
                    "directory {dir}: size {} is not a positive multiple of {BLOCK_SIZE}",
                    inode.size
                ));
                continue;
            }
            let covered: u64 = extents.iter().map(|e| e.len as u64).sum();
            let contiguous = extents
                .iter()
                .scan(0u64, |next, e| {
                    let ok = e.logical == *next && !e.unwritten();
                    *next = e.end_logical();
                    Some(ok)
                })
                .all(|ok| ok);
            if covered != nblocks || !contiguous {
                self.report.problem(format!(
                    "directory {dir}: blocks do not cover its size without holes"
                ));
                continue;
            }
            let mut names = HashSet::new();
            let mut block: Block = [0u8; BLOCK_SIZE];
            let mut index = 0usize;
            for e in &extents {
                for pb in e.physical..e.end_physical() {
                    self.dev.read(pb, &mut block)?;
                    for s in 0..DIRENTS_PER_BLOCK {
                        let slot = &block[s * 64..(s + 1) * 64];
                        let at = index;
                        index += 1;
                        let entry = match DirEntry::decode(slot) {
                            Ok(Some(en)) => en,
                            Ok(None) if at >= 2 => continue,
                            Ok(None) => {
                                self.report.problem(format!(
                                    "directory {dir}: missing '{}' entry",
                                    if at == 0 { "." } else { ".." }
                                ));
                                continue;
                            }
                            Err(err) => {
                                self.report
                                    .problem(format!("directory {dir}: entry {at}: {err}"));
                                continue;
                            }
                        };
                        match (at, entry.name()) {
                            (0, b".") => {
                                if entry.ino != dir {
                                    self.report.problem(format!(
                                        "directory {dir}: '.' points to {}",
                                        entry.ino
                                    ));
                                }
                                continue;
                            }
                            (1, b"..") => {
                                dotdot.insert(dir, entry.ino);
                                continue;
                            }
                            (0 | 1, _) | (_, b"." | b"..") => {
                                self.report.problem(format!(
                                    "directory {dir}: '.'/'..' misplaced at entry {at}"
                                ));
                                continue;
                            }
                            _ => {}
                        }
                        let name = String::from_utf8_lossy(entry.name()).into_owned();
                        if !names.insert(entry.name().to_vec()) {
                            self.report
                                .problem(format!("directory {dir}: duplicate name '{name}'"));
                        }
                        let Some((target, _)) = self.inodes.get(&entry.ino) else {
                            self.report.problem(format!(
                                "directory {dir}: '{name}' points to free or invalid inode {}",
                                entry.ino
                            ));
                            continue;
                        };
                        if FileType::from_mode(target.mode) != Some(entry.file_type) {
                            self.report.problem(format!(
                                "directory {dir}: '{name}' type does not match inode {}",
                                entry.ino
                            ));
                        }
                        *refs.entry(entry.ino).or_default() += 1;
                        children.entry(dir).or_default().push(entry.ino);
                        if target.is_dir() {
                            *subdirs.entry(dir).or_default() += 1;
                            if let Some(first) = parent_of.insert(entry.ino, dir) {
                                self.report.problem(format!(
                                    "directory {} linked from {first} and {dir}",
                                    entry.ino
                                ));
                            }
                        }
                    }
                }
            }
        }
        // '..' and link counts.
        for &dir in &dirs {
            let want_parent = if dir == ROOT_INO {
                ROOT_INO
            } else {
                parent_of.get(&dir).copied().unwrap_or(0)
            };
            if let Some(&dd) = dotdot.get(&dir) {
                if dd != want_parent {
                    self.report.problem(format!(
                        "directory {dir}: '..' is {dd}, parent is {want_parent}"
                    ));
                }
            }
        }
        let mut inos: Vec<u32> = self.inodes.keys().copied().collect();
        inos.sort_unstable();
        for ino in inos {
            let (inode, extents) = &self.inodes[&ino];
            let want = match inode.mode & rnwfs_format::inode::S_IFMT {
                S_IFDIR => {
                    self.report.directories += 1;
                    2 + subdirs.get(&ino).copied().unwrap_or(0)
                }
                t => {
                    if t == S_IFREG {
                        self.report.files += 1;
                    } else if t == S_IFLNK {
                        self.report.symlinks += 1;
                        let ok = (1..BLOCK_SIZE as u64).contains(&inode.size)
                            && extents.len() == 1
                            && extents[0].logical == 0
                            && !extents[0].unwritten();
                        if !ok {
                            self.report.problem(format!(
                                "symlink {ino}: needs one written block and a size of 1..4095"
                            ));
                        }
                    }
                    refs.get(&ino).copied().unwrap_or(0)
                }
            };
            if inode.links as u32 != want {
                self.report.problem(format!(
                    "inode {ino}: link count {} but {want} found",
                    inode.links
                ));
            }
        }
        // Reachability from the root.
        let mut seen = HashSet::from([ROOT_INO]);
        let mut queue = VecDeque::from([ROOT_INO]);
        while let Some(d) = queue.pop_front() {
            for &child in children.get(&d).map(Vec::as_slice).unwrap_or(&[]) {
                if seen.insert(child) && self.inodes.get(&child).is_some_and(|(i, _)| i.is_dir()) {
                    queue.push_back(child);
                }
            }
        }
        let mut orphans: Vec<u32> = self
            .inodes
            .keys()
            .copied()
            .filter(|i| !seen.contains(i))
            .collect();
        orphans.sort_unstable();
        for ino in orphans {
            self.report.problem(format!(
                "inode {ino}: in use but not reachable from the root"
            ));
        }
        Ok(())
    }
}
