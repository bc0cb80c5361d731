// SPDX-License-Identifier: GPL-2.0
//! The extent-list edits the kernel uses for allocation, unwritten conversion, hole
//! punching and truncation.

use crate::{
    extent::{Extent, EXTENT_UNWRITTEN},
    extent_map::{self, Lookup, MapError},
    inode::MAX_EXTENTS,
};

use crate::vec_extents::VecExtents as List;

fn ext(logical: u64, physical: u64, len: u32, unwritten: bool) -> Extent {
    Extent {
        logical,
        physical,
        len,
        flags: if unwritten { EXTENT_UNWRITTEN } else { 0 },
    }
}

#[test]
fn insert_merges_with_both_neighbours() {
    let mut l = List(vec![]);
    extent_map::insert(&mut l, ext(0, 100, 4, false)).unwrap();
    extent_map::insert(&mut l, ext(8, 108, 4, false)).unwrap();
    assert_eq!(l.0.len(), 2);
    extent_map::insert(&mut l, ext(4, 104, 4, false)).unwrap();
    assert_eq!(l.0, vec![ext(0, 100, 12, false)]);
}

#[test]
fn insert_keeps_order_and_states_apart() {
    let mut l = List(vec![]);
    extent_map::insert(&mut l, ext(10, 200, 2, true)).unwrap();
    extent_map::insert(&mut l, ext(0, 198, 2, false)).unwrap();
    extent_map::insert(&mut l, ext(2, 500, 8, true)).unwrap();
    assert_eq!(l.0.len(), 3);
    assert!(l.0.windows(2).all(|w| w[0].end_logical() <= w[1].logical));
    assert_eq!(
        extent_map::lookup(&l.0, 1),
        Lookup::Mapped(ext(0, 198, 2, false))
    );
    assert_eq!(extent_map::lookup(&l.0, 12), Lookup::Hole { next: None });
}

#[test]
fn lookup_reports_the_next_extent_of_a_hole() {
    let l = List(vec![ext(5, 100, 5, false)]);
    assert_eq!(extent_map::lookup(&l.0, 0), Lookup::Hole { next: Some(5) });
    assert_eq!(
        extent_map::lookup(&l.0, 9),
        Lookup::Mapped(ext(5, 100, 5, false))
    );
    assert_eq!(extent_map::lookup(&l.0, 10), Lookup::Hole { next: None });
}

#[test]
fn mark_written_splits_and_merges() {
    let mut l = List(vec![ext(0, 100, 10, true)]);
    extent_map::mark_written(&mut l, 3, 6).unwrap();
    assert_eq!(
        l.0,
        vec![
            ext(0, 100, 3, true),
            ext(3, 103, 3, false),
            ext(6, 106, 4, true)
        ]
    );
    extent_map::mark_written(&mut l, 0, 10).unwrap();
    assert_eq!(l.0, vec![ext(0, 100, 10, false)]);
    // Written blocks stay untouched (and need no room).
    extent_map::mark_written(&mut l, 2, 4).unwrap();
    assert_eq!(l.0, vec![ext(0, 100, 10, false)]);
}

#[test]
fn punch_frees_exactly_the_range() {
    let mut l = List(vec![ext(0, 100, 10, false), ext(20, 300, 5, true)]);
    let mut freed = vec![];
    extent_map::punch(&mut l, 4, 22, |p, n| freed.push((p, n))).unwrap();
    assert_eq!(freed, vec![(104, 6), (300, 2)]);
    assert_eq!(l.0, vec![ext(0, 100, 4, false), ext(22, 302, 3, true)]);
    assert_eq!(extent_map::mapped_blocks(&l.0), 7);
}

#[test]
fn truncate_frees_the_tail() {
    let mut l = List(vec![ext(0, 100, 10, false), ext(20, 300, 5, false)]);
    let mut freed = vec![];
    extent_map::truncate(&mut l, 5, |p, n| freed.push((p, n)));
    assert_eq!(freed, vec![(105, 5), (300, 5)]);
    assert_eq!(l.0, vec![ext(0, 100, 5, false)]);
    extent_map::truncate(&mut l, 0, |p, n| freed.push((p, n)));
    assert!(l.0.is_empty());
}

#[test]
fn the_extent_limit_is_checked_before_any_change() {
    let full: Vec<Extent> = (0..MAX_EXTENTS as u64)
        .map(|i| ext(i * 4, 1000 + i * 4, 1, i == 0))
        .collect();
    let mut l = List(full.clone());
    assert_eq!(
        extent_map::insert(&mut l, ext(1000, 5000, 1, false)),
        Err(MapError::TooManyExtents)
    );
    // Merging into a neighbour needs no new slot.
    extent_map::insert(&mut l, ext(1, 1001, 1, true)).unwrap();
    let mut l = List(full);
    l.0[0].len = 3;
    let before = l.0.clone();
    assert_eq!(
        extent_map::mark_written(&mut l, 1, 2),
        Err(MapError::TooManyExtents)
    );
    assert_eq!(l.0, before);
}

#[test]
fn filling_a_gap_between_two_huge_extents_never_overflows_the_length() {
    // Each pair fits a u32 length, all three do not: the new block joins the first only.
    let half = 0x8000_0000u32;
    let (gap, after) = (half as u64, half as u64 + 1);
    let mut l = List(vec![
        ext(0, 100, half, false),
        ext(after, 100 + after, half, false),
    ]);
    extent_map::insert(&mut l, ext(gap, 100 + gap, 1, false)).unwrap();
    assert_eq!(
        l.0,
        vec![
            ext(0, 100, half + 1, false),
            ext(after, 100 + after, half, false)
        ]
    );
}
