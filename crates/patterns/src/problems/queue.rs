//! §3.8 Queue: ballroom dancers, leaders and followers.
//!
//! [`Queue`] (basic): a leader passes only together with a follower's signal
//! and vice versa, so at any time the number of leaders that have passed is at
//! most the number of followers that have arrived, and symmetrically. Passing
//! is not pairwise: several leaders may dance before any follower does.
//!
//! [`ExclusiveQueue`]: dancers pass in pairs; each leader's `dance` runs
//! concurrently with exactly one follower's, and never two leaders (or two
//! followers) dance at the same time. The paired leader keeps the mutex until
//! its follower has finished dancing, and it is the leader (not the thread
//! that took it) that releases the mutex.

use crate::board::Board;

crate::flavours! {
    use {Semaphore};

    /// Two semaphores: `leaderQueue` and `followerQueue`.
    #[derive(Debug)]
    pub struct Queue {
        leader_queue: Semaphore,
        follower_queue: Semaphore,
    }

    impl Default for Queue {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Queue {
        /// Nobody waiting.
        pub fn new() -> Self {
            Queue {
                leader_queue: Semaphore::new(0),
                follower_queue: Semaphore::new(0),
            }
        }

        /// A leader arrives; returns when a follower has arrived for it.
        pub async fn leader(&self) {
            self.follower_queue.signal();
            self.leader_queue.wait().await;
        }

        /// A follower arrives; returns when a leader has arrived for it.
        pub async fn follower(&self) {
            self.leader_queue.signal();
            self.follower_queue.wait().await;
        }
    }

    #[derive(Default)]
    struct Waiting {
        leaders: usize,
        followers: usize,
    }

    /// The exclusive queue: dancers come out strictly in pairs.
    pub struct ExclusiveQueue {
        waiting: Board<Waiting>,
        mutex: Semaphore,
        leader_queue: Semaphore,
        follower_queue: Semaphore,
        rendezvous: Semaphore,
    }

    impl std::fmt::Debug for ExclusiveQueue {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("ExclusiveQueue")
        }
    }

    impl Default for ExclusiveQueue {
        fn default() -> Self {
            Self::new()
        }
    }

    impl ExclusiveQueue {
        /// Nobody waiting.
        pub fn new() -> Self {
            ExclusiveQueue {
                waiting: Board::new(Waiting::default()),
                mutex: Semaphore::new(1),
                leader_queue: Semaphore::new(0),
                follower_queue: Semaphore::new(0),
                rendezvous: Semaphore::new(0),
            }
        }

        /// A leader arrives, waits for a partner, and runs `dance` while exactly
        /// one follower runs its own.
        pub async fn leader<R>(&self, dance: impl FnOnce() -> R) -> R {
            self.mutex.wait().await;
            let partner_waiting = self.waiting.with(|w| {
                if w.followers > 0 {
                    w.followers -= 1;
                    true
                } else {
                    w.leaders += 1;
                    false
                }
            });
            if partner_waiting {
                self.follower_queue.signal();
            } else {
                self.mutex.signal();
                self.leader_queue.wait().await;
            }
            let r = dance();
            self.rendezvous.wait().await;
            self.mutex.signal();
            r
        }

        /// A follower arrives, waits for a partner, and runs `dance` while exactly
        /// one leader runs its own.
        pub async fn follower<R>(&self, dance: impl FnOnce() -> R) -> R {
            self.mutex.wait().await;
            let partner_waiting = self.waiting.with(|w| {
                if w.leaders > 0 {
                    w.leaders -= 1;
                    true
                } else {
                    w.followers += 1;
                    false
                }
            });
            if partner_waiting {
                self.leader_queue.signal();
            } else {
                self.mutex.signal();
                self.follower_queue.wait().await;
            }
            let r = dance();
            self.rendezvous.signal();
            r
        }
    }
}
