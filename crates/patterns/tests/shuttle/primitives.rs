//! The primitives under shuttle: semaphores, lightswitch, barrier, both
//! flavours.

use super::harness::*;
use lbos_patterns::blocking::{Barrier, FifoSemaphore, Semaphore};
use lbos_patterns::tasks;
use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicUsize, Ordering};

fn mutex_scenario<S: lbos_patterns::blocking::Sem + 'static>(sem: S) {
    let sem = Arc::new(sem);
    let occ = Occupancy::new();
    let count = Arc::new(AtomicUsize::new(0));
    let actors = (0..3)
        .map(|_| {
            let (sem, occ, count) = (sem.clone(), occ.clone(), count.clone());
            Box::new(move || {
                for _ in 0..2 {
                    sem.wait();
                    occ.enter(1, "semaphore(1) as mutex");
                    // A non-atomic increment: loses updates without exclusion.
                    let v = count.load(Ordering::SeqCst);
                    shuttle::thread::yield_now();
                    count.store(v + 1, Ordering::SeqCst);
                    occ.leave();
                    sem.signal();
                }
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    run_all(actors);
    assert_eq!(count.load(Ordering::SeqCst), 6, "lost update");
}

#[test]
fn weak_semaphore_as_mutex() {
    explore(|| mutex_scenario(Semaphore::new(1)));
}

#[test]
fn fifo_semaphore_as_mutex() {
    explore(|| mutex_scenario(FifoSemaphore::new(1)));
}

/// Property 3: after a signal that finds a waiter, the permit belongs to that
/// waiter; the signaller cannot take it back with try_wait or wait.
#[test]
fn signal_hands_off_to_a_waiter() {
    explore(|| {
        let sem = Arc::new(Semaphore::new(0));
        let got = Arc::new(AtomicUsize::new(0));
        let (s2, g2) = (sem.clone(), got.clone());
        let waiter = shuttle::thread::spawn(move || {
            s2.wait();
            g2.store(1, Ordering::SeqCst);
        });
        spin_until(|| value_of(&*sem) == -1);
        sem.signal();
        assert!(!sem.try_wait(), "signaller stole its own signal");
        waiter.join().unwrap();
        assert_eq!(got.load(Ordering::SeqCst), 1);
    });
}

/// A FIFO semaphore releases waiters in the order they queued.
#[test]
fn fifo_order() {
    explore(|| {
        let sem = Arc::new(FifoSemaphore::new(0));
        let log = Log::new();
        let mut hs = Vec::new();
        for i in 0..3 {
            let (s, l) = (sem.clone(), log.clone());
            hs.push(shuttle::thread::spawn(move || {
                s.wait();
                l.push(i);
                s.signal();
            }));
            // Thread i is queued before thread i + 1 is started.
            spin_until(|| value_of(&*sem) == -(i as isize + 1));
        }
        sem.signal();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(log.snapshot(), vec![0, 1, 2]);
    });
}

#[test]
fn signal_n_releases_n() {
    explore(|| {
        let sem = Arc::new(Semaphore::new(0));
        let passed = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..3)
            .map(|_| {
                let (s, p) = (sem.clone(), passed.clone());
                shuttle::thread::spawn(move || {
                    s.wait();
                    p.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        sem.signal_n(2);
        spin_until(|| passed.load(Ordering::SeqCst) == 2);
        assert!(!sem.try_wait(), "a third permit appeared");
        sem.signal();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(passed.load(Ordering::SeqCst), 3);
    });
}

/// Checks the two-phase barrier properties for `n` threads and `rounds`:
/// nobody leaves phase 1 of round k before all n arrived at round k, and
/// nobody leaves phase 2 before all n left phase 1 (no lap overtaking).
fn barrier_scenario(
    phase1: impl Fn() + Send + Sync + 'static,
    phase2: impl Fn() + Send + Sync + 'static,
    n: usize,
    rounds: usize,
) {
    let arrived: Arc<Vec<AtomicUsize>> =
        Arc::new((0..rounds).map(|_| AtomicUsize::new(0)).collect());
    let passed: Arc<Vec<AtomicUsize>> =
        Arc::new((0..rounds).map(|_| AtomicUsize::new(0)).collect());
    let p1 = Arc::new(phase1);
    let p2 = Arc::new(phase2);
    let actors = (0..n)
        .map(|_| {
            let (arrived, passed, p1, p2) =
                (arrived.clone(), passed.clone(), p1.clone(), p2.clone());
            Box::new(move || {
                for k in 0..rounds {
                    arrived[k].fetch_add(1, Ordering::SeqCst);
                    p1();
                    assert_eq!(
                        arrived[k].load(Ordering::SeqCst),
                        n,
                        "passed round {k} before everyone arrived"
                    );
                    passed[k].fetch_add(1, Ordering::SeqCst);
                    p2();
                    assert_eq!(
                        passed[k].load(Ordering::SeqCst),
                        n,
                        "left round {k} before everyone passed phase 1"
                    );
                }
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    run_all(actors);
}

#[test]
fn barrier_reusable() {
    explore(|| {
        let b = Arc::new(Barrier::new(3));
        let b2 = b.clone();
        barrier_scenario(
            move || {
                b.phase1();
            },
            move || b2.phase2(),
            3,
            3,
        );
    });
}

/// Book §3.7 "reusable barrier non-solution #2": one turnstile, locked again
/// by the last thread out. A precocious thread laps the others.
struct OneTurnstileBarrier {
    n: usize,
    count: AtomicUsize,
    mutex: Semaphore,
    turnstile: Semaphore,
}

impl OneTurnstileBarrier {
    fn phase1(&self) {
        self.mutex.wait();
        let c = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        if c == self.n {
            self.turnstile.signal();
        }
        self.mutex.signal();
        self.turnstile.wait();
        self.turnstile.signal();
    }
    fn phase2(&self) {
        self.mutex.wait();
        let c = self.count.fetch_sub(1, Ordering::SeqCst) - 1;
        if c == 0 {
            self.turnstile.wait();
        }
        self.mutex.signal();
    }
}

#[test]
fn broken_barrier_without_second_turnstile_is_caught() {
    let msg = expect_bug(5000, || {
        let b = Arc::new(OneTurnstileBarrier {
            n: 2,
            count: AtomicUsize::new(0),
            mutex: Semaphore::new(1),
            turnstile: Semaphore::new(0),
        });
        let b2 = b.clone();
        barrier_scenario(move || b.phase1(), move || b2.phase2(), 2, 3);
    });
    assert!(msg.contains("before everyone"), "unexpected failure: {msg}");
}

#[test]
fn async_semaphore_as_mutex() {
    explore(|| {
        shuttle::future::block_on(async {
            let sem = Arc::new(tasks::Semaphore::new(1));
            let occ = Occupancy::new();
            let hs: Vec<_> = (0..3)
                .map(|_| {
                    let (sem, occ) = (sem.clone(), occ.clone());
                    tokio::spawn(async move {
                        for _ in 0..2 {
                            sem.wait().await;
                            occ.enter(1, "async semaphore(1)");
                            tokio::task::yield_now().await;
                            occ.leave();
                            sem.signal();
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        })
    });
}

/// Aborting a task at any point of its wait never loses the permit.
#[test]
fn async_wait_cancellation_passes_the_permit_on() {
    explore(|| {
        shuttle::future::block_on(async {
            let sem = Arc::new(tasks::FifoSemaphore::new(0));
            let s2 = sem.clone();
            let t = tokio::spawn(async move {
                s2.wait().await;
                s2.signal();
            });
            let s3 = sem.clone();
            let other = tokio::spawn(async move {
                s3.wait().await;
            });
            sem.signal();
            t.abort();
            // Whatever point `t` was aborted at, one permit is still in play:
            // `other` gets it (directly, via `t`, or via t's cancelled wait).
            other.await.unwrap();
            let _ = t.await;
        })
    });
}

#[test]
fn async_barrier_reusable() {
    explore(|| {
        shuttle::future::block_on(async {
            let n = 3;
            let rounds = 2;
            let b = Arc::new(tasks::Barrier::new(n));
            let arrived: Arc<Vec<AtomicUsize>> =
                Arc::new((0..rounds).map(|_| AtomicUsize::new(0)).collect());
            let leaders = Arc::new(AtomicUsize::new(0));
            let hs: Vec<_> = (0..n)
                .map(|_| {
                    let (b, arrived, leaders) = (b.clone(), arrived.clone(), leaders.clone());
                    tokio::spawn(async move {
                        for k in 0..rounds {
                            arrived[k].fetch_add(1, Ordering::SeqCst);
                            if b.wait().await {
                                leaders.fetch_add(1, Ordering::SeqCst);
                            }
                            assert_eq!(arrived[k].load(Ordering::SeqCst), n);
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
            assert_eq!(
                leaders.load(Ordering::SeqCst),
                rounds,
                "one leader per round"
            );
        })
    });
}
