// SPDX-License-Identifier: GPL-2.0
//! A request's data as single-page segments, in order (`rq_for_each_segment()`).

use super::Rq;
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr};

/// One segment of a request's data: `len` bytes at `offset` in one page.
///
/// # Invariants
///
/// `bv.bv_page` is a live page of a request's data that the driver owns for `'a` (the
/// borrowed [`Rq`]), and `bv_offset + bv_len <= PAGE_SIZE` (a single-page segment, as
/// `bio_for_each_segment()` yields them). While the driver owns the request nobody else
/// touches the data: a write's pages are only read, a read's only written, by the driver.
pub(crate) struct Segment<'a> {
    bv: bindings::bio_vec,
    _rq: PhantomData<&'a Rq>,
}

impl Segment<'_> {
    /// Bytes in the segment.
    pub(crate) fn len(&self) -> u32 {
        self.bv.bv_len
    }

    /// The page and the offset in it where the segment's byte `at` is, for the layer's
    /// copies (the page is valid as the type invariant says).
    pub(in crate::rnwk) fn page_at(&self, at: u32) -> (*mut bindings::page, usize) {
        (self.bv.bv_page, (self.bv.bv_offset + at) as usize)
    }
}

/// The iterator [`Rq::segments`] returns.
///
/// # Invariants
///
/// `bio` is null or a bio of the borrowed request, live for `'a`; `iter` is that bio's
/// position (started at its `bi_iter`).
pub(crate) struct Segments<'a> {
    bio: *mut bindings::bio,
    iter: bindings::bvec_iter,
    _rq: PhantomData<&'a Rq>,
}

impl Rq {
    /// The request's data, segment by segment (none for a request without data).
    pub(crate) fn segments(&self) -> Segments<'_> {
        // SAFETY: the request is live and owned by the driver (`Rq`'s invariant): its bio
        // chain does not change while it is borrowed.
        let bio = unsafe { (*self.as_ptr()).bio };
        let iter = if bio.is_null() {
            Default::default()
        } else {
            // SAFETY: `bio` is the request's first bio, live (as above).
            unsafe { (*bio).bi_iter }
        };
        // INVARIANT: `bio` is the borrowed request's first bio (or null), `iter` its start.
        Segments {
            bio,
            iter,
            _rq: PhantomData,
        }
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        while !self.bio.is_null() {
            let mut bv = bindings::bio_vec {
                bv_page: ptr::null_mut(),
                bv_len: 0,
                bv_offset: 0,
            };
            // SAFETY: `bio` is a live bio of the request and `iter` its position (type
            // invariant); `bv` is a local the call fills.
            if unsafe { bindings::rnwk_bio_next_segment(self.bio, &mut self.iter, &mut bv) } {
                // INVARIANT: a segment of the borrowed request, single-page (one step of
                // bio_for_each_segment()).
                return Some(Segment {
                    bv,
                    _rq: PhantomData,
                });
            }
            // SAFETY: `bio` is live (type invariant); its successor is the request's next
            // bio or null.
            self.bio = unsafe { (*self.bio).bi_next };
            if !self.bio.is_null() {
                // SAFETY: as above, for the next bio.
                self.iter = unsafe { (*self.bio).bi_iter };
            }
        }
        None
    }
}
