//! §7.1 The sushi bar.
//!
//! Guarantees: at most `seats` customers eat at once; once all seats have
//! been taken together, the bar is one party: a newcomer waits until the
//! whole party has left (the bar is empty) before sitting, even if seats free
//! up earlier. No deadlock.
//!
//! This is the book's first solution ("I'll do it for you"): the last
//! customer to leave seats the waiting ones itself, updating the counters on
//! their behalf, so woken customers never compete with newcomers for the
//! mutex (the flaw of the non-solution, which the tests demonstrate).

use crate::board::Board;

crate::flavours! {
    use {Semaphore};

    struct State {
        eating: usize,
        waiting: usize,
        must_wait: bool,
    }

    /// The bar.
    pub struct SushiBar {
        seats: usize,
        mutex: Semaphore,
        block: Semaphore,
        st: Board<State>,
    }

    impl std::fmt::Debug for SushiBar {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("SushiBar")
                .field("seats", &self.seats)
                .finish_non_exhaustive()
        }
    }

    impl SushiBar {
        /// A bar with `seats` seats (five in the book).
        pub fn new(seats: usize) -> Self {
            assert!(seats > 0, "a bar needs seats");
            SushiBar {
                seats,
                mutex: Semaphore::new(1),
                block: Semaphore::new(0),
                st: Board::new(State {
                    eating: 0,
                    waiting: 0,
                    must_wait: false,
                }),
            }
        }

        /// A customer sits down (waiting if needed) and runs `eat`.
        pub async fn eat<R>(&self, eat: impl FnOnce() -> R) -> R {
            self.mutex.wait().await;
            let wait = self.st.with(|s| {
                if s.must_wait {
                    s.waiting += 1;
                    true
                } else {
                    s.eating += 1;
                    s.must_wait = s.eating == self.seats;
                    false
                }
            });
            self.mutex.signal();
            if wait {
                // Seated by the last customer of the previous party.
                self.block.wait().await;
            }

            let r = eat();

            self.mutex.wait().await;
            let seat_now = self.st.with(|s| {
                s.eating -= 1;
                if s.eating == 0 {
                    let n = s.waiting.min(self.seats);
                    s.waiting -= n;
                    s.eating += n;
                    s.must_wait = s.eating == self.seats;
                    n
                } else {
                    0
                }
            });
            self.block.signal_n(seat_now);
            self.mutex.signal();
            r
        }
    }
}
