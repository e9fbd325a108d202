//! §3.4 Mutex: a `Semaphore(1)` around the critical section.
//!
//! [`Mutex`] guarantees that at most one thread at a time holds a
//! [`MutexGuard`], i.e. runs the critical section, and that every update made
//! under it is visible to the next holder. With [`Mutex::new`] the hand-off is
//! weak (a waiter can be overtaken indefinitely, see §4.3); with
//! [`Mutex::new_fifo`] waiters enter in arrival order, so nobody starves.
//!
//! Unlike `std::sync::Mutex` there is no poisoning, and the FIFO variant
//! never lets a thread that just unlocked barge back in ahead of a waiter.

use crate::raw::Policy;
use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};

crate::flavours! {
    use {Semaphore};

    /// A value protected by a binary semaphore.
    pub struct Mutex<T> {
        sem: Semaphore,
        value: UnsafeCell<T>,
    }

    // SAFETY: the semaphore admits one guard at a time, so the value is only ever
    // reached from one thread at a time; moving `T` between threads needs `Send`.
    unsafe impl<T: Send> Sync for Mutex<T> {}
    unsafe impl<T: Send> Send for Mutex<T> {}

    impl<T> Mutex<T> {
        /// Weak mutex (Property 3 only).
        pub fn new(value: T) -> Self {
            Mutex {
                sem: Semaphore::new(1),
                value: UnsafeCell::new(value),
            }
        }

        /// Strong mutex: waiters enter in arrival order.
        pub fn new_fifo(value: T) -> Self {
            Mutex {
                sem: Semaphore::with_policy(1, Policy::Fifo),
                value: UnsafeCell::new(value),
            }
        }

        /// `mutex.wait()`; the guard's drop is `mutex.signal()`.
        pub async fn lock(&self) -> MutexGuard<'_, T> {
            self.sem.wait().await;
            MutexGuard { m: self }
        }

        /// Locks only if nobody holds or waits for the mutex.
        pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            self.sem.try_wait().then_some(MutexGuard { m: self })
        }

        /// The value, once no thread can hold a guard.
        pub fn into_inner(self) -> T {
            self.value.into_inner()
        }
    }

    impl<T> fmt::Debug for Mutex<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Mutex")
                .field("fifo", &self.sem.is_fifo())
                .finish_non_exhaustive()
        }
    }

    /// Proof of holding a [`Mutex`]; unlocking happens on drop.
    pub struct MutexGuard<'a, T> {
        m: &'a Mutex<T>,
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            // SAFETY: this guard is the only one alive (see `Sync` impl).
            unsafe { &*self.m.value.get() }
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: as above, and `&mut self` makes this the only reference.
            unsafe { &mut *self.m.value.get() }
        }
    }

    impl<T> Drop for MutexGuard<'_, T> {
        fn drop(&mut self) {
            self.m.sem.signal();
        }
    }

    impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            (**self).fmt(f)
        }
    }
}
