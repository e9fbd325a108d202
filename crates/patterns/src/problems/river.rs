//! §5.7 River crossing: hackers and serfs share boats of exactly four.
//!
//! Guarantees: each boatload is four threads, either 4 of a kind or 2 + 2
//! (never 3 + 1); all four of a boatload `board` before any thread of the
//! next boatload does; after all four have boarded, exactly one of them (the
//! captain, the thread that completed the load) calls `row_boat`. The captain
//! keeps the mutex until the boat has left, so loads do not interleave.
//!
//! Deviation from the book: its captain releases the mutex once *it* has passed
//! the barrier, while a passenger may still be about to take its permit of the
//! barrier's second turnstile; with one-shot threads the next load can take it
//! and the barrier's count mixes two loads (see `h2o`). Here each passenger
//! reports when it has left the barrier (`left`), and the captain waits for
//! all three before rowing and releasing the mutex.

use crate::board::Board;

/// Which bank a passenger comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A Linux hacker.
    Hacker,
    /// A Microsoft employee.
    Serf,
}

crate::flavours! {
    use {Barrier, Semaphore};

    #[derive(Default)]
    struct Waiting {
        hackers: usize,
        serfs: usize,
    }

    /// The dock.
    pub struct Dock {
        barrier: Barrier,
        /// Signalled by each passenger once it has passed the barrier.
        left: Semaphore,
        mutex: Semaphore,
        waiting: Board<Waiting>,
        hacker_queue: Semaphore,
        serf_queue: Semaphore,
    }

    impl std::fmt::Debug for Dock {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Dock { .. }")
        }
    }

    impl Default for Dock {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Dock {
        /// Nobody waiting.
        pub fn new() -> Self {
            Dock {
                barrier: Barrier::new(4),
                left: Semaphore::new(0),
                mutex: Semaphore::new(1),
                waiting: Board::new(Waiting::default()),
                hacker_queue: Semaphore::new(0),
                serf_queue: Semaphore::new(0),
            }
        }

        /// A passenger of `kind` arrives, boards with a legal load, and returns
        /// `true` if it was the captain (who ran `row_boat`).
        pub async fn cross(&self, kind: Kind, board: impl FnOnce(), row_boat: impl FnOnce()) -> bool {
            self.mutex.wait().await;
            // (same-kind signals, other-kind signals) when this thread completes a load
            let load = self.waiting.with(|w| {
                let (mine, other) = match kind {
                    Kind::Hacker => (&mut w.hackers, &mut w.serfs),
                    Kind::Serf => (&mut w.serfs, &mut w.hackers),
                };
                *mine += 1;
                if *mine == 4 {
                    *mine = 0;
                    Some((4, 0))
                } else if *mine == 2 && *other >= 2 {
                    *mine = 0;
                    *other -= 2;
                    Some((2, 2))
                } else {
                    None
                }
            });
            let (my_queue, other_queue) = match kind {
                Kind::Hacker => (&self.hacker_queue, &self.serf_queue),
                Kind::Serf => (&self.serf_queue, &self.hacker_queue),
            };
            let captain = match load {
                Some((same, other)) => {
                    my_queue.signal_n(same);
                    other_queue.signal_n(other);
                    true
                }
                None => {
                    self.mutex.signal();
                    false
                }
            };
            my_queue.wait().await;
            board();
            self.barrier.wait().await;
            if captain {
                for _ in 0..3 {
                    self.left.wait().await;
                }
                row_boat();
                self.mutex.signal();
            } else {
                self.left.signal();
            }
            captain
        }
    }
}
