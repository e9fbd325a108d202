//! §8.2 The coke machine: producers refill, consumers take, the count stays
//! between 0 and the capacity.
//!
//! Guarantees: access to the machine is mutually exclusive; a consumer waits
//! while it is empty and a producer while it is full, so the count never goes
//! below 0 nor above `capacity`. This is the finite producer–consumer buffer
//! of §4.1 with `cokes` and `slots` semaphores; the count itself is kept
//! under the mutex, so the value each call reports is exact (the book's
//! version peeks at the semaphore, whose value moves outside the mutex).

use crate::board::Board;

crate::flavours! {
    use {Semaphore};

    /// The machine.
    pub struct CokeMachine {
        capacity: usize,
        cokes: Semaphore,
        slots: Semaphore,
        mutex: Semaphore,
        count: Board<usize>,
    }

    impl std::fmt::Debug for CokeMachine {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("CokeMachine")
                .field("capacity", &self.capacity)
                .finish_non_exhaustive()
        }
    }

    impl CokeMachine {
        /// A machine for `capacity` cokes holding `start` (the book: 10 and 5).
        pub fn new(capacity: usize, start: usize) -> Self {
            assert!(start <= capacity);
            CokeMachine {
                capacity,
                cokes: Semaphore::new(start),
                slots: Semaphore::new(capacity - start),
                mutex: Semaphore::new(1),
                count: Board::new(start),
            }
        }

        /// Takes a coke (waiting while empty); returns how many are left.
        pub async fn consume(&self) -> usize {
            self.cokes.wait().await;
            self.mutex.wait().await;
            let left = self.count.with(|c| {
                *c -= 1;
                *c
            });
            self.mutex.signal();
            self.slots.signal();
            left
        }

        /// Adds a coke (waiting while full); returns how many there are now.
        pub async fn produce(&self) -> usize {
            self.slots.wait().await;
            self.mutex.wait().await;
            let now = self.count.with(|c| {
                *c += 1;
                *c
            });
            self.mutex.signal();
            self.cokes.signal();
            now
        }
    }
}
