//! §4.3 No-starve mutex: Morris's algorithm.
//!
//! Guarantees, **using only weak semaphores**: mutual exclusion, and bounded
//! waiting for a finite set of threads: once a thread has entered the first
//! room, every other thread enters the critical section at most twice before
//! it does (once if it was not already past room 1; see
//! [`MorrisMutex::lock_noting`]). Threads gather in room 1, are let through turnstile `t1` into room
//! 2 as a batch, and the whole batch drains through `t2` into the critical
//! section before `t1` opens again, so no thread can lap another.
//!
//! Compare [`crate::problems::mutex::Mutex::new`], which under the same weak
//! semaphore lets a looping pair of threads starve a third (the book's "mutex
//! loop").

use crate::board::Board;
use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};

crate::flavours! {
    use {Semaphore};

    /// A mutex that does not starve anyone, built from weak semaphores.
    pub struct MorrisMutex<T> {
        room1: Board<usize>,
        room2: Board<usize>,
        mutex: Semaphore,
        t1: Semaphore,
        t2: Semaphore,
        value: UnsafeCell<T>,
    }

    // SAFETY: the algorithm admits one guard at a time.
    unsafe impl<T: Send> Sync for MorrisMutex<T> {}
    unsafe impl<T: Send> Send for MorrisMutex<T> {}

    impl<T> std::fmt::Debug for MorrisMutex<T> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("MorrisMutex { .. }")
        }
    }

    impl<T> MorrisMutex<T> {
        /// Wraps `value`.
        pub fn new(value: T) -> Self {
            MorrisMutex {
                room1: Board::new(0),
                room2: Board::new(0),
                mutex: Semaphore::new(1),
                t1: Semaphore::new(1),
                t2: Semaphore::new(0),
                value: UnsafeCell::new(value),
            }
        }

        /// Enters the critical section.
        pub async fn lock(&self) -> MorrisGuard<'_, T> {
            self.lock_noting(|| {}).await
        }

        /// [`MorrisMutex::lock`], running `arrived` when the caller has
        /// entered room 1 (under the mutex). Bounded waiting counts from
        /// there: before the caller enters the critical section, every other
        /// thread enters it at most twice (once in the batch being served,
        /// once in the caller's own batch).
        pub async fn lock_noting(&self, arrived: impl FnOnce()) -> MorrisGuard<'_, T> {
            self.mutex.wait().await;
            self.room1.with(|r| *r += 1);
            arrived();
            self.mutex.signal();

            self.t1.wait().await;
            self.room2.with(|r| *r += 1);
            self.mutex.wait().await;
            let left = self.room1.with(|r| {
                *r -= 1;
                *r
            });
            self.mutex.signal();
            if left == 0 {
                self.t2.signal();
            } else {
                self.t1.signal();
            }

            self.t2.wait().await;
            self.room2.with(|r| *r -= 1);
            MorrisGuard { m: self }
        }

        /// The value, once no guard can exist.
        pub fn into_inner(self) -> T {
            self.value.into_inner()
        }
    }

    /// Holder of a [`MorrisMutex`]; leaving opens the next turnstile.
    pub struct MorrisGuard<'a, T> {
        m: &'a MorrisMutex<T>,
    }

    impl<T: std::fmt::Debug> std::fmt::Debug for MorrisGuard<'_, T> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            (**self).fmt(f)
        }
    }

    impl<T> Deref for MorrisGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            // SAFETY: one guard at a time.
            unsafe { &*self.m.value.get() }
        }
    }

    impl<T> DerefMut for MorrisGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: one guard at a time, and `&mut self` is unique.
            unsafe { &mut *self.m.value.get() }
        }
    }

    impl<T> Drop for MorrisGuard<'_, T> {
        fn drop(&mut self) {
            if self.m.room2.with(|r| *r) == 0 {
                self.m.t1.signal();
            } else {
                self.m.t2.signal();
            }
        }
    }
}
