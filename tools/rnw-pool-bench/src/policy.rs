// SPDX-License-Identifier: GPL-2.0
//! The three ways the event loop serves a read:
//!   (a) handoff  every read goes to the worker pool
//!   (b) nowait   preadv2(RWF_NOWAIT) first, in the event loop; the pool on EAGAIN or a
//!                short read (the rest of the range)
//!   (c) guided   as (b), but only for files whose nowait hit ratio is good: rnwfs's
//!                per-file statistics (RNWFS_IOC_NOWAIT_STATS) where the filesystem has
//!                them, the benchmark's own counts elsewhere. A file judged bad still gets
//!                every `probe_every`-th read tried, so its estimate can recover once its
//!                data is cached.
//! The decision logic is here, without I/O: the caller reads the kernel's counters when
//! `observe` asks for them.

use crate::{hitrate::Tracker, workload::Kind};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Policy {
    Handoff,
    Nowait,
    Guided,
}

impl Policy {
    pub const ALL: [Policy; 3] = [Policy::Handoff, Policy::Nowait, Policy::Guided];

    /// The letter.
    pub fn letter(self) -> &'static str {
        match self {
            Policy::Handoff => "a",
            Policy::Nowait => "b",
            Policy::Guided => "c",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Policy::Handoff => "handoff",
            Policy::Nowait => "nowait",
            Policy::Guided => "guided",
        }
    }

    /// "a", "handoff", "b", ... as the command line and the TSV say them.
    pub fn parse(s: &str) -> Option<Policy> {
        Policy::ALL
            .into_iter()
            .find(|p| p.letter() == s || p.name() == s)
    }
}

/// Policy (c)'s parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GuidedCfg {
    /// Try nowait while the estimated hit ratio is at least this.
    pub threshold: f64,
    /// Attempts per estimate window.
    pub window: u64,
    /// A file judged bad gets every Nth read tried (0: never).
    pub probe_every: u64,
}

/// Where a file's hits and misses come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The benchmark's own count: a nowait read that returned all of its range fast is a
    /// hit, anything else a miss.
    Own,
    /// rnwfs's counters, read every `window` attempts: read_ok moves on a hit (a short
    /// read too), read_eagain on a refusal. The values are the counters when the file was
    /// opened, the base of the first window.
    Kernel { ok: u64, again: u64 },
}

pub type Key = (Kind, usize);

#[derive(Debug)]
struct FileState {
    tracker: Tracker,
    source: Source,
    /// Attempts since the kernel's counters were last read.
    attempts: u64,
    /// Reads not tried since the last try.
    skipped: u64,
}

pub struct Decider {
    policy: Policy,
    cfg: GuidedCfg,
    files: HashMap<Key, FileState>,
}

impl Decider {
    pub fn new(policy: Policy, cfg: GuidedCfg) -> Decider {
        Decider {
            policy,
            cfg,
            files: HashMap::new(),
        }
    }

    /// A file, with where its statistics come from; its estimate starts empty.
    pub fn add_file(&mut self, key: Key, source: Source) {
        self.files.insert(
            key,
            FileState {
                tracker: Tracker::new(self.cfg.window),
                source,
                attempts: 0,
                skipped: 0,
            },
        );
    }

    /// Whether to try a nowait read of this file first.
    pub fn should_try(&mut self, key: Key) -> bool {
        match self.policy {
            Policy::Handoff => false,
            Policy::Nowait => true,
            Policy::Guided => {
                let cfg = self.cfg;
                // A file nobody registered has no estimate: try, as for a new file.
                let Some(st) = self.files.get_mut(&key) else {
                    return true;
                };
                match st.tracker.ratio() {
                    // Nothing known yet: trying is how the estimate starts.
                    None => true,
                    Some(r) if r >= cfg.threshold => {
                        st.skipped = 0;
                        true
                    }
                    Some(_) => {
                        st.skipped = st.skipped.saturating_add(1);
                        if cfg.probe_every != 0 && st.skipped >= cfg.probe_every {
                            st.skipped = 0;
                            true
                        } else {
                            false
                        }
                    }
                }
            }
        }
    }

    /// A nowait attempt's outcome (`hit` by the own definition). True when the file's
    /// kernel counters are due: the caller reads them and calls `kernel_counts`.
    pub fn observe(&mut self, key: Key, hit: bool) -> bool {
        let Some(st) = self.files.get_mut(&key) else {
            return false;
        };
        match st.source {
            Source::Own => {
                st.tracker.record(hit);
                false
            }
            Source::Kernel { .. } => {
                st.attempts = st.attempts.saturating_add(1);
                st.attempts >= self.cfg.window
            }
        }
    }

    /// The file's kernel counters now (read_ok, the sum of read_eagain): their change
    /// since the last reading is one window. Counters that went backwards (the inode was
    /// evicted and reloaded: they restart at zero) count from zero.
    pub fn kernel_counts(&mut self, key: Key, ok: u64, again: u64) {
        let Some(st) = self.files.get_mut(&key) else {
            return;
        };
        if let Source::Kernel {
            ok: last_ok,
            again: last_again,
        } = st.source
        {
            let d_ok = if ok >= last_ok { ok - last_ok } else { ok };
            let d_again = if again >= last_again {
                again - last_again
            } else {
                again
            };
            st.tracker.fold(d_ok, d_again);
            st.source = Source::Kernel { ok, again };
            st.attempts = 0;
        }
    }

    /// The current estimate of a file.
    pub fn ratio(&self, key: Key) -> Option<f64> {
        self.files.get(&key).and_then(|st| st.tracker.ratio())
    }

    /// Whether policy (c) would now try a file without a probe: no estimate yet, or a
    /// good one (for the report: which files it judged worth trying).
    pub fn judged_good(&self, key: Key) -> bool {
        self.ratio(key).is_none_or(|r| r >= self.cfg.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: GuidedCfg = GuidedCfg {
        threshold: 0.5,
        window: 4,
        probe_every: 3,
    };
    const K: Key = (Kind::F2, 0);

    #[test]
    fn parse_letters_and_names() {
        for p in Policy::ALL {
            assert_eq!(Policy::parse(p.letter()), Some(p));
            assert_eq!(Policy::parse(p.name()), Some(p));
        }
        assert_eq!(Policy::parse("d"), None);
    }

    #[test]
    fn handoff_never_tries_and_nowait_always_does() {
        let mut a = Decider::new(Policy::Handoff, CFG);
        let mut b = Decider::new(Policy::Nowait, CFG);
        a.add_file(K, Source::Own);
        b.add_file(K, Source::Own);
        for _ in 0..10 {
            assert!(!a.should_try(K));
            assert!(b.should_try(K));
            b.observe(K, false);
        }
    }

    #[test]
    fn guided_stops_trying_a_missing_file_but_probes_it() {
        let mut c = Decider::new(Policy::Guided, CFG);
        c.add_file(K, Source::Own);
        // Unknown: tried, four misses make a window of ratio 0.
        for _ in 0..4 {
            assert!(c.should_try(K));
            assert!(!c.observe(K, false));
        }
        assert_eq!(c.ratio(K), Some(0.0));
        // Now only every third read is tried.
        let tries: Vec<bool> = (0..9).map(|_| c.should_try(K)).collect();
        assert_eq!(
            tries,
            [false, false, true, false, false, true, false, false, true]
        );
    }

    #[test]
    fn guided_recovers_when_probes_hit() {
        let mut c = Decider::new(Policy::Guided, CFG);
        c.add_file(K, Source::Own);
        for _ in 0..4 {
            c.observe(K, false);
        }
        assert!(!c.should_try(K));
        // Probes that hit: after a window of 4 hits the estimate is (0 + 1) / 2 = 0.5.
        for _ in 0..4 {
            c.observe(K, true);
        }
        assert_eq!(c.ratio(K), Some(0.5));
        assert!((0..5).all(|_| c.should_try(K)));
    }

    #[test]
    fn guided_without_probes_never_retries_a_bad_file() {
        let mut c = Decider::new(
            Policy::Guided,
            GuidedCfg {
                probe_every: 0,
                ..CFG
            },
        );
        c.add_file(K, Source::Own);
        for _ in 0..4 {
            c.observe(K, false);
        }
        assert!((0..100).all(|_| !c.should_try(K)));
    }

    #[test]
    fn guided_keeps_trying_a_good_file() {
        let mut c = Decider::new(Policy::Guided, CFG);
        c.add_file(K, Source::Own);
        for i in 0..40 {
            assert!(c.should_try(K));
            // One miss in four: ratio 0.75.
            c.observe(K, i % 4 != 0);
        }
        assert_eq!(c.ratio(K), Some(0.75));
    }

    #[test]
    fn kernel_source_asks_for_counters_every_window_and_uses_their_change() {
        let mut c = Decider::new(Policy::Guided, CFG);
        c.add_file(K, Source::Kernel { ok: 100, again: 50 });
        // The own verdict is ignored for a kernel-counted file; the 4th attempt asks.
        assert!(!c.observe(K, true));
        assert!(!c.observe(K, true));
        assert!(!c.observe(K, true));
        assert!(c.observe(K, true));
        // The kernel says: 1 served, 3 refused since the file was opened.
        c.kernel_counts(K, 101, 53);
        assert_eq!(c.ratio(K), Some(0.25));
        assert!(!c.should_try(K));
        // The count restarts after a reading.
        assert!(!c.observe(K, true));
        // Counters that went backwards (inode reloaded) count from zero: 2 ok, 2 again.
        c.kernel_counts(K, 2, 2);
        assert_eq!(c.ratio(K), Some((0.25 + 0.5) / 2.0));
    }

    #[test]
    fn unknown_files_are_tried_and_not_counted() {
        let mut c = Decider::new(Policy::Guided, CFG);
        assert!(c.should_try((Kind::F1, 7)));
        assert!(!c.observe((Kind::F1, 7), false));
        c.kernel_counts((Kind::F1, 7), 1, 1);
        assert_eq!(c.ratio((Kind::F1, 7)), None);
    }
}
