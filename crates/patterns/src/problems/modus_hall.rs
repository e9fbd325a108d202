//! §6.4 The Modus Hall problem: heathens and prudes share a path, one
//! faction at a time, and the majority rules.
//!
//! Guarantees: a heathen and a prude are never on the field together; members
//! of one faction may cross together. When the checked-in members of the
//! waiting faction outnumber those of the ruling one, the system switches to a
//! transition: the ruling faction's newcomers are stopped at their turnstile,
//! and the waiting faction takes over once the field is clear, so a faction
//! that keeps growing cannot starve.
//!
//! Correction to the book: in its heathens' check-out, the last heathen out
//! during a transition to prudes signals `prudeTurn`, but the turnstile that
//! was locked for that transition is `heathenTurn` (locked by whoever started
//! it). With the book's line the heathens' turnstile stays shut for good.
//! Here the last one out reopens its own faction's turnstile. The code is
//! written once for both factions.

use crate::board::Board;

/// The two factions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Faction {
    /// Residents of the Mods.
    Heathen,
    /// Residents of the ResHall.
    Prude,
}

impl Faction {
    fn i(self) -> usize {
        self as usize
    }
    fn other(self) -> Faction {
        match self {
            Faction::Heathen => Faction::Prude,
            Faction::Prude => Faction::Heathen,
        }
    }
}

crate::flavours! {
    use {Semaphore};

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Status {
        Neutral,
        Rules(Faction),
        TransitionTo(Faction),
    }

    struct State {
        count: [usize; 2],
        status: Status,
    }

    /// The field between the two halls.
    pub struct ModusHall {
        mutex: Semaphore,
        turn: [Semaphore; 2],
        queue: [Semaphore; 2],
        st: Board<State>,
    }

    impl std::fmt::Debug for ModusHall {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("ModusHall { .. }")
        }
    }

    impl Default for ModusHall {
        fn default() -> Self {
            Self::new()
        }
    }

    impl ModusHall {
        /// An empty, neutral field.
        pub fn new() -> Self {
            ModusHall {
                mutex: Semaphore::new(1),
                turn: [Semaphore::new(1), Semaphore::new(1)],
                queue: [Semaphore::new(0), Semaphore::new(0)],
                st: Board::new(State {
                    count: [0, 0],
                    status: Status::Neutral,
                }),
            }
        }

        /// A member of `me` crosses the field; `f` runs while on it.
        pub async fn cross<R>(&self, me: Faction, f: impl FnOnce() -> R) -> R {
            let them = me.other();
            self.turn[me.i()].wait().await;
            self.turn[me.i()].signal();

            self.mutex.wait().await;
            enum Next {
                Go,
                Queue,
                LockTheirTurnThenQueue,
            }
            let next = self.st.with(|s| {
                s.count[me.i()] += 1;
                match s.status {
                    Status::Neutral => {
                        s.status = Status::Rules(me);
                        Next::Go
                    }
                    Status::Rules(f) if f == them => {
                        if s.count[me.i()] > s.count[them.i()] {
                            s.status = Status::TransitionTo(me);
                            Next::LockTheirTurnThenQueue
                        } else {
                            Next::Queue
                        }
                    }
                    Status::TransitionTo(f) if f == me => Next::Queue,
                    _ => Next::Go,
                }
            });
            match next {
                Next::Go => self.mutex.signal(),
                Next::Queue => {
                    self.mutex.signal();
                    self.queue[me.i()].wait().await;
                }
                Next::LockTheirTurnThenQueue => {
                    self.turn[them.i()].wait().await;
                    self.mutex.signal();
                    self.queue[me.i()].wait().await;
                }
            }

            let r = f();

            self.mutex.wait().await;
            let (reopen_mine, release, lock_mine) = self.st.with(|s| {
                s.count[me.i()] -= 1;
                let mut reopen_mine = false;
                let mut release = 0;
                let mut lock_mine = false;
                if s.count[me.i()] == 0 {
                    if s.status == Status::TransitionTo(them) {
                        reopen_mine = true;
                    }
                    if s.count[them.i()] > 0 {
                        release = s.count[them.i()];
                        s.status = Status::Rules(them);
                    } else {
                        s.status = Status::Neutral;
                    }
                }
                if s.status == Status::Rules(me) && s.count[them.i()] > s.count[me.i()] {
                    s.status = Status::TransitionTo(them);
                    lock_mine = true;
                }
                (reopen_mine, release, lock_mine)
            });
            if reopen_mine {
                self.turn[me.i()].signal();
            }
            if release > 0 {
                self.queue[them.i()].signal_n(release);
            }
            if lock_mine {
                self.turn[me.i()].wait().await;
            }
            self.mutex.signal();
            r
        }
    }
}
