// SPDX-License-Identifier: GPL-2.0
//! Open-loop load (`--rates`): each stream's requests arrive as a Poisson process (random,
//! independent arrivals at a set mean rate), whether or not its earlier requests are done,
//! as clients of a server send them. Unlike the closed loop, the offered load is the same
//! under every policy: a policy that answers faster does not get more requests to serve,
//! and a slow phase cannot hide its delays by issuing less (response times count from the
//! scheduled arrival, not from when the event loop got to it).

use rnw_rng::Rng;
use std::{
    cmp::Reverse,
    collections::BinaryHeap,
    time::{Duration, Instant},
};

/// The time to the next arrival of a Poisson process of `rate` per second.
pub fn interval(rng: &mut Rng, rate: f64) -> Duration {
    // 1 - u is in (0, 1]: its logarithm is finite.
    let secs = -(1.0 - rng.unit()).ln() / rate;
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}

pub struct Arrivals {
    /// (time, workload, stream) of each stream's next arrival, earliest first.
    heap: BinaryHeap<Reverse<(Instant, usize, usize)>>,
    /// Per workload: the rate of each of its streams.
    rates: Vec<f64>,
    rng: Rng,
    end: Instant,
}

impl Arrivals {
    /// `loads`: per workload, (streams, total rate per second; 0 or less: no arrivals).
    /// Arrivals from `start` until `end`.
    pub fn new(loads: &[(u32, f64)], start: Instant, end: Instant, seed: u64) -> Arrivals {
        let mut a = Arrivals {
            heap: BinaryHeap::new(),
            rates: loads
                .iter()
                .map(|&(n, r)| {
                    if n > 0 && r > 0.0 {
                        r / f64::from(n)
                    } else {
                        0.0
                    }
                })
                .collect(),
            rng: Rng::new(seed),
            end,
        };
        for (w, &(n, _)) in loads.iter().enumerate() {
            for s in 0..n as usize {
                a.schedule(w, s, start);
            }
        }
        a
    }

    fn schedule(&mut self, w: usize, s: usize, after: Instant) {
        let rate = self.rates[w];
        if rate <= 0.0 {
            return;
        }
        if let Some(t) = after.checked_add(interval(&mut self.rng, rate)) {
            if t < self.end {
                self.heap.push(Reverse((t, w, s)));
            }
        }
    }

    /// When the next request arrives (None: no more before the end).
    pub fn next_due(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((t, _, _))| *t)
    }

    /// The earliest arrival if it is due at `now`: (its time, workload, stream); the
    /// stream's next arrival is scheduled after it.
    pub fn pop_due(&mut self, now: Instant) -> Option<(Instant, usize, usize)> {
        let &Reverse((t, w, s)) = self.heap.peek()?;
        if t > now {
            return None;
        }
        self.heap.pop();
        self.schedule(w, s, t);
        Some((t, w, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_have_the_mean_of_the_rate() {
        let mut rng = Rng::new(3);
        let n = 20_000;
        let total: f64 = (0..n)
            .map(|_| interval(&mut rng, 1000.0).as_secs_f64())
            .sum();
        let mean = total / f64::from(n);
        // Exponential: the mean of 20000 has a relative standard deviation of 0.7 %.
        assert!((mean - 0.001).abs() < 0.00005, "{mean}");
    }

    #[test]
    fn arrivals_come_in_time_order_at_the_rates_until_the_end() {
        let start = Instant::now();
        let end = start + Duration::from_secs(10);
        // Workload 0: 2 streams, 100/s together; workload 1 none; workload 2: 1 stream, 10/s.
        let mut a = Arrivals::new(&[(2, 100.0), (3, 0.0), (1, 10.0)], start, end, 7);
        let mut count = [0u32; 3];
        let mut streams = std::collections::HashSet::new();
        let mut last = start;
        while let Some(t) = a.next_due() {
            assert!(a.pop_due(t - Duration::from_nanos(1)).is_none());
            let (at, w, s) = a.pop_due(end).unwrap();
            assert!(at >= last && at < end);
            last = at;
            count[w] += 1;
            streams.insert((w, s));
        }
        assert_eq!(count[1], 0);
        // 1000 and 100 expected; Poisson standard deviations about 32 and 10.
        assert!((850..1150).contains(&count[0]), "{count:?}");
        assert!((60..140).contains(&count[2]), "{count:?}");
        assert_eq!(streams.len(), 3);
    }

    #[test]
    fn nothing_is_due_before_its_time() {
        let start = Instant::now();
        let mut a = Arrivals::new(&[(1, 1.0)], start, start + Duration::from_secs(3600), 1);
        let t = a.next_due().unwrap();
        assert!(t > start);
        assert!(a.pop_due(start).is_none());
        assert_eq!(a.pop_due(t).map(|x| x.0), Some(t));
    }
}
