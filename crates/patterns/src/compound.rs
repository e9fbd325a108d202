//! The patterns built from semaphores that the solutions share: the
//! lightswitch and the reusable barrier. Written once (see
//! [`crate::flavour`]); [`crate::blocking`] re-exports the thread flavour and
//! [`crate::tasks`] the async one.

use crate::sync::atomic::{AtomicUsize, Ordering};

crate::flavours! {
    use {FifoSemaphore, Semaphore, Sem};

    /// The book's lightswitch (§4.2): the first one in locks a semaphore, the
    /// last one out unlocks it.
    ///
    /// Faithful to the book where it matters: the lightswitch's own mutex (a
    /// FIFO semaphore) is kept by the first caller **while it blocks** on the
    /// protected semaphore, so later callers queue on the lightswitch instead
    /// of slipping into the room. (The Sync.py simulator gets this wrong; see
    /// the catalog, §9.3.)
    ///
    /// One departure: leaving never waits. The counter is updated atomically
    /// and `unlock` does not queue on the lightswitch's mutex. This admits the
    /// same behaviours as the book's version: a caller only blocks inside
    /// `lock` when it found the room empty, and then nobody can be inside to
    /// leave; every other holder of the mutex only updates the counter. It
    /// lets a guard release the room from `Drop`, also in async code.
    pub struct Lightswitch {
        mutex: FifoSemaphore,
        // Incremented under `mutex`; decremented by leavers without it, so
        // every update is one atomic read-modify-write.
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

        /// Enter: if this is the first one in, wait on `sem`.
        pub async fn lock<S: Sem + ?Sized>(&self, sem: &S) {
            self.mutex.wait().await;
            let n = self.counter.fetch_add(1, Ordering::AcqRel) + 1;
            if n == 1 {
                sem.wait().await;
            }
            self.mutex.signal();
        }

        /// Leave: if this is the last one out, signal `sem`. Never waits.
        pub fn unlock<S: Sem + ?Sized>(&self, sem: &S) {
            let n = self.counter.fetch_sub(1, Ordering::AcqRel) - 1;
            if n == 0 {
                sem.signal();
            }
        }
    }

    impl std::fmt::Debug for Lightswitch {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Lightswitch")
                .field("counter", &self.counter.load(Ordering::Relaxed))
                .finish()
        }
    }

    /// A reusable barrier for `n` parties, built as the book builds it
    /// (§3.7, "preloaded turnstile"): a counter under a mutex and two
    /// turnstiles.
    ///
    /// Guarantees: nobody returns from [`Barrier::wait`] of round *k* before
    /// all `n` parties have called it for round *k*, and nobody can enter
    /// round *k+1*'s first phase while one is still in round *k* (no lap
    /// overtaking). Exactly `n` parties must use it per round; an extra one is
    /// simply counted into the next round.
    ///
    /// Differs from `std::sync::Barrier` and `tokio::sync::Barrier` (a
    /// generation counter, everyone woken at once) in construction, not in
    /// contract: this one shows the turnstile pattern and exposes its two
    /// phases. Async: not cancel-safe (a task dropped inside `wait` leaves the
    /// round unfinishable).
    pub struct Barrier {
        n: usize,
        // Only read or written while `mutex` is held.
        count: AtomicUsize,
        mutex: Semaphore,
        turnstile: Semaphore,
        turnstile2: Semaphore,
    }

    impl Barrier {
        /// A barrier for `n` parties. Panics if `n == 0`.
        pub fn new(n: usize) -> Self {
            assert!(n > 0, "a barrier needs at least one party");
            Barrier {
                n,
                count: AtomicUsize::new(0),
                mutex: Semaphore::new(1),
                turnstile: Semaphore::new(0),
                turnstile2: Semaphore::new(0),
            }
        }

        /// The number of parties per round.
        pub fn parties(&self) -> usize {
            self.n
        }

        /// First phase: returns once all `n` parties have arrived. Returns
        /// `true` in exactly one party per round (the last to arrive).
        pub async fn phase1(&self) -> bool {
            self.mutex.wait().await;
            let last = self.count.fetch_add(1, Ordering::Relaxed) + 1 == self.n;
            if last {
                self.turnstile.signal_n(self.n);
            }
            self.mutex.signal();
            self.turnstile.wait().await;
            last
        }

        /// Second phase: returns once all `n` parties have left phase 1,
        /// which re-locks the first turnstile for the next round.
        pub async fn phase2(&self) {
            self.mutex.wait().await;
            let all_out = self.count.fetch_sub(1, Ordering::Relaxed) == 1;
            if all_out {
                self.turnstile2.signal_n(self.n);
            }
            self.mutex.signal();
            self.turnstile2.wait().await;
        }

        /// Both phases; `true` in exactly one party per round.
        pub async fn wait(&self) -> bool {
            let leader = self.phase1().await;
            self.phase2().await;
            leader
        }

        /// Same as [`Barrier::wait`] (the name says what the result means).
        pub async fn wait_leader(&self) -> bool {
            self.wait().await
        }
    }

    impl std::fmt::Debug for Barrier {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Barrier").field("n", &self.n).finish()
        }
    }
}
