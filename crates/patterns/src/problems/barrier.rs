//! §3.6 Barrier (one-shot) and §3.7 reusable barrier.
//!
//! [`OneShotBarrier`] guarantees that no thread returns from `wait` until all
//! `n` have called it; it opens a turnstile (`wait` then `signal`) that stays
//! open afterwards, so it cannot be reused. For reuse, the book's two-turnstile
//! barrier is the crate primitive [`crate::blocking::Barrier`] (and
//! [`crate::tasks::Barrier`] for async code), re-exported here.

pub use crate::blocking::Barrier;
use crate::board::Board;

crate::flavours! {
    use {Semaphore};

    /// The book's counter + mutex + turnstile barrier, for a single round.
    pub struct OneShotBarrier {
        n: usize,
        count: Board<usize>,
        mutex: Semaphore,
        turnstile: Semaphore,
    }

    impl std::fmt::Debug for OneShotBarrier {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("OneShotBarrier")
                .field("n", &self.n)
                .finish()
        }
    }

    impl OneShotBarrier {
        /// A barrier for `n` threads.
        pub fn new(n: usize) -> Self {
            OneShotBarrier {
                n,
                count: Board::new(0),
                mutex: Semaphore::new(1),
                turnstile: Semaphore::new(0),
            }
        }

        /// Arrive (rendezvous), then return only once all `n` have arrived
        /// (critical point).
        pub async fn wait(&self) {
            self.mutex.wait().await;
            let c = self.count.with(|c| {
                *c += 1;
                *c
            });
            self.mutex.signal();
            if c == self.n {
                self.turnstile.signal();
            }
            self.turnstile.wait().await;
            self.turnstile.signal();
        }
    }
}
