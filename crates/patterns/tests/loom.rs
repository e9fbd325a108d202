//! Exhaustive checks of the primitives with loom, within a preemption bound.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p lbos-patterns --test loom`
//!
//! Loom explores every interleaving of the loom-visible operations (the
//! crate's internal mutexes, condvars and atomics) with at most
//! `PREEMPTIONS` preemptions per execution (override with
//! `LOOM_MAX_PREEMPTIONS`). Loom allows at most 4 threads besides the main
//! one, has no barrier, and aborts the process on a deadlock, so scenarios
//! are small and never deadlock when correct.
#![cfg(loom)]

use lbos_patterns::blocking::{Barrier, FifoSemaphore, Lightswitch, Semaphore};
use lbos_patterns::tasks;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

const PREEMPTIONS: usize = 3;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(PREEMPTIONS);
    }
    b.check(f);
}

/// Two threads increment a counter non-atomically under the semaphore.
fn mutex_counter<S: lbos_patterns::blocking::Sem + 'static>(make: fn() -> S) {
    model(move || {
        let s = Arc::new(make());
        let n = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let (s, n) = (s.clone(), n.clone());
                thread::spawn(move || {
                    s.wait();
                    let v = n.load(Ordering::Relaxed);
                    n.store(v + 1, Ordering::Relaxed);
                    s.signal();
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(n.load(Ordering::Relaxed), 2);
    });
}

#[test]
fn weak_semaphore_mutex() {
    mutex_counter(|| Semaphore::new(1));
}

#[test]
fn fifo_semaphore_mutex() {
    mutex_counter(|| FifoSemaphore::new(1));
}

/// A signal with a queued waiter belongs to the waiter: the signaller's
/// `try_wait` succeeds only if nobody was queued, and no permit is lost or
/// duplicated either way.
#[test]
fn signal_hand_off() {
    model(|| {
        let s = Arc::new(Semaphore::new(0));
        let s2 = s.clone();
        let w = thread::spawn(move || s2.wait());
        s.signal();
        if s.try_wait() {
            // The waiter had not queued yet: give the permit back.
            s.signal();
        }
        w.join().unwrap();
        assert!(!s.try_wait(), "a permit was duplicated");
    });
}

/// Two phases of a 2-thread barrier, reused twice.
#[test]
fn barrier_two_rounds() {
    model(|| {
        let b = Arc::new(Barrier::new(2));
        let arrived = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let (b, arrived) = (b.clone(), arrived.clone());
                thread::spawn(move || {
                    for k in 0..2 {
                        arrived[k].fetch_add(1, Ordering::SeqCst);
                        b.wait();
                        assert_eq!(arrived[k].load(Ordering::SeqCst), 2);
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    });
}

/// Two readers through a lightswitch and one writer: never together.
#[test]
fn lightswitch_exclusion() {
    model(|| {
        let room = Arc::new(Semaphore::new(1));
        let sw = Arc::new(Lightswitch::new());
        let readers = Arc::new(AtomicUsize::new(0));
        let writer = Arc::new(AtomicUsize::new(0));
        let mut hs = Vec::new();
        for _ in 0..2 {
            let (room, sw, readers, writer) =
                (room.clone(), sw.clone(), readers.clone(), writer.clone());
            hs.push(thread::spawn(move || {
                sw.lock(&*room);
                readers.fetch_add(1, Ordering::SeqCst);
                assert_eq!(writer.load(Ordering::SeqCst), 0);
                readers.fetch_sub(1, Ordering::SeqCst);
                sw.unlock(&*room);
            }));
        }
        room.wait();
        writer.store(1, Ordering::SeqCst);
        assert_eq!(readers.load(Ordering::SeqCst), 0);
        writer.store(0, Ordering::SeqCst);
        room.signal();
        for h in hs {
            h.join().unwrap();
        }
    });
}

/// Async mutual exclusion with loom's `block_on` in two threads.
#[test]
fn async_semaphore_mutex() {
    model(|| {
        let s = Arc::new(tasks::FifoSemaphore::new(1));
        let n = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let (s, n) = (s.clone(), n.clone());
                thread::spawn(move || {
                    loom::future::block_on(async {
                        s.wait().await;
                        let v = n.load(Ordering::Relaxed);
                        n.store(v + 1, Ordering::Relaxed);
                        s.signal();
                    })
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(n.load(Ordering::Relaxed), 2);
    });
}

/// A pending wait future is dropped while another thread signals: the permit
/// is never lost, whether the drop wins the race or the grant does.
#[test]
fn async_cancel_races_signal() {
    model(|| {
        let s = Arc::new(tasks::Semaphore::new(0));
        let s2 = s.clone();
        let waiter = thread::spawn(move || {
            let mut cx = Context::from_waker(Waker::noop());
            let mut fut = pin!(s2.wait());
            if let Poll::Ready(()) = fut.as_mut().poll(&mut cx) {
                // Got the permit outright: give it back.
                s2.signal();
            }
            // Dropping the pending future here races with the signal.
        });
        s.signal();
        waiter.join().unwrap();
        assert!(s.try_wait(), "the permit was lost");
        assert!(!s.try_wait(), "a permit was duplicated");
    });
}

/// The check can fail: without the semaphore, loom finds the lost update.
#[test]
#[should_panic]
fn broken_counter_without_semaphore_is_caught() {
    model(|| {
        let n = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let n = n.clone();
                thread::spawn(move || {
                    let v = n.load(Ordering::Relaxed);
                    n.store(v + 1, Ordering::Relaxed);
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(n.load(Ordering::Relaxed), 2);
    });
}
