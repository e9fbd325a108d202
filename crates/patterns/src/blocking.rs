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
use crate::sync::atomic::{AtomicUsize, Ordering};
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

/// The book's lightswitch (§4.2): the first thread in locks a semaphore, the
/// last one out unlocks it.
///
/// Faithful to the book: the lightswitch's own mutex is a semaphore that the
/// first caller **keeps while it blocks** on the protected semaphore, so later
/// callers queue on the lightswitch instead of slipping into the room. (The
/// Sync.py simulator gets this wrong; see the catalog, §9.3.) The internal
/// mutex is FIFO, so a lightswitch never adds unfairness of its own.
pub struct Lightswitch {
    mutex: FifoSemaphore,
    // Only read or written while `mutex` is held.
    counter: AtomicUsize,
}

impl Default for Lightswitch {
    fn default() -> Self {
        Self::new()
    }
}

impl Lightswitch {
    /// An empty room.
    pub fn new() -> Self {
        Lightswitch {
            mutex: FifoSemaphore::new(1),
            counter: AtomicUsize::new(0),
        }
    }

    /// Enter: if this is the first thread in, wait on `sem`.
    pub fn lock<S: Sem + ?Sized>(&self, sem: &S) {
        self.mutex.wait();
        let n = self.counter.load(Ordering::Relaxed) + 1;
        self.counter.store(n, Ordering::Relaxed);
        if n == 1 {
            sem.wait();
        }
        self.mutex.signal();
    }

    /// Leave: if this is the last thread out, signal `sem`.
    pub fn unlock<S: Sem + ?Sized>(&self, sem: &S) {
        self.mutex.wait();
        let n = self.counter.load(Ordering::Relaxed) - 1;
        self.counter.store(n, Ordering::Relaxed);
        if n == 0 {
            sem.signal();
        }
        self.mutex.signal();
    }
}

impl fmt::Debug for Lightswitch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lightswitch")
            .field("counter", &self.counter.load(Ordering::Relaxed))
            .finish()
    }
}

/// A reusable barrier for `n` threads, built as the book builds it (§3.7,
/// "preloaded turnstile"): a counter under a mutex and two turnstiles.
///
/// Guarantees: no thread returns from [`Barrier::wait`] of round *k* before
/// all `n` threads have called it for round *k*, and no thread can enter
/// round *k+1*'s first phase while a thread is still in round *k* (no lap
/// overtaking). Exactly `n` threads must use it per round; an extra thread is
/// simply counted into the next round.
///
/// Differs from `std::sync::Barrier` (mutex + condvar + generation counter,
/// wakes everyone with `notify_all`) in construction, not in contract: this
/// one exists to show the turnstile pattern and expose the two phases. It
/// reports no leader: use [`Barrier::wait_leader`] for that.
pub struct Barrier {
    n: usize,
    // Only read or written while `mutex` is held.
    count: AtomicUsize,
    mutex: Semaphore,
    turnstile: Semaphore,
    turnstile2: Semaphore,
}

impl Barrier {
    /// A barrier for `n` threads. Panics if `n == 0`.
    pub fn new(n: usize) -> Self {
        assert!(n > 0, "a barrier needs at least one thread");
        Barrier {
            n,
            count: AtomicUsize::new(0),
            mutex: Semaphore::new(1),
            turnstile: Semaphore::new(0),
            turnstile2: Semaphore::new(0),
        }
    }

    /// The number of threads per round.
    pub fn parties(&self) -> usize {
        self.n
    }

    /// First phase: returns once all `n` threads have arrived. Returns `true`
    /// in exactly one thread per round (the last to arrive).
    pub fn phase1(&self) -> bool {
        self.mutex.wait();
        let c = self.count.load(Ordering::Relaxed) + 1;
        self.count.store(c, Ordering::Relaxed);
        let last = c == self.n;
        if last {
            self.turnstile.signal_n(self.n);
        }
        self.mutex.signal();
        self.turnstile.wait();
        last
    }

    /// Second phase: returns once all `n` threads have left phase 1, which
    /// re-locks the first turnstile for the next round.
    pub fn phase2(&self) {
        self.mutex.wait();
        let c = self.count.load(Ordering::Relaxed) - 1;
        self.count.store(c, Ordering::Relaxed);
        if c == 0 {
            self.turnstile2.signal_n(self.n);
        }
        self.mutex.signal();
        self.turnstile2.wait();
    }

    /// Both phases.
    pub fn wait(&self) {
        self.phase1();
        self.phase2();
    }

    /// Both phases; `true` in exactly one thread per round.
    pub fn wait_leader(&self) -> bool {
        let leader = self.phase1();
        self.phase2();
        leader
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").field("n", &self.n).finish()
    }
}
