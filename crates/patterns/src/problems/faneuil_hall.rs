//! §7.5 The Faneuil Hall problem (Grant Hutchins).
//!
//! Guarantees: while the judge is in the building nobody enters and no
//! immigrant leaves; the judge confirms only after every immigrant who has
//! entered has checked in; an immigrant gets its certificate only after the
//! judge has confirmed it. Spectators come and go freely except while the
//! judge is in. As the book notes, an immigrant who has its certificate may
//! have to sit through the next judge's visit before it can leave.

use crate::board::Board;

/// The judge's steps, as callbacks.
pub trait Judge {
    /// Walks in.
    fn enter(&mut self) {}
    /// Confirms the naturalization of the `checked` immigrants checked in.
    fn confirm(&mut self, _checked: usize) {}
    /// Walks out.
    fn leave(&mut self) {}
}

/// An immigrant's steps, as callbacks.
pub trait Immigrant {
    /// Walks in.
    fn enter(&mut self) {}
    /// Checks in.
    fn check_in(&mut self) {}
    /// Sits down to wait for the judge.
    fn sit_down(&mut self) {}
    /// Takes the oath (after the judge's confirmation).
    fn swear(&mut self) {}
    /// Receives the certificate.
    fn get_certificate(&mut self) {}
    /// Walks out.
    fn leave(&mut self) {}
}

crate::flavours! {
    use {Semaphore};

    #[derive(Default)]
    struct State {
        entered: usize,
        checked: usize,
        judge: bool,
    }

    /// The hall.
    pub struct FaneuilHall {
        no_judge: Semaphore,
        mutex: Semaphore,
        confirmed: Semaphore,
        all_signed_in: Semaphore,
        st: Board<State>,
    }

    impl std::fmt::Debug for FaneuilHall {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("FaneuilHall { .. }")
        }
    }

    impl Default for FaneuilHall {
        fn default() -> Self {
            Self::new()
        }
    }

    impl FaneuilHall {
        /// An empty hall.
        pub fn new() -> Self {
            FaneuilHall {
                no_judge: Semaphore::new(1),
                mutex: Semaphore::new(1),
                confirmed: Semaphore::new(0),
                all_signed_in: Semaphore::new(0),
                st: Board::new(State::default()),
            }
        }

        /// One immigrant's visit.
        pub async fn immigrant(&self, i: &mut impl Immigrant) {
            self.no_judge.wait().await;
            i.enter();
            self.st.with(|s| s.entered += 1);
            self.no_judge.signal();

            self.mutex.wait().await;
            i.check_in();
            let last = self.st.with(|s| {
                s.checked += 1;
                s.judge && s.entered == s.checked
            });
            if last {
                // Pass the mutex to the waiting judge.
                self.all_signed_in.signal();
            } else {
                self.mutex.signal();
            }
            i.sit_down();
            self.confirmed.wait().await;
            i.swear();
            i.get_certificate();
            self.no_judge.wait().await;
            i.leave();
            self.no_judge.signal();
        }

        /// One visit of the judge.
        pub async fn judge(&self, j: &mut impl Judge) {
            self.no_judge.wait().await;
            self.mutex.wait().await;
            j.enter();
            let wait = self.st.with(|s| {
                s.judge = true;
                s.entered > s.checked
            });
            if wait {
                self.mutex.signal();
                self.all_signed_in.wait().await;
            }
            let checked = self.st.with(|s| s.checked);
            j.confirm(checked);
            self.confirmed.signal_n(checked);
            self.st.with(|s| {
                s.entered = 0;
                s.checked = 0;
            });
            j.leave();
            self.st.with(|s| s.judge = false);
            self.mutex.signal();
            self.no_judge.signal();
        }

        /// A spectator enters, runs `spectate`, and leaves.
        pub async fn spectator<R>(&self, spectate: impl FnOnce() -> R) -> R {
            self.no_judge.wait().await;
            self.no_judge.signal();
            spectate()
        }
    }
}
