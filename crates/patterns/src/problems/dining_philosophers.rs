//! §4.4 Dining philosophers: `n` philosophers, `n` forks, one between each
//! pair of neighbours. Philosopher `i` uses forks `left(i) = i` and
//! `right(i) = (i + 1) % n`.
//!
//! Every [`Table`] here guarantees: a fork is held by at most one philosopher
//! (so neighbours never eat together) and no deadlock. They differ in fairness:
//!
//! * [`FootmanTable`]: at most `n - 1` philosophers may reach for forks; with
//!   FIFO semaphores for the footman and the forks, nobody starves.
//! * [`LeftyTable`]: philosopher 0 picks up the left fork first, everyone else
//!   the right one first, so no cycle of waiting can form; FIFO forks, so
//!   nobody starves.
//! * [`TanenbaumTable`]: a philosopher eats only when neither neighbour is
//!   eating; deadlock-free and lets non-neighbours eat together, but a
//!   philosopher **can starve** (the book's "starving Tanenbaums").
//!
//! All of them allow more than one philosopher to eat at once (for `n >= 4`).

use crate::board::Board;

/// The fork to philosopher `i`'s left.
pub fn left(i: usize) -> usize {
    i
}

/// The fork to philosopher `i`'s right, at a table of `n`.
pub fn right(i: usize, n: usize) -> usize {
    (i + 1) % n
}

crate::flavours! {
    use {FifoSemaphore, Semaphore};

    /// A table at which philosophers `0..seats()` pick up and put down forks.
    #[allow(async_fn_in_trait)]
    pub trait Table: Send + Sync {
        /// Number of philosophers (and forks).
        fn seats(&self) -> usize;
        /// Philosopher `i` picks up both forks, waiting as needed.
        async fn get_forks(&self, i: usize);
        /// Philosopher `i` puts both forks down.
        async fn put_forks(&self, i: usize);
        /// `get_forks`, run `eat`, `put_forks`.
        async fn dine<R>(&self, i: usize, eat: impl FnOnce() -> R) -> R
        where
            Self: Sized,
        {
            self.get_forks(i).await;
            let r = eat();
            self.put_forks(i).await;
            r
        }
    }

    fn forks(n: usize) -> Vec<FifoSemaphore> {
        assert!(n >= 2, "a table needs at least two philosophers");
        (0..n).map(|_| FifoSemaphore::new(1)).collect()
    }

    /// Solution #1: a footman admits at most `n - 1` philosophers.
    #[derive(Debug)]
    pub struct FootmanTable {
        forks: Vec<FifoSemaphore>,
        footman: FifoSemaphore,
    }

    impl FootmanTable {
        /// A table for `n >= 2` philosophers.
        pub fn new(n: usize) -> Self {
            FootmanTable {
                forks: forks(n),
                footman: FifoSemaphore::new(n - 1),
            }
        }
    }

    impl Table for FootmanTable {
        fn seats(&self) -> usize {
            self.forks.len()
        }
        async fn get_forks(&self, i: usize) {
            let n = self.seats();
            self.footman.wait().await;
            self.forks[right(i, n)].wait().await;
            self.forks[left(i)].wait().await;
        }
        async fn put_forks(&self, i: usize) {
            let n = self.seats();
            self.forks[right(i, n)].signal();
            self.forks[left(i)].signal();
            self.footman.signal();
        }
    }

    /// Solution #2: one "lefty" (philosopher 0) breaks the cycle.
    #[derive(Debug)]
    pub struct LeftyTable {
        forks: Vec<FifoSemaphore>,
    }

    impl LeftyTable {
        /// A table for `n >= 2` philosophers.
        pub fn new(n: usize) -> Self {
            LeftyTable { forks: forks(n) }
        }
    }

    impl Table for LeftyTable {
        fn seats(&self) -> usize {
            self.forks.len()
        }
        async fn get_forks(&self, i: usize) {
            let n = self.seats();
            if i == 0 {
                self.forks[left(i)].wait().await;
                self.forks[right(i, n)].wait().await;
            } else {
                self.forks[right(i, n)].wait().await;
                self.forks[left(i)].wait().await;
            }
        }
        async fn put_forks(&self, i: usize) {
            let n = self.seats();
            self.forks[right(i, n)].signal();
            self.forks[left(i)].signal();
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Phil {
        Thinking,
        Hungry,
        Eating,
    }

    /// Tanenbaum's solution: a state per philosopher under one mutex.
    pub struct TanenbaumTable {
        n: usize,
        state: Board<Vec<Phil>>,
        sem: Vec<Semaphore>,
        mutex: Semaphore,
    }

    impl std::fmt::Debug for TanenbaumTable {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("TanenbaumTable")
                .field("n", &self.n)
                .finish()
        }
    }

    impl TanenbaumTable {
        /// A table for `n >= 2` philosophers.
        pub fn new(n: usize) -> Self {
            assert!(n >= 2, "a table needs at least two philosophers");
            TanenbaumTable {
                n,
                state: Board::new(vec![Phil::Thinking; n]),
                sem: (0..n).map(|_| Semaphore::new(0)).collect(),
                mutex: Semaphore::new(1),
            }
        }

        // Called with `mutex` held.
        fn test(&self, st: &mut [Phil], i: usize) {
            let n = self.n;
            let l = (i + n - 1) % n;
            let r = (i + 1) % n;
            if st[i] == Phil::Hungry && st[l] != Phil::Eating && st[r] != Phil::Eating {
                st[i] = Phil::Eating;
                self.sem[i].signal();
            }
        }
    }

    impl Table for TanenbaumTable {
        fn seats(&self) -> usize {
            self.n
        }
        async fn get_forks(&self, i: usize) {
            self.mutex.wait().await;
            self.state.with(|st| {
                st[i] = Phil::Hungry;
                self.test(st, i);
            });
            self.mutex.signal();
            self.sem[i].wait().await;
        }
        async fn put_forks(&self, i: usize) {
            let n = self.n;
            self.mutex.wait().await;
            self.state.with(|st| {
                st[i] = Phil::Thinking;
                self.test(st, (i + 1) % n);
                self.test(st, (i + n - 1) % n);
            });
            self.mutex.signal();
        }
    }
}
