//! §7.3 The room party problem.
//!
//! Guarantees: any number of students may be in the room; the Dean enters
//! only when the room is empty (to search it) or holds at least `threshold`
//! students (to break up the party); while the Dean is in the room no student
//! enters, though students may leave; the Dean does not leave a party room
//! until every student has gone. Every visit of the Dean ends in a search or
//! a break-up: if the room is neither empty nor full enough, the Dean waits
//! for it to become one or the other. There must be a single Dean.

use crate::board::Board;

/// What the Dean did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeanVisit {
    /// Found the room empty and searched it.
    Searched,
    /// Broke up a party and waited for everyone to leave.
    BrokeUp,
}

crate::flavours! {
    use {Semaphore};

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Dean {
        NotHere,
        Waiting,
        InTheRoom,
    }

    struct State {
        students: usize,
        dean: Dean,
    }

    /// The room.
    pub struct Room {
        threshold: usize,
        mutex: Semaphore,
        turn: Semaphore,
        clear: Semaphore,
        lie_in: Semaphore,
        st: Board<State>,
    }

    impl std::fmt::Debug for Room {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Room")
                .field("threshold", &self.threshold)
                .finish_non_exhaustive()
        }
    }

    impl Room {
        /// A room whose party the Dean breaks up at `threshold` students (50 in
        /// the book).
        pub fn new(threshold: usize) -> Self {
            assert!(threshold > 0);
            Room {
                threshold,
                mutex: Semaphore::new(1),
                turn: Semaphore::new(1),
                clear: Semaphore::new(0),
                lie_in: Semaphore::new(0),
                st: Board::new(State {
                    students: 0,
                    dean: Dean::NotHere,
                }),
            }
        }

        /// One visit of the Dean.
        pub async fn dean(&self, search: impl FnOnce(), break_up: impl FnOnce()) -> DeanVisit {
            self.mutex.wait().await;
            let wait = self.st.with(|s| {
                if s.students > 0 && s.students < self.threshold {
                    s.dean = Dean::Waiting;
                    true
                } else {
                    false
                }
            });
            if wait {
                self.mutex.signal();
                // A student passes the mutex back with `lie_in`.
                self.lie_in.wait().await;
            }
            // Here the room is empty or has at least `threshold` students.
            let party = self.st.with(|s| s.students >= self.threshold);
            let visit = if party {
                self.st.with(|s| s.dean = Dean::InTheRoom);
                break_up();
                self.turn.wait().await;
                self.mutex.signal();
                // The last student out passes the mutex back with `clear`.
                self.clear.wait().await;
                self.turn.signal();
                DeanVisit::BrokeUp
            } else {
                search();
                DeanVisit::Searched
            };
            self.st.with(|s| s.dean = Dean::NotHere);
            self.mutex.signal();
            visit
        }

        /// A student comes in, parties while `party` runs, and leaves.
        pub async fn student<R>(&self, party: impl FnOnce() -> R) -> R {
            self.mutex.wait().await;
            if self.st.with(|s| s.dean == Dean::InTheRoom) {
                self.mutex.signal();
                self.turn.wait().await;
                self.turn.signal();
                self.mutex.wait().await;
            }
            let wake_dean = self.st.with(|s| {
                s.students += 1;
                s.students == self.threshold && s.dean == Dean::Waiting
            });
            if wake_dean {
                self.lie_in.signal();
            } else {
                self.mutex.signal();
            }

            let r = party();

            self.mutex.wait().await;
            let (lie_in, clear) = self.st.with(|s| {
                s.students -= 1;
                (
                    s.students == 0 && s.dean == Dean::Waiting,
                    s.students == 0 && s.dean == Dean::InTheRoom,
                )
            });
            if lie_in {
                self.lie_in.signal();
            } else if clear {
                self.clear.signal();
            } else {
                self.mutex.signal();
            }
            r
        }
    }
}
