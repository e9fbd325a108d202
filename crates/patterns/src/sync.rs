//! The one place that decides which synchronization primitives the crate is
//! built on, in the spirit of tokio's internal `loom` module.
//!
//! * default build: `std::sync` and `std::thread`;
//! * `--features shuttle`: shuttle's controlled replacements, so that shuttle's
//!   schedulers decide every interleaving;
//! * `RUSTFLAGS="--cfg loom"`: loom's replacements, for exhaustive checking.
//!
//! Every other module imports `Arc`, `Mutex`, `Condvar` and the atomics from
//! here and never from `std::sync` directly, so one switch covers the crate.
#![allow(unused_imports)]

#[cfg(all(loom, feature = "shuttle"))]
compile_error!(
    "`--cfg loom` and the `shuttle` feature select different schedulers: enable only one"
);

#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard, atomic};

#[cfg(all(feature = "shuttle", not(loom)))]
pub(crate) use shuttle::sync::{Arc, Condvar, Mutex, MutexGuard, atomic};

#[cfg(not(any(loom, feature = "shuttle")))]
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard, atomic};

/// Locks `m`, ignoring poisoning: the crate's own critical sections never
/// panic half-way through an update, so the protected data stays consistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Waits on `cv`, ignoring poisoning (see [`lock`]).
pub(crate) fn wait<'a, T>(cv: &Condvar, g: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    match cv.wait(g) {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}
