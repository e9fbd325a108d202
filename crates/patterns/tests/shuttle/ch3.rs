//! Chapter 3 patterns under shuttle.

use super::harness::*;
use lbos_patterns::blocking::Semaphore;
use lbos_patterns::problems::barrier::OneShotBarrier;
use lbos_patterns::problems::multiplex::Multiplex;
use lbos_patterns::problems::mutex::Mutex;
use lbos_patterns::problems::queue::{ExclusiveQueue, Queue};
use lbos_patterns::problems::rendezvous::Rendezvous;
use lbos_patterns::problems::signaling::Signal;
use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicUsize, Ordering};
use std::sync::atomic::AtomicBool;

type Actor = Box<dyn FnOnce() + Send>;

#[test]
fn signaling_a1_before_b1() {
    explore(|| {
        let s = Arc::new(Signal::new());
        let log = Log::new();
        let mut actors: Vec<Actor> = Vec::new();
        let (s1, l1) = (s.clone(), log.clone());
        actors.push(Box::new(move || {
            l1.push("a1");
            s1.notify();
        }));
        for _ in 0..2 {
            let (s2, l2) = (s.clone(), log.clone());
            actors.push(Box::new(move || {
                s2.wait();
                assert!(l2.contains(&"a1"), "b1 ran before a1");
            }));
        }
        run_all(actors);
    });
}

static A1_FIRST: AtomicBool = AtomicBool::new(false);
static B1_FIRST: AtomicBool = AtomicBool::new(false);

#[test]
fn rendezvous_orders_across_but_not_within() {
    explore(|| {
        let r = Arc::new(Rendezvous::new());
        let log = Log::new();
        let (ra, la) = (r.clone(), log.clone());
        let (rb, lb) = (r.clone(), log.clone());
        run_all(vec![
            Box::new(move || {
                la.push("a1");
                ra.a();
                assert!(la.contains(&"b1"), "a2 before b1");
                la.push("a2");
            }),
            Box::new(move || {
                lb.push("b1");
                rb.b();
                assert!(lb.contains(&"a1"), "b2 before a1");
                lb.push("b2");
            }),
        ]);
        let l = log.snapshot();
        let a1 = l.iter().position(|e| *e == "a1").unwrap();
        let b1 = l.iter().position(|e| *e == "b1").unwrap();
        if a1 < b1 {
            A1_FIRST.store(true, std::sync::atomic::Ordering::SeqCst);
        } else {
            B1_FIRST.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });
    // Not over-constrained: both arrival orders happen.
    assert!(A1_FIRST.load(std::sync::atomic::Ordering::SeqCst));
    assert!(B1_FIRST.load(std::sync::atomic::Ordering::SeqCst));
}

/// Book "Deadlock #1": both threads wait before signalling.
#[test]
fn broken_rendezvous_deadlocks() {
    let msg = expect_bug(100, || {
        let a_arrived = Arc::new(Semaphore::new(0));
        let b_arrived = Arc::new(Semaphore::new(0));
        let (a1, b1) = (a_arrived.clone(), b_arrived.clone());
        run_all(vec![
            Box::new(move || {
                b1.wait();
                a1.signal();
            }),
            Box::new(move || {
                a_arrived.wait();
                b_arrived.signal();
            }),
        ]);
    });
    assert!(msg.contains("deadlock"), "{msg}");
}

/// Three threads, two non-atomic increments each, through `locked`, which
/// must run its argument in mutual exclusion.
pub fn counter_scenario(limit: usize, locked: impl Fn(&dyn Fn()) + Send + Sync + 'static) {
    let locked = Arc::new(locked);
    let count = Arc::new(AtomicUsize::new(0));
    let occ = Occupancy::new();
    let actors = (0..3)
        .map(|_| {
            let (locked, count, occ) = (locked.clone(), count.clone(), occ.clone());
            Box::new(move || {
                for _ in 0..2 {
                    locked(&|| {
                        occ.enter(limit, "critical section");
                        let v = count.load(Ordering::SeqCst);
                        shuttle::thread::yield_now();
                        count.store(v + 1, Ordering::SeqCst);
                        occ.leave();
                    });
                }
            }) as Actor
        })
        .collect();
    run_all(actors);
    if limit == 1 {
        assert_eq!(count.load(Ordering::SeqCst), 6, "lost update");
    }
}

#[test]
fn mutex_weak() {
    explore(|| {
        let m = Arc::new(Mutex::new(0u32));
        counter_scenario(1, move |cs| {
            let mut g = m.lock();
            *g += 1;
            cs();
        });
    });
}

#[test]
fn mutex_fifo() {
    explore(|| {
        let m = Arc::new(Mutex::new_fifo(0u32));
        counter_scenario(1, move |cs| {
            let _g = m.lock();
            cs();
        });
    });
}

/// No mutex at all: the lost update (catalog 1.5.2) is found.
#[test]
fn broken_no_mutex_is_caught() {
    let msg = expect_bug(1000, || counter_scenario(1, |cs| cs()));
    assert!(
        msg.contains("inside") || msg.contains("lost update"),
        "{msg}"
    );
}

#[test]
fn multiplex_bounds_occupancy() {
    explore(|| {
        let m = Arc::new(Multiplex::new(2));
        counter_scenario(2, move |cs| m.run(cs));
    });
}

/// A multiplex of 3 lets 3 in: a bound of 2 is broken (the check can fail).
#[test]
fn broken_multiplex_too_wide_is_caught() {
    expect_bug(1000, || {
        let m = Arc::new(Multiplex::new(3));
        counter_scenario(2, move |cs| m.run(cs));
    });
}

fn one_shot_scenario(wait: impl Fn() + Send + Sync + 'static, n: usize) {
    let wait = Arc::new(wait);
    let arrived = Arc::new(AtomicUsize::new(0));
    let actors = (0..n)
        .map(|_| {
            let (wait, arrived) = (wait.clone(), arrived.clone());
            Box::new(move || {
                arrived.fetch_add(1, Ordering::SeqCst);
                wait();
                assert_eq!(
                    arrived.load(Ordering::SeqCst),
                    n,
                    "critical point before all arrived"
                );
            }) as Actor
        })
        .collect();
    run_all(actors);
}

#[test]
fn one_shot_barrier() {
    explore(|| {
        let b = Arc::new(OneShotBarrier::new(3));
        one_shot_scenario(move || b.wait(), 3);
    });
}

/// Book "Deadlock #2": the turnstile is signalled once only.
#[test]
fn broken_barrier_single_signal_deadlocks() {
    let msg = expect_bug(1000, || {
        let n = 3;
        let count = Arc::new(AtomicUsize::new(0));
        let mutex = Arc::new(Semaphore::new(1));
        let barrier = Arc::new(Semaphore::new(0));
        one_shot_scenario(
            move || {
                mutex.wait();
                let c = count.fetch_add(1, Ordering::SeqCst) + 1;
                mutex.signal();
                if c == n {
                    barrier.signal();
                }
                barrier.wait();
            },
            n,
        );
    });
    assert!(msg.contains("deadlock"), "{msg}");
}

/// Basic queue: leaders that passed never outnumber followers that arrived,
/// and vice versa.
#[test]
fn queue_counting_property() {
    explore(|| {
        let q = Arc::new(Queue::new());
        // [leaders arrived, followers arrived, leaders passed, followers passed]
        let c = Arc::new([
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        ]);
        let mut actors: Vec<Actor> = Vec::new();
        for _ in 0..2 {
            for side in 0..2 {
                let (q, c) = (q.clone(), c.clone());
                actors.push(Box::new(move || {
                    c[side].fetch_add(1, Ordering::SeqCst);
                    if side == 0 {
                        q.leader()
                    } else {
                        q.follower()
                    }
                    let passed = c[2 + side].fetch_add(1, Ordering::SeqCst) + 1;
                    let partners = c[1 - side].load(Ordering::SeqCst);
                    assert!(
                        passed <= partners,
                        "side {side}: {passed} passed, {partners} partners arrived"
                    );
                }));
            }
        }
        run_all(actors);
    });
}

fn exclusive_scenario(
    leader: impl Fn(&dyn Fn()) + Send + Sync + 'static,
    follower: impl Fn(&dyn Fn()) + Send + Sync + 'static,
) {
    let leader = Arc::new(leader);
    let follower = Arc::new(follower);
    let leaders_dancing = Occupancy::new();
    let followers_dancing = Occupancy::new();
    let dances = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let mut actors: Vec<Actor> = Vec::new();
    for _ in 0..2 {
        let (l, ld, d) = (leader.clone(), leaders_dancing.clone(), dances.clone());
        actors.push(Box::new(move || {
            l(&|| {
                ld.enter(1, "leaders dancing");
                d[0].fetch_add(1, Ordering::SeqCst);
                shuttle::thread::yield_now();
                ld.leave();
            })
        }));
        let (f, fd, d) = (follower.clone(), followers_dancing.clone(), dances.clone());
        actors.push(Box::new(move || {
            f(&|| {
                fd.enter(1, "followers dancing");
                d[1].fetch_add(1, Ordering::SeqCst);
                shuttle::thread::yield_now();
                fd.leave();
            })
        }));
    }
    run_all(actors);
    assert_eq!(
        dances[0].load(Ordering::SeqCst),
        dances[1].load(Ordering::SeqCst)
    );
}

#[test]
fn exclusive_queue_pairs() {
    explore(|| {
        let q = Arc::new(ExclusiveQueue::new());
        let q2 = q.clone();
        exclusive_scenario(move |d| q.leader(d), move |d| q2.follower(d));
    });
}

/// The basic queue is not exclusive: two leaders can dance at once.
#[test]
fn broken_basic_queue_is_not_exclusive() {
    let msg = expect_bug(2000, || {
        let q = Arc::new(Queue::new());
        let q2 = q.clone();
        exclusive_scenario(
            move |d| {
                q.leader();
                d()
            },
            move |d| {
                q2.follower();
                d()
            },
        );
    });
    assert!(msg.contains("dancing"), "{msg}");
}
