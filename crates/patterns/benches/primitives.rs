//! Side-by-side benchmarks of the crate's primitives against std and tokio,
//! plus a measurement of FIFO overtaking.
//!
//! Run: `cargo bench -p lbos-patterns --bench primitives -- --warm-up-time 1 --measurement-time 2`
//!
//! Every benchmark uses `iter_custom`: `t` threads (or tasks) each perform
//! `iters` operations, and the time is from the moment all are released to
//! the moment the last finishes; criterion reports it per operation of one
//! thread, so lower is better and ratios compare like with like.

#[cfg(not(feature = "shuttle"))]
mod real {
    use criterion::{BenchmarkId, Criterion};
    use lbos_patterns::{blocking, tasks};
    use std::future::Future;
    use std::hint::black_box;
    use std::pin::pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Condvar, Mutex};
    use std::task::{Context, Poll, Wake, Waker};
    use std::time::{Duration, Instant};

    pub const THREADS: [usize; 4] = [2, 4, 8, 16];

    /// The usual std "semaphore": a counter under a mutex with a condvar.
    /// A released permit goes to whichever thread locks first (barging).
    pub struct CondvarSemaphore {
        n: Mutex<usize>,
        cv: Condvar,
    }

    impl CondvarSemaphore {
        pub fn new(n: usize) -> Self {
            CondvarSemaphore {
                n: Mutex::new(n),
                cv: Condvar::new(),
            }
        }
        pub fn wait(&self) {
            let mut n = self.n.lock().unwrap();
            while *n == 0 {
                n = self.cv.wait(n).unwrap();
            }
            *n -= 1;
        }
        pub fn signal(&self) {
            *self.n.lock().unwrap() += 1;
            self.cv.notify_one();
        }
    }

    struct ThreadWaker(std::thread::Thread);
    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    /// Minimal `block_on`: poll, park until woken.
    pub fn block_on<F: Future>(f: F) -> F::Output {
        let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut f = pin!(f);
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
            std::thread::park();
        }
    }

    /// Runs `op` `iters` times on each of `t` threads, timed together.
    fn threads(t: usize, iters: u64, op: impl Fn() + Send + Sync + 'static) -> Duration {
        let op = Arc::new(op);
        let start = Arc::new(std::sync::Barrier::new(t + 1));
        let hs: Vec<_> = (0..t)
            .map(|_| {
                let (op, start) = (op.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    for _ in 0..iters {
                        op();
                    }
                })
            })
            .collect();
        start.wait();
        let t0 = Instant::now();
        for h in hs {
            h.join().unwrap();
        }
        t0.elapsed()
    }

    /// The async counterpart on a multi-threaded tokio runtime (2 workers).
    fn tasks<F, Fut>(rt: &tokio::runtime::Runtime, t: usize, iters: u64, op: F) -> Duration
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let op = Arc::new(op);
        rt.block_on(async move {
            let t0 = Instant::now();
            let hs: Vec<_> = (0..t)
                .map(|_| {
                    let op = op.clone();
                    tokio::spawn(async move {
                        for _ in 0..iters {
                            op().await;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
            t0.elapsed()
        })
    }

    fn work(c: &AtomicUsize) {
        // A tiny critical section.
        black_box(c.fetch_add(1, Ordering::Relaxed));
    }

    pub fn semaphores(c: &mut Criterion) {
        let mut g = c.benchmark_group("semaphore_as_mutex");
        for t in THREADS {
            g.bench_with_input(BenchmarkId::new("lbos_weak", t), &t, |b, &t| {
                b.iter_custom(|iters| {
                    let s = Arc::new(blocking::Semaphore::new(1));
                    let n = Arc::new(AtomicUsize::new(0));
                    threads(t, iters, move || {
                        s.wait();
                        work(&n);
                        s.signal();
                    })
                })
            });
            g.bench_with_input(BenchmarkId::new("lbos_fifo", t), &t, |b, &t| {
                b.iter_custom(|iters| {
                    let s = Arc::new(blocking::FifoSemaphore::new(1));
                    let n = Arc::new(AtomicUsize::new(0));
                    threads(t, iters, move || {
                        s.wait();
                        work(&n);
                        s.signal();
                    })
                })
            });
            g.bench_with_input(BenchmarkId::new("mutex_condvar", t), &t, |b, &t| {
                b.iter_custom(|iters| {
                    let s = Arc::new(CondvarSemaphore::new(1));
                    let n = Arc::new(AtomicUsize::new(0));
                    threads(t, iters, move || {
                        s.wait();
                        work(&n);
                        s.signal();
                    })
                })
            });
            g.bench_with_input(BenchmarkId::new("tokio_block_on", t), &t, |b, &t| {
                b.iter_custom(|iters| {
                    let s = Arc::new(tokio::sync::Semaphore::new(1));
                    let n = Arc::new(AtomicUsize::new(0));
                    threads(t, iters, move || {
                        let p = block_on(s.acquire()).unwrap();
                        work(&n);
                        drop(p);
                    })
                })
            });
        }
        g.finish();

        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let mut g = c.benchmark_group("async_semaphore_as_mutex");
        for t in THREADS {
            g.bench_with_input(BenchmarkId::new("lbos_fifo", t), &t, |b, &t| {
                b.iter_custom(|iters| {
                    let s = Arc::new(tasks::FifoSemaphore::new(1));
                    let n = Arc::new(AtomicUsize::new(0));
                    tasks(&rt, t, iters, move || {
                        let (s, n) = (s.clone(), n.clone());
                        async move {
                            s.wait().await;
                            work(&n);
                            s.signal();
                        }
                    })
                })
            });
            g.bench_with_input(BenchmarkId::new("tokio", t), &t, |b, &t| {
                b.iter_custom(|iters| {
                    let s = Arc::new(tokio::sync::Semaphore::new(1));
                    let n = Arc::new(AtomicUsize::new(0));
                    tasks(&rt, t, iters, move || {
                        let (s, n) = (s.clone(), n.clone());
                        async move {
                            let p = s.acquire().await.unwrap();
                            work(&n);
                            drop(p);
                        }
                    })
                })
            });
        }
        g.finish();
    }

    pub fn barriers(c: &mut Criterion) {
        let mut g = c.benchmark_group("barrier_round");
        for t in THREADS {
            g.bench_with_input(BenchmarkId::new("lbos", t), &t, |b, &t| {
                b.iter_custom(|iters| {
                    let bar = Arc::new(blocking::Barrier::new(t));
                    threads(t, iters, move || {
                        bar.wait();
                    })
                })
            });
            g.bench_with_input(BenchmarkId::new("std", t), &t, |b, &t| {
                b.iter_custom(|iters| {
                    let bar = Arc::new(std::sync::Barrier::new(t));
                    threads(t, iters, move || {
                        bar.wait();
                    })
                })
            });
        }
        g.finish();

        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let mut g = c.benchmark_group("async_barrier_round");
        for t in THREADS {
            g.bench_with_input(BenchmarkId::new("lbos", t), &t, |b, &t| {
                b.iter_custom(|iters| {
                    let bar = Arc::new(tasks::Barrier::new(t));
                    tasks(&rt, t, iters, move || {
                        let bar = bar.clone();
                        async move {
                            bar.wait().await;
                        }
                    })
                })
            });
            g.bench_with_input(BenchmarkId::new("tokio", t), &t, |b, &t| {
                b.iter_custom(|iters| {
                    let bar = Arc::new(tokio::sync::Barrier::new(t));
                    tasks(&rt, t, iters, move || {
                        let bar = bar.clone();
                        async move {
                            bar.wait().await;
                        }
                    })
                })
            });
        }
        g.finish();
    }

    /// Maximum overtaking: `t` threads each acquire a semaphore(1) `rounds`
    /// times. A thread takes a ticket and makes its first attempt to acquire
    /// (which queues it if no permit is free) inside one `gate` lock, so
    /// ticket order is exactly queueing order. Once inside, it logs its
    /// ticket. A ticket's overtaking count is the number of larger tickets
    /// logged before it; a strictly FIFO semaphore scores 0.
    ///
    /// `first` makes the first attempt and returns a future to finish the
    /// wait (async semaphores: the first poll of the acquire future queues
    /// the task). For the mutex+condvar baseline there is no queue to join:
    /// its ticket is taken just before `wait`.
    pub fn overtaking<S: Send + Sync + 'static>(
        name: &str,
        t: usize,
        rounds: usize,
        sem: S,
        acquire: impl Fn(&S, &Mutex<()>, &AtomicUsize) -> usize + Send + Sync + 'static,
        release: impl Fn(&S) + Send + Sync + 'static,
    ) -> usize {
        let ctx = Arc::new((
            sem,
            Mutex::new(()),
            AtomicUsize::new(0),
            Mutex::new(Vec::with_capacity(t * rounds)),
        ));
        let acquire = Arc::new(acquire);
        let release = Arc::new(release);
        let hs: Vec<_> = (0..t)
            .map(|_| {
                let (ctx, acquire, release) = (ctx.clone(), acquire.clone(), release.clone());
                std::thread::spawn(move || {
                    for _ in 0..rounds {
                        let my = acquire(&ctx.0, &ctx.1, &ctx.2);
                        ctx.3.lock().unwrap().push(my);
                        release(&ctx.0);
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        let log = ctx.3.lock().unwrap();
        // For each acquisition, count earlier acquisitions with a larger
        // ticket (Fenwick tree over tickets).
        let mut tree = vec![0usize; log.len() + 1];
        let mut max = 0;
        for (k, &tk) in log.iter().enumerate() {
            let mut i = tk + 1;
            let mut le = 0;
            while i > 0 {
                le += tree[i];
                i -= i & i.wrapping_neg();
            }
            max = max.max(k - le);
            let mut i = tk + 1;
            while i < tree.len() {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
        println!(
            "overtaking/{name}/{t}: max {max} over {} acquisitions",
            log.len()
        );
        max
    }

    /// First poll of `fut` under the gate with a ticket, then block until done.
    fn gated<F: Future>(gate: &Mutex<()>, ticket: &AtomicUsize, fut: F) -> (usize, F::Output) {
        let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut fut = pin!(fut);
        let (my, first) = {
            let _g = gate.lock().unwrap();
            (
                ticket.fetch_add(1, Ordering::SeqCst),
                fut.as_mut().poll(&mut cx),
            )
        };
        if let Poll::Ready(v) = first {
            return (my, v);
        }
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return (my, v);
            }
            std::thread::park();
        }
    }

    pub fn all_overtaking() {
        for t in [4, 16] {
            let rounds = 20_000 / t;
            overtaking(
                "lbos_weak",
                t,
                rounds,
                tasks::Semaphore::new(1),
                |s, g, tk| gated(g, tk, s.wait()).0,
                |s| s.signal(),
            );
            overtaking(
                "lbos_fifo",
                t,
                rounds,
                tasks::FifoSemaphore::new(1),
                |s, g, tk| gated(g, tk, s.wait()).0,
                |s| s.signal(),
            );
            overtaking(
                "tokio",
                t,
                rounds,
                tokio::sync::Semaphore::new(1),
                |s, g, tk| {
                    let (my, p) = gated(g, tk, s.acquire());
                    p.unwrap().forget();
                    my
                },
                |s| s.add_permits(1),
            );
            overtaking(
                "mutex_condvar",
                t,
                rounds,
                CondvarSemaphore::new(1),
                |s, g, tk| {
                    let my = {
                        let _g = g.lock().unwrap();
                        tk.fetch_add(1, Ordering::SeqCst)
                    };
                    s.wait();
                    my
                },
                |s| s.signal(),
            );
        }
    }
}

#[cfg(not(feature = "shuttle"))]
fn main() {
    let mut c = criterion::Criterion::default().configure_from_args();
    real::semaphores(&mut c);
    real::barriers(&mut c);
    c.final_summary();
    real::all_overtaking();
}

#[cfg(feature = "shuttle")]
fn main() {
    eprintln!("benchmarks measure the std build: run them without the `shuttle` feature");
}
