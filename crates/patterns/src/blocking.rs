//! Primitives for `std::thread` code: a blocked caller sleeps in the kernel.
//!
//! Every type here is built on one small engine (a permit count plus an
//! explicit queue of waiters, behind a mutex) and follows Downey's semaphore
//! model rather than the usual Rust one:
//!
//! * `wait`/`signal` are not tied to a guard or to the calling thread: a
//!   permit taken by one thread may be given back by another, which is what
//!   the book's "pass the baton" and "I'll do it for you" solutions rely on.
//! * The value is not readable except through `Debug`, for diagnostics.
//! * A `signal` that finds waiters hands its permit to one of them directly,
//!   so the signaller (or any later arrival) cannot take it back.
//! * There is no poisoning, no timeout and no closing.
//!
//! `std` has no counting semaphore; the nearest equivalent is a
//! `Mutex<usize>` + `Condvar`, which lets any thread that gets the mutex first
//! take a freshly released permit (barging), so it gives neither Property 3
//! nor FIFO order. The benchmark in the crate README compares the two.

use crate::raw::{Policy, RawSemaphore};
use std::fmt;

/// What the book's solutions need from a semaphore: `wait` and `signal`.
///
/// Implemented by [`Semaphore`] and [`FifoSemaphore`], so that helpers such as
/// [`Lightswitch`] work with either.
pub trait Sem: Send + Sync {
    /// Takes one permit, blocking until one is handed to the caller.
    fn wait(&self);
    /// Releases one permit, waking one waiter if there is any.
    fn signal(&self);
    /// Releases `n` permits, as `n` calls of [`Sem::signal`].
    fn signal_n(&self, n: usize) {
        for _ in 0..n {
            self.signal();
        }
    }
}

macro_rules! blocking_semaphore {
    ($(#[$doc:meta])* $name:ident, $policy:expr) => {
        $(#[$doc])*
        pub struct $name {
            raw: RawSemaphore,
        }

        impl $name {
            /// A semaphore whose initial value is `value` (the number of
            /// `wait`s that can proceed before any `signal`).
            pub fn new(value: usize) -> Self {
                $name { raw: RawSemaphore::new(value, $policy) }
            }

            /// This semaphore with another hand-off policy (crate-internal:
            /// `problems::mutex` chooses weak or FIFO at run time).
            #[allow(dead_code)]
            pub(crate) fn with_policy(value: usize, policy: Policy) -> Self {
                $name { raw: RawSemaphore::new(value, policy) }
            }

            /// Whether waiters are served in arrival order (diagnostics).
            #[allow(dead_code)]
            pub(crate) fn is_fifo(&self) -> bool {
                self.raw.policy() == Policy::Fifo
            }

            /// Decrements the value; if no permit is free, blocks until a
            /// `signal` hands one to this thread.
            pub fn wait(&self) {
                self.raw.wait()
            }

            /// Takes a permit only if one is free right now. Never queues and
            /// never overtakes a waiter: while threads are queued no permit is
            /// free, so this returns `false`.
            pub fn try_wait(&self) -> bool {
                self.raw.try_wait()
            }

            /// Increments the value; if threads are waiting, one of them
            /// receives the permit and wakes.
            pub fn signal(&self) {
                self.raw.signal()
            }

            /// `n` signals performed atomically (no other operation on this
            /// semaphore interleaves between them). The book only needs them
            /// one after the other; atomicity is a stronger promise.
            pub fn signal_n(&self, n: usize) {
                self.raw.signal_n(n)
            }
        }

        impl Sem for $name {
            fn wait(&self) {
                self.raw.wait()
            }
            fn signal(&self) {
                self.raw.signal()
            }
            fn signal_n(&self, n: usize) {
                self.raw.signal_n(n)
            }
        }

        impl fmt::Debug for $name {
            /// Shows Downey's value: free permits, or minus the number of
            /// waiters. For diagnostics only: it may be stale by the time
            /// it is printed, so never base a decision on it.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("value", &self.raw.value())
                    .finish()
            }
        }
    };
}

blocking_semaphore! {
    /// A weak semaphore (the book's Property 3, not Property 4).
    ///
    /// Guarantees: a `signal` that finds waiting threads gives its permit to
    /// one of *them*, never to the signaller or to a thread arriving later.
    /// It does **not** promise which waiter: the current implementation picks
    /// the most recent arrival (LIFO), the least fair legal choice, so that
    /// starvation scenarios from the book (§4.3) actually happen. Use
    /// [`FifoSemaphore`] when bounded waiting matters.
    ///
    /// Drop: dropping the semaphore while threads are blocked on it is
    /// impossible (they borrow it); permits held are just numbers, so nothing
    /// is "released" on drop.
    Semaphore, Policy::Weak
}

blocking_semaphore! {
    /// A strong semaphore: waiters get permits strictly in arrival order.
    ///
    /// Guarantees everything [`Semaphore`] does, plus: a waiting thread is
    /// overtaken by **no** thread that called `wait` after it (the book's
    /// Property 4 with a bound of zero). "Arrival" is the moment the caller
    /// takes the semaphore's internal lock inside `wait`. `try_wait` cannot
    /// overtake either.
    FifoSemaphore, Policy::Fifo
}

pub use crate::compound::{Barrier, Lightswitch};
