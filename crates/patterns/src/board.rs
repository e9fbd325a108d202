//! Shared bookkeeping ("scoreboard") variables of the book's solutions.
//!
//! In the book, counters like `readers` or `servings` are plain variables that
//! the solution only touches while it holds some semaphore acting as a mutex.
//! Rust needs interior mutability for that; [`Board`] wraps the variables in a
//! `Mutex` that is only ever taken *inside* the book's own critical section,
//! so it is never contended and adds no synchronization the book lacks.

use crate::sync::{Mutex, lock};

pub(crate) struct Board<T>(Mutex<T>);

impl<T> Board<T> {
    pub(crate) fn new(v: T) -> Self {
        Board(Mutex::new(v))
    }

    /// Runs `f` on the variables. Call only while holding the semaphore that
    /// the book uses to protect them.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut lock(&self.0))
    }
}
