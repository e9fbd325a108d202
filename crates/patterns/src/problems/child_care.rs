//! §7.2 The child care problem (Hailperin), extended version.
//!
//! Guarantees: at all times the children inside are at most `ratio` times
//! the adults inside. Beyond that, nobody waits needlessly: a child enters at
//! once if there is room, an adult's arrival lets waiting children in, and an
//! adult may leave as soon as the children left behind are within the ratio;
//! an adult who may not leave yet is let out by whoever makes it legal: the
//! child whose departure, or the adult whose arrival, brings the ratio back
//! ("I'll do it for you"). Each of these is a shuttle test.

use crate::board::Board;

crate::flavours! {
    use {Semaphore};

    #[derive(Default)]
    struct State {
        children: usize,
        adults: usize,
        waiting: usize,
        leaving: usize,
    }

    /// The center.
    pub struct ChildCare {
        ratio: usize,
        mutex: Semaphore,
        child_queue: Semaphore,
        adult_queue: Semaphore,
        st: Board<State>,
    }

    impl std::fmt::Debug for ChildCare {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("ChildCare")
                .field("ratio", &self.ratio)
                .finish_non_exhaustive()
        }
    }

    impl ChildCare {
        /// A center allowing `ratio` children per adult (three in the book).
        pub fn new(ratio: usize) -> Self {
            ChildCare {
                ratio,
                mutex: Semaphore::new(1),
                child_queue: Semaphore::new(0),
                adult_queue: Semaphore::new(0),
                st: Board::new(State::default()),
            }
        }

        /// A child comes in, stays while `f` runs, and leaves.
        pub async fn child<R>(&self, f: impl FnOnce() -> R) -> R {
            self.mutex.wait().await;
            let wait = self.st.with(|s| {
                if s.children < self.ratio * s.adults {
                    s.children += 1;
                    false
                } else {
                    s.waiting += 1;
                    true
                }
            });
            self.mutex.signal();
            if wait {
                self.child_queue.wait().await;
            }

            let r = f();

            self.mutex.wait().await;
            let release_adult = self.st.with(|s| {
                s.children -= 1;
                if s.leaving > 0 && s.children <= self.ratio * (s.adults - 1) {
                    s.leaving -= 1;
                    s.adults -= 1;
                    true
                } else {
                    false
                }
            });
            if release_adult {
                self.adult_queue.signal();
            }
            self.mutex.signal();
            r
        }

        /// An adult comes in, stays while `f` runs, and leaves once that is legal.
        pub async fn adult<R>(&self, f: impl FnOnce() -> R) -> R {
            self.mutex.wait().await;
            let (admit, release) = self.st.with(|s| {
                s.adults += 1;
                // Waiting children first (the new adult's room is for them)...
                let n = s.waiting.min(self.ratio);
                s.waiting -= n;
                s.children += n;
                // ...then any adult waiting to leave whom the new ratio frees.
                let mut m = 0;
                while s.leaving > 0 && s.children <= self.ratio * (s.adults - 1) {
                    s.leaving -= 1;
                    s.adults -= 1;
                    m += 1;
                }
                (n, m)
            });
            self.child_queue.signal_n(admit);
            self.adult_queue.signal_n(release);
            self.mutex.signal();

            let r = f();

            self.mutex.wait().await;
            let can_leave = self.st.with(|s| {
                if s.children <= self.ratio * (s.adults - 1) {
                    s.adults -= 1;
                    true
                } else {
                    s.leaving += 1;
                    false
                }
            });
            self.mutex.signal();
            if !can_leave {
                self.adult_queue.wait().await;
            }
            r
        }
    }
}
