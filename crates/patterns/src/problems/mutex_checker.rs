//! §8.1 The mutex checker: two (or more) threads share a counter and an array
//! and together must use every index below `end` exactly once.
//!
//! Guarantee: after all children have returned, every slot of the array has
//! been incremented exactly once, i.e. [`MutexChecker::histogram`] is
//! `{1: end}`. Check-and-increment of the counter and the array update happen
//! under one semaphore mutex, and a child releases the mutex before leaving
//! its loop (forgetting that is the classic bug: the other child deadlocks).

use crate::board::Board;
use std::collections::BTreeMap;

crate::flavours! {
    use {Semaphore};

    struct Shared {
        counter: usize,
        array: Vec<usize>,
    }

    /// The shared state of the children.
    pub struct MutexChecker {
        end: usize,
        mutex: Semaphore,
        shared: Board<Shared>,
    }

    impl std::fmt::Debug for MutexChecker {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("MutexChecker")
                .field("end", &self.end)
                .finish_non_exhaustive()
        }
    }

    impl MutexChecker {
        /// An array of `end` zeros and a counter at 0.
        pub fn new(end: usize) -> Self {
            MutexChecker {
                end,
                mutex: Semaphore::new(1),
                shared: Board::new(Shared {
                    counter: 0,
                    array: vec![0; end],
                }),
            }
        }

        /// A child's loop: take the next index, mark it, until `end`. Returns how
        /// many indices this child used.
        pub async fn child(&self) -> usize {
            let mut mine = 0;
            loop {
                self.mutex.wait().await;
                let done = self.shared.with(|s| {
                    if s.counter < self.end {
                        let i = s.counter;
                        s.array[i] += 1;
                        s.counter += 1;
                        false
                    } else {
                        true
                    }
                });
                self.mutex.signal();
                if done {
                    return mine;
                }
                mine += 1;
            }
        }

        /// How many slots were used how many times (`{1: end}` when correct).
        pub async fn histogram(&self) -> BTreeMap<usize, usize> {
            self.mutex.wait().await;
            let h = self.shared.with(|s| {
                let mut h = BTreeMap::new();
                for &v in &s.array {
                    *h.entry(v).or_insert(0) += 1;
                }
                h
            });
            self.mutex.signal();
            h
        }
    }
}
