// SPDX-License-Identifier: GPL-2.0
//! The worker pool: a FIFO of read jobs served by N threads with blocking preads, as the
//! thread pools of Samba, libuv or a posix-aio emulation do. FIFO is the point: a cached
//! read handed off waits behind the uncached ones queued before it. Finished jobs go back
//! to the event loop through a channel.

use crate::sys;
use std::{
    collections::VecDeque,
    fs::File,
    io,
    sync::{mpsc::Sender, Arc, Condvar, Mutex, PoisonError},
    thread::JoinHandle,
    time::Instant,
};

/// A read handed to the pool: the range still to read and what the event loop needs to
/// account for it when it comes back.
#[derive(Debug)]
pub struct Job {
    pub file: Arc<File>,
    pub off: u64,
    pub len: u64,
    /// Stream, workload and file, for the event loop.
    pub tag: Tag,
}

#[derive(Debug, Clone, Copy)]
pub struct Tag {
    pub stream: usize,
    pub workload: usize,
    /// The whole request's size (a short nowait read hands off only the rest).
    pub bytes: u64,
    pub issued: Instant,
    pub measured: bool,
}

/// A job done: its tag and whether the read succeeded.
#[derive(Debug)]
pub struct Done {
    pub tag: Tag,
    pub result: io::Result<()>,
}

struct Queue {
    jobs: VecDeque<Job>,
    closing: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

pub struct Pool {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

fn worker(shared: Arc<Shared>, done: Sender<Done>, max_len: usize) {
    let mut buf = vec![0u8; max_len];
    loop {
        let job = {
            // A panicking worker poisons the lock; the queue itself stays consistent
            // (push and pop only), so the others carry on.
            let mut q = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if let Some(job) = q.jobs.pop_front() {
                    break job;
                }
                if q.closing {
                    return;
                }
                q = shared.ready.wait(q).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let result = match usize::try_from(job.len).ok().and_then(|n| buf.get_mut(..n)) {
            Some(b) => sys::read_full(&job.file, b, job.off),
            None => Err(io::Error::other(format!(
                "job of {} bytes, buffers hold {max_len}",
                job.len
            ))),
        };
        // The event loop gone means the phase ended early (an error there): stop.
        if done
            .send(Done {
                tag: job.tag,
                result,
            })
            .is_err()
        {
            return;
        }
    }
}

impl Pool {
    /// `workers` threads, each with a buffer of `max_len` bytes.
    pub fn new(workers: usize, max_len: usize, done: Sender<Done>) -> io::Result<Pool> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                jobs: VecDeque::new(),
                closing: false,
            }),
            ready: Condvar::new(),
        });
        let mut pool = Pool {
            shared,
            threads: Vec::with_capacity(workers),
        };
        for i in 0..workers {
            let (s, d) = (Arc::clone(&pool.shared), done.clone());
            let t = std::thread::Builder::new()
                .name(format!("pool-{i}"))
                .spawn(move || worker(s, d, max_len))?;
            pool.threads.push(t);
        }
        Ok(pool)
    }

    pub fn submit(&self, job: Job) {
        let mut q = self
            .shared
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        q.jobs.push_back(job);
        drop(q);
        self.shared.ready.notify_one();
    }

    /// Lets the workers finish the queue, then joins them.
    pub fn shutdown(mut self) {
        self.close();
    }

    fn close(&mut self) {
        self.shared
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closing = true;
        self.shared.ready.notify_all();
        for t in self.threads.drain(..) {
            // A worker that panicked has already said so on stderr.
            let _ = t.join();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{io::Write, sync::mpsc};

    #[test]
    fn workers_read_the_jobs_and_report_each() {
        let path = std::env::temp_dir().join(format!("rnw-pool-bench-pool-{}", std::process::id()));
        let mut f = File::create(&path).unwrap();
        f.write_all(&[7u8; 8192]).unwrap();
        drop(f);
        let file = Arc::new(File::open(&path).unwrap());
        let (tx, rx) = mpsc::channel();
        let pool = Pool::new(2, 4096, tx).unwrap();
        let tag = |stream| Tag {
            stream,
            workload: 0,
            bytes: 4096,
            issued: Instant::now(),
            measured: true,
        };
        for s in 0..6 {
            pool.submit(Job {
                file: Arc::clone(&file),
                off: (s as u64 % 2) * 4096,
                len: 4096,
                tag: tag(s),
            });
        }
        // Past the end of the file, and larger than the buffers: errors, reported.
        pool.submit(Job {
            file: Arc::clone(&file),
            off: 8192,
            len: 4096,
            tag: tag(6),
        });
        pool.submit(Job {
            file: Arc::clone(&file),
            off: 0,
            len: 8192,
            tag: tag(7),
        });
        pool.shutdown();
        let mut done: Vec<Done> = rx.iter().collect();
        done.sort_by_key(|d| d.tag.stream);
        assert_eq!(done.len(), 8);
        assert!(done[..6].iter().all(|d| d.result.is_ok()));
        assert!(done[6].result.is_err());
        assert!(done[7].result.is_err());
        let _ = std::fs::remove_file(&path);
    }
}
