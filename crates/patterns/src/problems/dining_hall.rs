//! §7.6 The dining hall problem (Jon Pollack).
//!
//! Guarantee: nobody sits alone. A student who has finished eating may not
//! leave if that would leave exactly one other student at the table still
//! eating; it waits until that student finishes (and they leave together) or
//! another student sits down. The last waiting student is released by
//! whoever makes leaving legal ("I'll do it for you").

use crate::board::Board;

crate::flavours! {
    use {Semaphore};

    #[derive(Default)]
    struct State {
        eating: usize,
        ready_to_leave: usize,
    }

    /// The table.
    pub struct DiningHall {
        mutex: Semaphore,
        ok_to_leave: Semaphore,
        st: Board<State>,
    }

    impl std::fmt::Debug for DiningHall {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("DiningHall { .. }")
        }
    }

    impl Default for DiningHall {
        fn default() -> Self {
            Self::new()
        }
    }

    impl DiningHall {
        /// An empty table.
        pub fn new() -> Self {
            DiningHall {
                mutex: Semaphore::new(1),
                ok_to_leave: Semaphore::new(0),
                st: Board::new(State::default()),
            }
        }

        /// A student (who has got food) sits, runs `dine`, waits if leaving would
        /// leave someone alone, then runs `leave`.
        pub async fn student(&self, dine: impl FnOnce(), leave: impl FnOnce()) {
            self.mutex.wait().await;
            let release = self.st.with(|s| {
                s.eating += 1;
                if s.eating == 2 && s.ready_to_leave == 1 {
                    s.ready_to_leave -= 1;
                    true
                } else {
                    false
                }
            });
            if release {
                self.ok_to_leave.signal();
            }
            self.mutex.signal();

            dine();

            self.mutex.wait().await;
            enum Then {
                Wait,
                ReleaseAndGo,
                Go,
            }
            let then = self.st.with(|s| {
                s.eating -= 1;
                s.ready_to_leave += 1;
                if s.eating == 1 && s.ready_to_leave == 1 {
                    Then::Wait
                } else if s.eating == 0 && s.ready_to_leave == 2 {
                    s.ready_to_leave -= 2;
                    Then::ReleaseAndGo
                } else {
                    s.ready_to_leave -= 1;
                    Then::Go
                }
            });
            match then {
                Then::Wait => {
                    self.mutex.signal();
                    self.ok_to_leave.wait().await;
                }
                Then::ReleaseAndGo => {
                    self.ok_to_leave.signal();
                    self.mutex.signal();
                }
                Then::Go => self.mutex.signal(),
            }
            leave();
        }
    }
}
