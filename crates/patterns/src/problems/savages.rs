//! §5.1 Dining savages: savages eat from a pot of `m` servings; one cook
//! refills it when it is empty.
//!
//! Guarantees: a savage never takes a serving from an empty pot; the cook
//! refills only when the pot is empty, and only when a savage asked; no
//! deadlock. Taking a serving is mutually exclusive with other savages (the
//! savage holds the mutex, even while it waits for the cook, on purpose: the
//! cook needs no mutex).

use crate::board::Board;

crate::flavours! {
    use {Semaphore};

    /// The pot and the savages' scoreboard.
    pub struct Pot {
        m: usize,
        servings: Board<usize>,
        mutex: Semaphore,
        empty_pot: Semaphore,
        full_pot: Semaphore,
    }

    impl std::fmt::Debug for Pot {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Pot")
                .field("m", &self.m)
                .finish_non_exhaustive()
        }
    }

    impl Pot {
        /// An empty pot that the cook fills with `m >= 1` servings at a time.
        pub fn new(m: usize) -> Self {
            assert!(m > 0, "the cook must put at least one serving in the pot");
            Pot {
                m,
                servings: Board::new(0),
                mutex: Semaphore::new(1),
                empty_pot: Semaphore::new(0),
                full_pot: Semaphore::new(0),
            }
        }

        /// A savage takes one serving: `take` runs while the savage holds the
        /// pot, after the cook has refilled it if it was empty. Eating happens
        /// after this returns.
        pub async fn get_serving<R>(&self, take: impl FnOnce() -> R) -> R {
            self.mutex.wait().await;
            if self.servings.with(|s| *s == 0) {
                self.empty_pot.signal();
                self.full_pot.wait().await;
                self.servings.with(|s| *s = self.m);
            }
            self.servings.with(|s| *s -= 1);
            let r = take();
            self.mutex.signal();
            r
        }

        /// One round of the cook: sleeps until a savage finds the pot empty, then
        /// runs `put_servings(m)` and wakes that savage.
        pub async fn cook(&self, put_servings: impl FnOnce(usize)) {
            self.empty_pot.wait().await;
            put_servings(self.m);
            self.full_pot.signal();
        }
    }
}
