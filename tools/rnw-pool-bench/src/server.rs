// SPDX-License-Identifier: GPL-2.0
//! One phase: the event loop, the worker pool and the client streams for one policy.
//!
//! The event loop is a single thread, as in a server whose network side is an epoll loop.
//! Closed loop (the default), each client stream keeps one request outstanding; open loop
//! (`rates`), requests arrive at random times at set rates (arrivals.rs). The loop takes
//! every finished read the pool has sent back, then issues one request (of a ready stream,
//! or the next arrival that is due), where the policy says whether to try
//! preadv2(RWF_NOWAIT) first. A request served by the nowait read is answered at once;
//! anything else goes to the pool's FIFO. With nothing to issue the loop sleeps until a
//! worker sends a result (or the next arrival).
//!
//! Requests issued during the warm-up are served but not measured (policy (c) learns from
//! them); after the measured time no new request is issued and the loop waits for those
//! outstanding.
//!
//! f2 stands for a data set larger than memory, which the 2 GiB guest cannot hold twice
//! (the device is RAM too): an evictor thread drops f2's cached pages every `evict`
//! period, as memory pressure would, so the blocks f2 reads do not accumulate into a
//! cached set over the phase. f3's streams drop a file behind them when they leave it.

use crate::{
    arrivals::Arrivals,
    dataset::Set,
    kstats,
    metrics::Recorder,
    policy::{Decider, GuidedCfg, Policy, Source},
    pool::{Done, Job, Pool, Tag},
    sys::{self, Nowait},
    workload::{Generator, Kind},
};
use std::{
    collections::VecDeque,
    fs::File,
    io,
    sync::{
        mpsc::{self, RecvTimeoutError},
        Arc,
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

#[derive(Debug, Clone, Copy)]
pub struct PhaseCfg {
    pub policy: Policy,
    pub guided: GuidedCfg,
    pub warmup: Duration,
    pub measure: Duration,
    pub workers: usize,
    /// Own counters: a nowait read taking this long or longer is a miss (it read in).
    pub slow: Duration,
    /// How often f2's pages are dropped (None: never).
    pub evict: Option<Duration>,
    /// Open loop: requests per second of f1, f2, f3 (None: closed loop).
    pub rates: Option<[f64; 3]>,
    /// The arrivals' seed (the same for every policy of a round).
    pub seed: u64,
}

/// A workload in a phase: its files and its request stream.
pub struct Workload {
    pub set: Set,
    pub gen: Generator,
}

/// What a phase measured, per workload (in the order given).
pub struct PhaseOut {
    pub recs: Vec<Recorder>,
    /// "kernel" (rnwfs's statistics) or "own", per workload: where policy (c) got its
    /// hit ratios.
    pub sources: Vec<&'static str>,
    /// Per workload: files policy (c) judged worth a nowait try at the end, of all.
    pub good_files: Vec<(usize, usize)>,
}

/// Drops f2's pages every period until told to stop (dropping it stops it too).
struct Evictor {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Evictor {
    fn start(files: Vec<Arc<File>>, period: Duration) -> io::Result<Evictor> {
        let (stop, rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("evictor".into())
            .spawn(move || loop {
                match rx.recv_timeout(period) {
                    Err(RecvTimeoutError::Timeout) => {
                        files.iter().try_for_each(|f| sys::drop_cache(f))?
                    }
                    _ => return Ok(()),
                }
            })?;
        Ok(Evictor {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    fn finish(&mut self) -> io::Result<()> {
        self.stop.take();
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(io::Error::other("the evictor thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for Evictor {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

struct EventLoop<'a> {
    cfg: &'a PhaseCfg,
    wl: &'a mut [Workload],
    decider: Decider,
    pool: Pool,
    rx: mpsc::Receiver<Done>,
    buf: Vec<u8>,
    recs: Vec<Recorder>,
    /// Closed loop: streams whose request is done.
    ready: VecDeque<(usize, usize)>,
    /// Open loop: the arrivals to come.
    arrivals: Option<Arrivals>,
    /// The last sleep of the loop: when it began and when the loop woke.
    slept: Option<(Instant, Instant)>,
    outstanding: usize,
    warm_end: Instant,
    end: Instant,
}

/// When the event loop takes note of an open-loop arrival at `t`. An arrival while the
/// loop slept is seen when it woke: in a server the client's packet would have woken it,
/// here a timer stands in for the packet, and under TCG a timer wakes a sleeping thread
/// a few hundred us late, the same for every policy. An arrival while the loop was busy
/// (serving other requests, or blocked in a nowait read that read the data in) counts
/// from `t`: that wait is the policy's doing.
fn arrival_seen(t: Instant, slept: Option<(Instant, Instant)>) -> Instant {
    match slept {
        Some((from, woke)) if t >= from && t < woke => woke,
        _ => t,
    }
}

fn ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl EventLoop<'_> {
    /// A stream's next request, which arrived at `issued`.
    fn issue(&mut self, w: usize, s: usize, issued: Instant) -> io::Result<()> {
        let x = &mut self.wl[w];
        let kind: Kind = x.set.spec.kind;
        let req = x.gen.next(s);
        if let Some(left) = req.left {
            if let Some(f) = x.set.files.get(left) {
                sys::drop_cache(f)?;
            }
        }
        let file =
            x.set.files.get(req.file).ok_or_else(|| {
                io::Error::other(format!("{}: no file {}", kind.name(), req.file))
            })?;
        let len = usize::try_from(req.len).map_err(|_| io::Error::other("request length"))?;
        let measured = issued >= self.warm_end;
        let rec = &mut self.recs[w];
        let key = (kind, req.file);
        let mut done = 0u64;
        if self.decider.should_try(key) {
            let buf = self
                .buf
                .get_mut(..len)
                .ok_or_else(|| io::Error::other("request larger than the buffer"))?;
            let t0 = Instant::now();
            let r = sys::read_nowait(file, buf, req.off)?;
            let dt = t0.elapsed();
            let full = matches!(r, Nowait::Read(n) if n >= len);
            if self.decider.observe(key, full && dt < self.cfg.slow) {
                if let Some((ok, again)) = kstats::read_counts(file)? {
                    self.decider.kernel_counts(key, ok, again);
                }
            }
            if measured {
                rec.nowait_calls += 1;
                rec.nowait_ns = rec.nowait_ns.saturating_add(ns(dt));
            }
            match r {
                Nowait::Read(_) if full => {
                    if measured {
                        rec.lat_ns.push(ns(issued.elapsed()));
                        rec.bytes = rec.bytes.saturating_add(req.len);
                        rec.inline += 1;
                        if dt >= self.cfg.slow {
                            rec.slow_inline += 1;
                        }
                    }
                    if self.arrivals.is_none() {
                        self.ready.push_back((w, s));
                    }
                    return Ok(());
                }
                // Part of the range (0 too: the read found nothing it could copy): the
                // pool reads the rest.
                Nowait::Read(n) => {
                    done = n as u64;
                    if measured {
                        rec.short += 1;
                    }
                }
                Nowait::Again => {
                    if measured {
                        rec.eagain += 1;
                    }
                }
                Nowait::Unsupported => {
                    if measured {
                        rec.unsupported += 1;
                    }
                }
            }
        }
        self.pool.submit(Job {
            file: Arc::clone(file),
            off: req.off + done,
            len: req.len - done,
            tag: Tag {
                stream: s,
                workload: w,
                bytes: req.len,
                issued,
                measured,
            },
        });
        self.outstanding += 1;
        Ok(())
    }

    fn complete(&mut self, d: Done) -> io::Result<()> {
        self.outstanding = self.outstanding.saturating_sub(1);
        let t = Instant::now();
        let Tag {
            stream,
            workload,
            bytes,
            issued,
            measured,
        } = d.tag;
        d.result.map_err(|e| {
            let kind = self
                .wl
                .get(workload)
                .map_or("?", |x| x.set.spec.kind.name());
            io::Error::new(e.kind(), format!("{kind}: a worker's read failed: {e}"))
        })?;
        if measured {
            let rec = &mut self.recs[workload];
            rec.lat_ns.push(ns(t - issued));
            rec.bytes = rec.bytes.saturating_add(bytes);
        }
        if t < self.end && self.arrivals.is_none() {
            self.ready.push_back((workload, stream));
        }
        Ok(())
    }

    fn run(&mut self) -> io::Result<()> {
        loop {
            while let Ok(d) = self.rx.try_recv() {
                self.complete(d)?;
            }
            let now = Instant::now();
            if now >= self.end {
                break;
            }
            if let Some((w, s)) = self.ready.pop_front() {
                self.issue(w, s, now)?;
                continue;
            }
            if let Some((t, w, s)) = self.arrivals.as_mut().and_then(|a| a.pop_due(now)) {
                self.issue(w, s, arrival_seen(t, self.slept))?;
                continue;
            }
            let until = self
                .arrivals
                .as_ref()
                .and_then(Arrivals::next_due)
                .map_or(self.end, |t| t.min(self.end));
            let r = self.rx.recv_timeout(until.saturating_duration_since(now));
            self.slept = Some((now, Instant::now()));
            match r {
                Ok(d) => self.complete(d)?,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(io::Error::other("the workers are gone"))
                }
            }
        }
        // The requests still out: a read stuck for a minute is a broken system, not a
        // benchmark result.
        while self.outstanding > 0 {
            match self.rx.recv_timeout(Duration::from_secs(60)) {
                Ok(d) => self.complete(d)?,
                Err(_) => {
                    return Err(io::Error::other(format!(
                        "{} reads did not finish within 60 s",
                        self.outstanding
                    )))
                }
            }
        }
        Ok(())
    }
}

/// Runs one phase over the workloads (their caches prepared by the caller).
pub fn run_phase(cfg: &PhaseCfg, wl: &mut [Workload]) -> io::Result<PhaseOut> {
    let mut decider = Decider::new(cfg.policy, cfg.guided);
    let mut sources = Vec::with_capacity(wl.len());
    for x in wl.iter() {
        let mut name = "own";
        for (i, f) in x.set.files.iter().enumerate() {
            let src = match kstats::read_counts(f)? {
                Some((ok, again)) => {
                    name = "kernel";
                    Source::Kernel { ok, again }
                }
                None => Source::Own,
            };
            decider.add_file((x.set.spec.kind, i), src);
        }
        sources.push(name);
    }
    let max_len = wl.iter().map(|x| x.set.spec.bs).max().unwrap_or(0);
    let max_len = usize::try_from(max_len).map_err(|_| io::Error::other("block size"))?;
    let (tx, rx) = mpsc::channel();
    let pool = Pool::new(cfg.workers, max_len, tx)?;
    // Streams in round-robin order over the workloads, so no workload starts first.
    let most = wl
        .iter()
        .map(|x| x.set.spec.streams as usize)
        .max()
        .unwrap_or(0);
    let mut ready = VecDeque::new();
    for s in 0..most {
        for (w, x) in wl.iter().enumerate() {
            if s < x.set.spec.streams as usize {
                ready.push_back((w, s));
            }
        }
    }
    let f2: Vec<Arc<File>> = wl
        .iter()
        .filter(|x| x.set.spec.kind == Kind::F2)
        .flat_map(|x| x.set.files.iter().cloned())
        .collect();
    let mut evictor = match cfg.evict {
        Some(p) if !f2.is_empty() && !p.is_zero() => Some(Evictor::start(f2, p)?),
        _ => None,
    };
    sys::precise_timers();
    let start = Instant::now();
    let warm_end = start + cfg.warmup;
    let end = warm_end + cfg.measure;
    let arrivals = cfg.rates.map(|rates| {
        let loads: Vec<(u32, f64)> = wl
            .iter()
            .map(|x| (x.set.spec.streams, rates[x.set.spec.kind.index()]))
            .collect();
        Arrivals::new(&loads, start, end, cfg.seed)
    });
    if arrivals.is_some() {
        ready.clear();
    }
    let recs = wl.iter().map(|_| Recorder::default()).collect();
    let mut el = EventLoop {
        cfg,
        wl,
        decider,
        pool,
        rx,
        buf: vec![0u8; max_len],
        recs,
        ready,
        arrivals,
        slept: None,
        outstanding: 0,
        warm_end,
        end,
    };
    el.run()?;
    let secs = el.warm_end.elapsed().as_secs_f64();
    if let Some(e) = evictor.as_mut() {
        e.finish()?;
    }
    let EventLoop {
        pool,
        mut recs,
        decider,
        wl,
        ..
    } = el;
    let good_files = wl
        .iter()
        .map(|x| {
            let n = x.set.files.len();
            let good = (0..n)
                .filter(|&i| decider.judged_good((x.set.spec.kind, i)))
                .count();
            (good, n)
        })
        .collect();
    pool.shutdown();
    for r in &mut recs {
        r.secs = secs;
    }
    Ok(PhaseOut {
        recs,
        sources,
        good_files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_during_a_sleep_count_from_the_wake_up() {
        let t0 = Instant::now();
        let at = |us| t0 + Duration::from_micros(us);
        // Slept from 100 to 400 us.
        let slept = Some((at(100), at(400)));
        assert_eq!(arrival_seen(at(250), slept), at(400));
        assert_eq!(arrival_seen(at(100), slept), at(400));
        // Before the sleep (the loop was busy) or after the wake-up: as they came.
        assert_eq!(arrival_seen(at(50), slept), at(50));
        assert_eq!(arrival_seen(at(400), slept), at(400));
        assert_eq!(arrival_seen(at(500), slept), at(500));
        assert_eq!(arrival_seen(at(250), None), at(250));
    }
}
