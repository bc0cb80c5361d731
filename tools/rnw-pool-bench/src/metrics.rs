// SPDX-License-Identifier: GPL-2.0
//! What one workload's measured requests did under one policy (pooled over rounds), and
//! the figures the report prints: throughput, mean and percentile response times, the
//! fraction served inline, EAGAIN counts.
//!
//! Response time is from the moment a stream issues a request in the event loop to the
//! moment the event loop has its data: inline, the nowait call's own time; handed off,
//! the queue wait, the worker's read and the wake-up of the event loop.

/// Counts and samples of one (policy, workload) cell.
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    /// Response times (ns) of the measured requests.
    pub lat_ns: Vec<u64>,
    pub bytes: u64,
    /// Requests served whole by the nowait read in the event loop.
    pub inline: u64,
    /// Of those, the ones whose nowait call took at least the "slow" threshold: on xfs and
    /// ext4 mostly misses the kernel read in while the event loop waited (`read-in`).
    pub slow_inline: u64,
    pub nowait_calls: u64,
    /// Time the event loop spent inside nowait reads (ns).
    pub nowait_ns: u64,
    pub eagain: u64,
    /// Nowait reads that returned part of the range (the rest was handed off).
    pub short: u64,
    /// Nowait reads refused with EOPNOTSUPP.
    pub unsupported: u64,
    /// Seconds the measured part of the phases took (the throughput's denominator).
    pub secs: f64,
    /// Share of the workload's data set in the page cache when the phases started and
    /// ended (summed over phases with `cache_phases` of them; none where the kernel has no
    /// cachestat).
    pub cached_start: f64,
    pub cached_end: f64,
    pub cache_phases: u32,
}

impl Recorder {
    /// Adds another phase's cell.
    pub fn merge(&mut self, o: Recorder) {
        self.lat_ns.extend_from_slice(&o.lat_ns);
        self.bytes = self.bytes.saturating_add(o.bytes);
        self.inline = self.inline.saturating_add(o.inline);
        self.slow_inline = self.slow_inline.saturating_add(o.slow_inline);
        self.nowait_calls = self.nowait_calls.saturating_add(o.nowait_calls);
        self.nowait_ns = self.nowait_ns.saturating_add(o.nowait_ns);
        self.eagain = self.eagain.saturating_add(o.eagain);
        self.short = self.short.saturating_add(o.short);
        self.unsupported = self.unsupported.saturating_add(o.unsupported);
        self.secs += o.secs;
        self.cached_start += o.cached_start;
        self.cached_end += o.cached_end;
        self.cache_phases = self.cache_phases.saturating_add(o.cache_phases);
    }

    pub fn summary(&self) -> Summary {
        let mut sorted = self.lat_ns.clone();
        sorted.sort_unstable();
        let ops = sorted.len() as u64;
        let per_sec = |v: f64| if self.secs > 0.0 { v / self.secs } else { 0.0 };
        let cache = |sum: f64| (self.cache_phases > 0).then(|| sum / f64::from(self.cache_phases));
        Summary {
            ops,
            ops_per_sec: per_sec(ops as f64),
            mib_per_sec: per_sec(self.bytes as f64 / f64::from(1u32 << 20)),
            mean_ns: mean(&sorted),
            p50_ns: percentile(&sorted, 50.0),
            p90_ns: percentile(&sorted, 90.0),
            p99_ns: percentile(&sorted, 99.0),
            inline_frac: fraction(self.inline, ops),
            slow_inline: self.slow_inline,
            eagain: self.eagain,
            short: self.short,
            unsupported: self.unsupported,
            nowait_calls: self.nowait_calls,
            nowait_mean_ns: (self.nowait_calls > 0).then(|| self.nowait_ns / self.nowait_calls),
            cached_start: cache(self.cached_start),
            cached_end: cache(self.cached_end),
        }
    }
}

/// The figures of one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub ops: u64,
    pub ops_per_sec: f64,
    pub mib_per_sec: f64,
    pub mean_ns: Option<u64>,
    pub p50_ns: Option<u64>,
    pub p90_ns: Option<u64>,
    pub p99_ns: Option<u64>,
    pub inline_frac: Option<f64>,
    pub slow_inline: u64,
    pub eagain: u64,
    pub short: u64,
    pub unsupported: u64,
    pub nowait_calls: u64,
    pub nowait_mean_ns: Option<u64>,
    pub cached_start: Option<f64>,
    pub cached_end: Option<f64>,
}

/// Nearest-rank percentile of sorted samples: the smallest sample such that at least p %
/// of the samples are at or below it (rank ceil(p/100 * n), 1-based). None when empty.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() || !(0.0..=100.0).contains(&p) {
        return None;
    }
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, n) - 1])
}

/// Arithmetic mean, rounded down, without overflow (u128 sum). None when empty.
pub fn mean(v: &[u64]) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    let sum: u128 = v.iter().map(|&x| u128::from(x)).sum();
    u64::try_from(sum / v.len() as u128).ok()
}

/// part / whole, None when whole is 0.
pub fn fraction(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 90.0), Some(90));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 0.0), Some(1));
        // Ten samples: p99's rank is ceil(9.9) = 10, p50's is 5, p90's 9.
        let v: Vec<u64> = (10..=100).step_by(10).collect();
        assert_eq!(percentile(&v, 99.0), Some(100));
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 90.0), Some(90));
        assert_eq!(percentile(&v, 91.0), Some(100));
        assert_eq!(percentile(&[7], 50.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&v, 101.0), None);
        assert_eq!(percentile(&v, f64::NAN), None);
    }

    #[test]
    fn mean_does_not_overflow() {
        assert_eq!(mean(&[]), None);
        assert_eq!(mean(&[1, 2]), Some(1));
        assert_eq!(mean(&[u64::MAX, u64::MAX]), Some(u64::MAX));
        assert_eq!(mean(&[10, 20, 30, 40]), Some(25));
    }

    #[test]
    fn summary_of_merged_phases() {
        let mut a = Recorder {
            lat_ns: vec![100, 300],
            bytes: 2 << 20,
            inline: 1,
            nowait_calls: 2,
            nowait_ns: 50,
            eagain: 1,
            secs: 1.0,
            cached_start: 0.5,
            cached_end: 0.7,
            cache_phases: 1,
            ..Default::default()
        };
        a.merge(Recorder {
            lat_ns: vec![200, 400],
            bytes: 2 << 20,
            inline: 2,
            nowait_calls: 2,
            nowait_ns: 150,
            secs: 1.0,
            cached_start: 0.3,
            cached_end: 0.5,
            cache_phases: 1,
            ..Default::default()
        });
        let s = a.summary();
        assert_eq!(s.ops, 4);
        assert_eq!(s.ops_per_sec, 2.0);
        assert_eq!(s.mib_per_sec, 2.0);
        assert_eq!(s.mean_ns, Some(250));
        assert_eq!(s.p50_ns, Some(200));
        assert_eq!(s.p99_ns, Some(400));
        assert_eq!(s.inline_frac, Some(0.75));
        assert_eq!(s.eagain, 1);
        assert_eq!(s.nowait_mean_ns, Some(50));
        assert_eq!(s.cached_start, Some(0.4));
        assert_eq!(s.cached_end, Some(0.6));
    }

    #[test]
    fn empty_cell_has_no_figures() {
        let s = Recorder::default().summary();
        assert_eq!(s.ops, 0);
        assert_eq!(s.ops_per_sec, 0.0);
        assert_eq!(s.mean_ns, None);
        assert_eq!(s.p99_ns, None);
        assert_eq!(s.inline_frac, None);
        assert_eq!(s.nowait_mean_ns, None);
        assert_eq!(s.cached_start, None);
    }
}
