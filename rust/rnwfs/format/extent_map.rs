// SPDX-License-Identifier: GPL-2.0
//! Editing a file's extent list: sorted by file block, never overlapping, neighbours merged
//! when they continue each other. Pure logic over a growable list the caller provides
//! ([`ExtentList`]): the kernel backs it with a `KVec`, host tests with a `Vec`. Every edit
//! checks the [`MAX_EXTENTS`] limit first and leaves the list unchanged if it fails.

use super::{
    extent::{Extent, EXTENT_UNWRITTEN},
    inode::MAX_EXTENTS,
};

/// Storage for an extent list.
pub trait ExtentList {
    fn extents(&self) -> &[Extent];
    fn extents_mut(&mut self) -> &mut [Extent];
    /// Inserts `e` before index `at`.
    fn insert(&mut self, at: usize, e: Extent) -> Result<(), MapError>;
    fn remove(&mut self, at: usize);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    NoMemory,
    /// The file would need more than [`MAX_EXTENTS`] extents.
    TooManyExtents,
}

/// What file block `b` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    Mapped(Extent),
    /// Not mapped; `next` is the first mapped file block after it.
    Hole {
        next: Option<u64>,
    },
}

fn first_ending_after(list: &[Extent], b: u64) -> usize {
    list.partition_point(|e| e.end_logical() <= b)
}

pub fn lookup(list: &[Extent], b: u64) -> Lookup {
    match list.get(first_ending_after(list, b)) {
        Some(e) if e.logical <= b => Lookup::Mapped(*e),
        Some(e) => Lookup::Hole {
            next: Some(e.logical),
        },
        None => Lookup::Hole { next: None },
    }
}

/// Whether `b` continues `a` in the file and on the device, with the same state.
fn continues(a: &Extent, b: &Extent) -> bool {
    a.end_logical() == b.logical
        && a.end_physical() == b.physical
        && a.flags == b.flags
        && (a.len as u64 + b.len as u64) <= u32::MAX as u64
}

/// Adds `new`, which must lie in a hole, merging it with its neighbours where possible.
pub fn insert(list: &mut impl ExtentList, new: Extent) -> Result<(), MapError> {
    let at = list.extents().partition_point(|e| e.logical < new.logical);
    let s = list.extents();
    let merge_prev = at > 0 && continues(&s[at - 1], &new);
    let merge_next = at < s.len() && continues(&new, &s[at]);
    match (merge_prev, merge_next) {
        (true, true) => {
            let next_len = list.extents()[at].len;
            // continues() checked each pair; all three together may still not fit a u32
            // (two extents of over 2^31 blocks): then `new` joins only the previous one.
            let prev = &mut list.extents_mut()[at - 1];
            match prev
                .len
                .checked_add(new.len)
                .and_then(|l| l.checked_add(next_len))
            {
                Some(len) => {
                    prev.len = len;
                    list.remove(at);
                }
                None => prev.len += new.len,
            }
        }
        (true, false) => list.extents_mut()[at - 1].len += new.len,
        (false, true) => {
            let n = &mut list.extents_mut()[at];
            n.logical = new.logical;
            n.physical = new.physical;
            n.len += new.len;
        }
        (false, false) => {
            if s.len() >= MAX_EXTENTS {
                return Err(MapError::TooManyExtents);
            }
            list.insert(at, new)?;
        }
    }
    Ok(())
}

/// Index of an extent that `b` falls strictly inside (so splitting there adds one).
fn straddling(list: &[Extent], b: u64) -> Option<usize> {
    let i = first_ending_after(list, b);
    list.get(i).filter(|e| e.logical < b).map(|_| i)
}

/// Splits the extent `b` falls strictly inside, if any, so that one ends at `b`.
fn split_at(list: &mut impl ExtentList, b: u64) -> Result<(), MapError> {
    if let Some(i) = straddling(list.extents(), b) {
        let e = list.extents()[i];
        let head = (b - e.logical) as u32;
        let tail = Extent {
            logical: b,
            physical: e.physical + head as u64,
            len: e.len - head,
            flags: e.flags,
        };
        list.insert(i + 1, tail)?;
        list.extents_mut()[i].len = head;
    }
    Ok(())
}

/// Merges every pair of neighbours that continue each other.
fn merge_all(list: &mut impl ExtentList) {
    let mut i = 1;
    while i < list.extents().len() {
        let (a, b) = (list.extents()[i - 1], list.extents()[i]);
        if continues(&a, &b) {
            list.extents_mut()[i - 1].len += b.len;
            list.remove(i);
        } else {
            i += 1;
        }
    }
}

/// Extents split at both ends of [start, end), checking the limit first.
fn split_range(list: &mut impl ExtentList, start: u64, end: u64) -> Result<(), MapError> {
    let s = list.extents();
    let added = straddling(s, start).is_some() as usize + straddling(s, end).is_some() as usize;
    if s.len() + added > MAX_EXTENTS {
        return Err(MapError::TooManyExtents);
    }
    split_at(list, start)?;
    split_at(list, end)
}

/// Marks the unwritten blocks in [start, end) written (after their data reached the device).
pub fn mark_written(list: &mut impl ExtentList, start: u64, end: u64) -> Result<(), MapError> {
    let s = list.extents();
    let i = first_ending_after(s, start);
    if !s[i.min(s.len())..]
        .iter()
        .take_while(|e| e.logical < end)
        .any(|e| e.unwritten())
    {
        return Ok(());
    }
    split_range(list, start, end)?;
    for e in list.extents_mut().iter_mut() {
        if e.logical >= start && e.end_logical() <= end {
            e.flags &= !EXTENT_UNWRITTEN;
        }
    }
    merge_all(list);
    Ok(())
}

/// Removes the blocks in [start, end) from the file, calling `free(physical, len)` for
/// each device range released.
pub fn punch(
    list: &mut impl ExtentList,
    start: u64,
    end: u64,
    mut free: impl FnMut(u64, u32),
) -> Result<(), MapError> {
    if end <= start {
        return Ok(());
    }
    if end == u64::MAX {
        truncate(list, start, free);
        return Ok(());
    }
    split_range(list, start, end)?;
    let i = first_ending_after(list.extents(), start);
    while i < list.extents().len() && list.extents()[i].logical < end {
        let e = list.extents()[i];
        free(e.physical, e.len);
        list.remove(i);
    }
    Ok(())
}

/// Removes every block from `start` on (never needs memory).
pub fn truncate(list: &mut impl ExtentList, start: u64, mut free: impl FnMut(u64, u32)) {
    let mut i = first_ending_after(list.extents(), start);
    if let Some(e) = list.extents_mut().get_mut(i) {
        if e.logical < start {
            let keep = (start - e.logical) as u32;
            free(e.physical + keep as u64, e.len - keep);
            e.len = keep;
            i += 1;
        }
    }
    while i < list.extents().len() {
        let e = list.extents()[i];
        free(e.physical, e.len);
        list.remove(i);
    }
}

/// Blocks mapped (written or not).
pub fn mapped_blocks(list: &[Extent]) -> u64 {
    list.iter().map(|e| e.len as u64).sum()
}
