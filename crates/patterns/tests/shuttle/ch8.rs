//! Chapter 8 problems under shuttle.

use super::harness::*;
use lbos_patterns::problems::coke_machine::CokeMachine;
use lbos_patterns::problems::mutex_checker::MutexChecker;
use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicUsize, Ordering};
use std::collections::BTreeMap;

type Actor = Box<dyn FnOnce() + Send>;

#[test]
fn mutex_checker_uses_each_index_once() {
    explore(|| {
        let end = 4;
        let m = Arc::new(MutexChecker::new(end));
        let (a, b) = (m.clone(), m.clone());
        let used = Arc::new(AtomicUsize::new(0));
        let (u1, u2) = (used.clone(), used.clone());
        run_all(vec![
            Box::new(move || {
                u1.fetch_add(a.child(), Ordering::SeqCst);
            }),
            Box::new(move || {
                u2.fetch_add(b.child(), Ordering::SeqCst);
            }),
        ]);
        assert_eq!(m.histogram(), BTreeMap::from([(1, end)]));
        assert_eq!(used.load(Ordering::SeqCst), end);
    });
}

/// The book's unsynchronized children (L8.1-a): indices get used twice.
#[test]
fn broken_unsynchronized_children_are_caught() {
    expect_bug(1000, || {
        let end = 3;
        let counter = Arc::new(AtomicUsize::new(0));
        let array: Arc<Vec<AtomicUsize>> =
            Arc::new((0..end).map(|_| AtomicUsize::new(0)).collect());
        let actors = (0..2)
            .map(|_| {
                let (c, a) = (counter.clone(), array.clone());
                Box::new(move || {
                    loop {
                        let i = c.load(Ordering::SeqCst);
                        if i >= end {
                            break;
                        }
                        a[i].fetch_add(1, Ordering::SeqCst);
                        c.store(i + 1, Ordering::SeqCst);
                    }
                }) as Actor
            })
            .collect();
        run_all(actors);
        for (i, v) in array.iter().enumerate() {
            assert_eq!(
                v.load(Ordering::SeqCst),
                1,
                "index {i} used {} times",
                v.load(Ordering::SeqCst)
            );
        }
    });
}

#[test]
fn coke_machine_stays_in_bounds() {
    explore(|| {
        let cap = 3;
        let m = Arc::new(CokeMachine::new(cap, 1));
        let mut actors: Vec<Actor> = Vec::new();
        for _ in 0..2 {
            let m1 = m.clone();
            actors.push(Box::new(move || {
                for _ in 0..2 {
                    let n = m1.produce();
                    assert!((1..=cap).contains(&n), "count {n} out of bounds");
                }
            }));
            let m2 = m.clone();
            actors.push(Box::new(move || {
                for _ in 0..2 {
                    let n = m2.consume();
                    assert!(n < cap, "count {n} out of bounds");
                }
            }));
        }
        run_all(actors);
    });
}

/// The unsynchronized machine (L8.2-a) goes out of bounds.
#[test]
fn broken_unsynchronized_coke_machine_is_caught() {
    expect_bug(1000, || {
        let cap = 2isize;
        let cokes = Arc::new(std::sync::Mutex::new(1isize));
        let count = Arc::new(shuttle::sync::atomic::AtomicIsize::new(1));
        let _ = cokes;
        let mut actors: Vec<Actor> = Vec::new();
        for _ in 0..2 {
            let c = count.clone();
            actors.push(Box::new(move || {
                let n = c.fetch_add(1, Ordering::SeqCst) + 1;
                assert!(n <= cap, "count {n} above capacity");
            }));
            let c = count.clone();
            actors.push(Box::new(move || {
                let n = c.fetch_sub(1, Ordering::SeqCst) - 1;
                assert!(n >= 0, "count {n} below zero");
            }));
        }
        run_all(actors);
    });
}
