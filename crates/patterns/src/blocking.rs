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

use crate::raw::{Policy, semaphore_type};

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

semaphore_type! {
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
    Semaphore, Policy::Weak,
    /// Decrements the value; if no permit is free, blocks until a `signal`
    /// hands one to this thread.
    fn wait(&self) -> () {
        self.raw.wait()
    }
}

semaphore_type! {
    /// A strong semaphore: waiters get permits strictly in arrival order.
    ///
    /// Guarantees everything [`Semaphore`] does, plus: a waiting thread is
    /// overtaken by **no** thread that called `wait` after it (the book's
    /// Property 4 with a bound of zero). "Arrival" is the moment the caller
    /// takes the semaphore's internal lock inside `wait`. `try_wait` cannot
    /// overtake either.
    FifoSemaphore, Policy::Fifo,
    /// Decrements the value; if no permit is free, blocks until a `signal`
    /// hands one to this thread (waiters are served in arrival order).
    fn wait(&self) -> () {
        self.raw.wait()
    }
}

pub use crate::compound::{Barrier, Lightswitch};
