// SPDX-License-Identifier: GPL-2.0
//! Zipf-distributed ranks (f1's "zipf medium data set", as fio's random_distribution=zipf):
//! rank k (0-based) has probability proportional to 1/(k+1)^theta. Sampled by a binary
//! search in the cumulative distribution, which for f1's few thousand blocks is a small
//! table built once. Ranks become blocks through `Scatter`, so the hot blocks are spread
//! over all of f1's files instead of being the start of the first one.

use rnw_rng::Rng;

#[derive(Debug, Clone)]
pub struct Zipf {
    /// cdf[k]: probability of a rank <= k; the last entry is 1.
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: u64, theta: f64) -> Result<Zipf, String> {
        if n == 0 {
            return Err("zipf: no blocks".into());
        }
        if !(theta.is_finite() && theta > 0.0) {
            return Err(format!("zipf: theta {theta} must be a positive number"));
        }
        // A table of one f64 per block: f1 is "medium" (thousands of blocks); refuse
        // sizes that would make the table itself a memory problem.
        if n > 1 << 24 {
            return Err(format!(
                "zipf: {n} blocks is too many (at most {})",
                1u64 << 24
            ));
        }
        let mut cdf = Vec::with_capacity(n as usize);
        let mut sum = 0.0f64;
        for k in 0..n {
            sum += 1.0 / ((k + 1) as f64).powf(theta);
            cdf.push(sum);
        }
        for c in &mut cdf {
            *c /= sum;
        }
        // Rounding may leave the last entry a hair below 1; a sample of u close to 1
        // must still find a rank.
        if let Some(last) = cdf.last_mut() {
            *last = 1.0;
        }
        Ok(Zipf { cdf })
    }

    pub fn len(&self) -> u64 {
        self.cdf.len() as u64
    }

    /// A rank in [0, len).
    pub fn sample(&self, rng: &mut Rng) -> u64 {
        let u = rng.unit();
        let k = self.cdf.partition_point(|&c| c <= u);
        k.min(self.cdf.len() - 1) as u64
    }

    /// The probability that a sample is below `k`: the hit ratio to expect when the `k`
    /// hottest blocks are cached.
    pub fn mass_below(&self, k: u64) -> f64 {
        match k {
            0 => 0.0,
            k if k >= self.len() => 1.0,
            k => self.cdf[(k - 1) as usize],
        }
    }
}

/// A fixed permutation of [0, n): i -> i * step mod n, with step coprime to n (so it is a
/// bijection) and near n times the golden ratio (so neighbouring ranks land far apart).
#[derive(Debug, Clone, Copy)]
pub struct Scatter {
    n: u64,
    step: u64,
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Scatter {
    pub fn new(n: u64) -> Scatter {
        if n <= 1 {
            return Scatter { n, step: 1 };
        }
        let mut step = ((n as f64) * 0.618_033_988_75) as u64;
        step = step.clamp(1, n - 1);
        while gcd(step, n) != 1 {
            step += 1;
        }
        Scatter { n, step }
    }

    pub fn map(&self, i: u64) -> u64 {
        if self.n == 0 {
            return 0;
        }
        ((u128::from(i % self.n) * u128::from(self.step)) % u128::from(self.n)) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_parameters() {
        assert!(Zipf::new(0, 1.2).is_err());
        assert!(Zipf::new(10, 0.0).is_err());
        assert!(Zipf::new(10, f64::NAN).is_err());
        assert!(Zipf::new(1 << 25, 1.2).is_err());
    }

    #[test]
    fn cdf_is_monotonic_and_ends_at_one() {
        let z = Zipf::new(1000, 1.2).unwrap();
        assert!(z.cdf.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(z.mass_below(1000), 1.0);
        assert_eq!(z.mass_below(0), 0.0);
        // Rank 0's probability: 1 / H(1000, 1.2).
        let h: f64 = (1..=1000).map(|k| 1.0 / (k as f64).powf(1.2)).sum();
        assert!((z.mass_below(1) - 1.0 / h).abs() < 1e-12);
    }

    #[test]
    fn samples_follow_the_distribution() {
        let z = Zipf::new(100, 1.2).unwrap();
        let mut rng = Rng::new(1);
        let mut counts = [0u64; 100];
        let n = 200_000;
        for _ in 0..n {
            counts[z.sample(&mut rng) as usize] += 1;
        }
        for k in [0usize, 1, 2, 9, 50] {
            let want = z.mass_below(k as u64 + 1) - z.mass_below(k as u64);
            let got = counts[k] as f64 / n as f64;
            // Binomial standard deviation, with a margin of 5 of them.
            let sd = (want * (1.0 - want) / n as f64).sqrt();
            assert!(
                (got - want).abs() < 5.0 * sd + 1e-4,
                "rank {k}: {got} vs {want}"
            );
        }
        assert!(counts[0] > counts[1] && counts[1] > counts[9]);
    }

    #[test]
    fn one_block_is_always_rank_zero() {
        let z = Zipf::new(1, 1.2).unwrap();
        let mut rng = Rng::new(3);
        assert!((0..100).all(|_| z.sample(&mut rng) == 0));
    }

    #[test]
    fn scatter_is_a_permutation() {
        for n in [1u64, 2, 3, 10, 64, 97, 4096, 4097] {
            let s = Scatter::new(n);
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let b = s.map(i);
                assert!(b < n);
                assert!(!seen[b as usize], "n {n}: {b} twice");
                seen[b as usize] = true;
            }
        }
    }

    #[test]
    fn scatter_spreads_the_hottest_ranks() {
        // The 8 hottest of 4096 blocks in 8 files of 512: not all in one file.
        let s = Scatter::new(4096);
        let files: std::collections::HashSet<u64> = (0..8).map(|i| s.map(i) / 512).collect();
        assert!(files.len() >= 4, "{files:?}");
    }
}
