//! §7.4 The Senate Bus problem (second solution, by Grant Hutchins).
//!
//! Guarantees: when a bus arrives, the riders already waiting board, at most
//! `capacity` of them; anyone beyond that, and anyone who arrives while the
//! bus is boarding, waits for the next bus; the bus departs only after all of
//! its riders have boarded, and at once if nobody is waiting. The bus holds
//! the mutex while boarding, which is what keeps late arrivals out.

use crate::board::Board;

crate::flavours! {
    use {Semaphore};

    /// The stop.
    pub struct BusStop {
        capacity: usize,
        mutex: Semaphore,
        bus: Semaphore,
        boarded: Semaphore,
        waiting: Board<usize>,
    }

    impl std::fmt::Debug for BusStop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("BusStop")
                .field("capacity", &self.capacity)
                .finish_non_exhaustive()
        }
    }

    impl BusStop {
        /// A stop served by buses of `capacity` seats (50 in the book).
        pub fn new(capacity: usize) -> Self {
            BusStop {
                capacity,
                mutex: Semaphore::new(1),
                bus: Semaphore::new(0),
                boarded: Semaphore::new(0),
                waiting: Board::new(0),
            }
        }

        /// A bus arrives, boards the waiting riders and runs `depart`. Returns
        /// how many boarded.
        pub async fn bus(&self, depart: impl FnOnce()) -> usize {
            self.mutex.wait().await;
            let n = self.waiting.with(|w| (*w).min(self.capacity));
            for _ in 0..n {
                self.bus.signal();
                self.boarded.wait().await;
            }
            self.waiting.with(|w| *w -= n);
            self.mutex.signal();
            depart();
            n
        }

        /// A rider waits for a bus and runs `board` when it lets them on.
        pub async fn rider(&self, board: impl FnOnce()) {
            self.mutex.wait().await;
            self.waiting.with(|w| *w += 1);
            self.mutex.signal();
            self.bus.wait().await;
            board();
            self.boarded.signal();
        }
    }
}
