// SPDX-License-Identifier: GPL-2.0
//! A file's nowait hit ratio, as policy (c) estimates it: hits and misses are counted in
//! windows of `window` attempts; each full window's ratio is averaged into the estimate
//! with weight 1/2, so the estimate follows a file whose caching changes (f2's blocks get
//! cached as they are read) within a few windows while one odd window moves it only half
//! way.

#[derive(Debug, Clone)]
pub struct Tracker {
    window: u64,
    hits: u64,
    misses: u64,
    ratio: Option<f64>,
}

impl Tracker {
    /// `window` attempts per estimate (at least 1).
    pub fn new(window: u64) -> Tracker {
        Tracker {
            window: window.max(1),
            hits: 0,
            misses: 0,
            ratio: None,
        }
    }

    /// One attempt's outcome (own counters).
    pub fn record(&mut self, hit: bool) {
        if hit {
            self.hits = self.hits.saturating_add(1);
        } else {
            self.misses = self.misses.saturating_add(1);
        }
        if self.hits.saturating_add(self.misses) >= self.window {
            let (h, m) = (self.hits, self.misses);
            (self.hits, self.misses) = (0, 0);
            self.fold(h, m);
        }
    }

    /// A whole window's counts at once (from the kernel's counters); an empty window
    /// says nothing and changes nothing.
    pub fn fold(&mut self, hits: u64, misses: u64) {
        if hits == 0 && misses == 0 {
            return;
        }
        // In floating point: a u64 sum could overflow (and saturating would skew it).
        let w = hits as f64 / (hits as f64 + misses as f64);
        self.ratio = Some(match self.ratio {
            None => w,
            Some(r) => (r + w) / 2.0,
        });
    }

    /// The estimate; None before the first full window.
    pub fn ratio(&self) -> Option<f64> {
        self.ratio
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_estimate_before_a_full_window() {
        let mut t = Tracker::new(4);
        for _ in 0..3 {
            t.record(true);
        }
        assert_eq!(t.ratio(), None);
        t.record(false);
        assert_eq!(t.ratio(), Some(0.75));
    }

    #[test]
    fn windows_average_with_weight_one_half() {
        let mut t = Tracker::new(2);
        t.record(false);
        t.record(false);
        assert_eq!(t.ratio(), Some(0.0));
        t.record(true);
        t.record(true);
        assert_eq!(t.ratio(), Some(0.5));
        t.record(true);
        t.record(true);
        assert_eq!(t.ratio(), Some(0.75));
    }

    #[test]
    fn fold_takes_kernel_windows_and_ignores_empty_ones() {
        let mut t = Tracker::new(16);
        t.fold(0, 0);
        assert_eq!(t.ratio(), None);
        t.fold(3, 1);
        assert_eq!(t.ratio(), Some(0.75));
        t.fold(0, 0);
        assert_eq!(t.ratio(), Some(0.75));
        t.fold(u64::MAX, u64::MAX);
        assert_eq!(t.ratio(), Some(0.625));
    }

    #[test]
    fn zero_window_counts_as_one() {
        let mut t = Tracker::new(0);
        t.record(true);
        assert_eq!(t.ratio(), Some(1.0));
    }
}
