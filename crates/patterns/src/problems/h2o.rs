//! §5.6 Building H₂O.
//!
//! Guarantees: threads leave in complete molecules. Split the sequence of
//! `bond` calls into consecutive groups of three: each group has exactly one
//! oxygen and two hydrogens, and all three of a molecule bond before any
//! thread of the next one does. A lone oxygen waits for two hydrogens; a lone
//! hydrogen waits for an oxygen and another hydrogen. Threads that cannot
//! complete a molecule wait (legitimately) forever.
//!
//! The thread that completes a molecule keeps the mutex until all three atoms
//! have passed the barrier, so molecules cannot interleave.
//!
//! Deviation from the book (found by the stress test hanging): the book's oxygen
//! releases the mutex as soon as *it* has passed the barrier. With one-shot
//! threads a hydrogen of that molecule may still be about to take its permit of
//! the barrier's second turnstile; a thread of the next molecule can take that
//! permit first, leave the barrier early, and the barrier's count then mixes two
//! rounds: three threads end up waiting in its second phase forever. Here each
//! hydrogen reports when it has left the barrier (`left`), and the oxygen waits
//! for both before releasing the mutex.

use crate::board::Board;

crate::flavours! {
    use {Barrier, Semaphore};

    #[derive(Default)]
    struct Waiting {
        oxygen: usize,
        hydrogen: usize,
    }

    /// The reaction chamber.
    pub struct Water {
        mutex: Semaphore,
        waiting: Board<Waiting>,
        barrier: Barrier,
        oxy_queue: Semaphore,
        hydro_queue: Semaphore,
        /// Signalled by each hydrogen once it has passed the barrier.
        left: Semaphore,
    }

    impl std::fmt::Debug for Water {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Water { .. }")
        }
    }

    impl Default for Water {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Water {
        /// Nobody waiting.
        pub fn new() -> Self {
            Water {
                mutex: Semaphore::new(1),
                waiting: Board::new(Waiting::default()),
                barrier: Barrier::new(3),
                oxy_queue: Semaphore::new(0),
                hydro_queue: Semaphore::new(0),
                left: Semaphore::new(0),
            }
        }

        /// An oxygen atom: returns once bonded into a molecule.
        pub async fn oxygen(&self, bond: impl FnOnce()) {
            self.mutex.wait().await;
            let complete = self.waiting.with(|w| {
                w.oxygen += 1;
                if w.hydrogen >= 2 {
                    w.hydrogen -= 2;
                    w.oxygen -= 1;
                    true
                } else {
                    false
                }
            });
            if complete {
                self.hydro_queue.signal_n(2);
                self.oxy_queue.signal();
            } else {
                self.mutex.signal();
            }
            self.oxy_queue.wait().await;
            bond();
            self.barrier.wait().await;
            self.left.wait().await;
            self.left.wait().await;
            self.mutex.signal();
        }

        /// A hydrogen atom: returns once bonded into a molecule.
        pub async fn hydrogen(&self, bond: impl FnOnce()) {
            self.mutex.wait().await;
            let complete = self.waiting.with(|w| {
                w.hydrogen += 1;
                if w.hydrogen >= 2 && w.oxygen >= 1 {
                    w.hydrogen -= 2;
                    w.oxygen -= 1;
                    true
                } else {
                    false
                }
            });
            if complete {
                self.hydro_queue.signal_n(2);
                self.oxy_queue.signal();
            } else {
                self.mutex.signal();
            }
            self.hydro_queue.wait().await;
            bond();
            self.barrier.wait().await;
            self.left.signal();
        }
    }
}
