#![allow(dead_code)]
//! Shared helpers for the shuttle tests.
//!
//! Every `explore` runs the scenario under shuttle's random scheduler and then
//! under PCT (depth 3), `iters()` schedules each. When a schedule fails,
//! shuttle prints a line `test panicked in task ... with schedule: "..."`;
//! paste that string into `shuttle::replay(scenario, "...")` to rerun exactly
//! that interleaving (see the crate README).

use shuttle::scheduler::{PctScheduler, RandomScheduler};
use shuttle::sync::atomic::{AtomicUsize, Ordering};
use shuttle::sync::{Arc, Mutex};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Schedules per scheduler. `LBOS_SHUTTLE_ITERS` overrides the default.
pub fn iters(default: usize) -> usize {
    std::env::var("LBOS_SHUTTLE_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Random then PCT exploration of `f`, `n` schedules each.
pub fn explore_n(n: usize, f: impl Fn() + Send + Sync + 'static) {
    let n = iters(n);
    let f = std::sync::Arc::new(f);
    let g = f.clone();
    shuttle::check_random(move || g(), n);
    shuttle::check_pct(move || f(), n, 3);
}

/// [`explore_n`] with the default budget.
pub fn explore(f: impl Fn() + Send + Sync + 'static) {
    explore_n(2000, f)
}

/// Runs a deliberately broken scenario and asserts that shuttle finds a
/// failing schedule (assertion failure or deadlock) within `n` schedules of
/// the random scheduler, or else within `n` schedules of PCT (depth 3).
/// Returns the failure message.
pub fn expect_bug(n: usize, f: impl Fn() + Send + Sync + 'static) -> String {
    let f = std::sync::Arc::new(f);
    for pct in [false, true] {
        let mut config = shuttle::Config::new();
        config.failure_persistence = shuttle::FailurePersistence::None;
        let g = f.clone();
        let r = catch_unwind(AssertUnwindSafe(move || {
            let body = move || g();
            if pct {
                shuttle::Runner::new(PctScheduler::new(3, n), config).run(body)
            } else {
                shuttle::Runner::new(RandomScheduler::new(n), config).run(body)
            }
        }));
        if let Err(e) = r {
            return e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
        }
    }
    panic!("shuttle did not find the known bug in {n} random and {n} PCT schedules")
}

/// Spawns one shuttle thread per closure and joins them all: every actor
/// must finish (a deadlock makes shuttle fail the schedule).
pub fn run_all(actors: Vec<Box<dyn FnOnce() + Send>>) {
    let hs: Vec<_> = actors.into_iter().map(shuttle::thread::spawn).collect();
    for h in hs {
        h.join().expect("actor panicked");
    }
}

/// A counter of threads inside a region, with its maximum.
#[derive(Default)]
pub struct Occupancy {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl Occupancy {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }
    /// Enter; asserts the occupancy stays within `limit`.
    pub fn enter(&self, limit: usize, what: &str) {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        assert!(n <= limit, "{what}: {n} inside, limit {limit}");
        self.max.fetch_max(n, Ordering::SeqCst);
    }
    pub fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
    pub fn now(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }
}

/// An append-only event log owned by the test.
pub struct Log<T>(Mutex<Vec<T>>);

impl<T: Clone + PartialEq> Log<T> {
    pub fn new() -> Arc<Self> {
        Arc::new(Log(Mutex::new(Vec::new())))
    }
    pub fn push(&self, e: T) {
        self.0.lock().unwrap().push(e);
    }
    pub fn snapshot(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }
    pub fn contains(&self, e: &T) -> bool {
        self.0.lock().unwrap().contains(e)
    }
    pub fn position(&self, e: &T) -> Option<usize> {
        self.0.lock().unwrap().iter().position(|x| x == e)
    }
}

/// Downey's value of a semaphore, read through its `Debug` output (the only
/// way the crate exposes it: diagnostics, here used to know that a thread is
/// queued).
pub fn value_of(s: &impl std::fmt::Debug) -> isize {
    let d = format!("{s:?}");
    let v = d.split("value: ").nth(1).expect("value field");
    v.trim_end_matches([' ', '}'])
        .parse()
        .expect("integer value")
}

/// Yields until `cond` holds.
pub fn spin_until(cond: impl Fn() -> bool) {
    while !cond() {
        shuttle::thread::yield_now();
    }
}

/// A one-shot gate: `wait` blocks (without spinning, so that a gate never
/// opened is a deadlock shuttle reports) until `open`.
#[derive(Default)]
pub struct Gate {
    open: Mutex<bool>,
    cv: shuttle::sync::Condvar,
}

impl Gate {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }
    pub fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.cv.notify_all();
    }
    pub fn wait(&self) {
        let mut g = self.open.lock().unwrap();
        while !*g {
            g = self.cv.wait(g).unwrap();
        }
    }
}
