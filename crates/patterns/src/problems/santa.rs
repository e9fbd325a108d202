//! §5.5 The Santa Claus problem.
//!
//! Guarantees: Santa sleeps until either the last of the `reindeer` reindeer
//! or a third elf wakes him. When the reindeer are all back, Santa runs
//! `prepare_sleigh` and only then may each reindeer `get_hitched`. Elves come
//! in groups of three: after the third arrives, Santa runs `help_elves` while
//! the three run `get_help`, and no other elf joins until all three have
//! left. If reindeer and elves are both waiting, the reindeer go first.
//!
//! Correction to the book: in its listing the elves call `getHelp` as soon
//! as they have counted themselves, so the first elf can "get help" alone,
//! before a group of three exists and without Santa; with fewer than three
//! elves ever arriving, Santa then sleeps through elves that were "helped".
//! The shuttle tests show it (`broken_book_santa_elves_are_caught`). Here the
//! elves of a group wait on `elf_sem` until Santa, woken by the third, starts
//! `help_elves` and lets the three of them in.

use crate::board::Board;

/// Why Santa woke up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wakeup {
    /// All reindeer are back.
    Reindeer,
    /// Three elves need help.
    Elves,
}

crate::flavours! {
    use {Semaphore};

    #[derive(Default)]
    struct Counts {
        elves: usize,
        reindeer: usize,
    }

    /// The North Pole.
    pub struct NorthPole {
        n_reindeer: usize,
        counts: Board<Counts>,
        santa_sem: Semaphore,
        reindeer_sem: Semaphore,
        elf_tex: Semaphore,
        elf_sem: Semaphore,
        mutex: Semaphore,
    }

    impl std::fmt::Debug for NorthPole {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("NorthPole")
                .field("reindeer", &self.n_reindeer)
                .finish_non_exhaustive()
        }
    }

    impl NorthPole {
        /// The book's nine reindeer.
        pub fn new() -> Self {
            Self::with_reindeer(9)
        }

        /// A herd of `n` reindeer (tests use fewer than nine).
        pub fn with_reindeer(n: usize) -> Self {
            NorthPole {
                n_reindeer: n,
                counts: Board::new(Counts::default()),
                santa_sem: Semaphore::new(0),
                reindeer_sem: Semaphore::new(0),
                elf_tex: Semaphore::new(1),
                elf_sem: Semaphore::new(0),
                mutex: Semaphore::new(1),
            }
        }

        /// One round of Santa: sleep, then serve whoever woke him.
        pub async fn santa(&self, prepare_sleigh: impl FnOnce(), help_elves: impl FnOnce()) -> Wakeup {
            self.santa_sem.wait().await;
            self.mutex.wait().await;
            let reindeer_ready = self.counts.with(|c| c.reindeer >= self.n_reindeer);
            let woke = if reindeer_ready {
                prepare_sleigh();
                self.reindeer_sem.signal_n(self.n_reindeer);
                self.counts.with(|c| c.reindeer -= self.n_reindeer);
                Wakeup::Reindeer
            } else {
                debug_assert_eq!(self.counts.with(|c| c.elves), 3);
                help_elves();
                self.elf_sem.signal_n(3);
                Wakeup::Elves
            };
            self.mutex.signal();
            woke
        }

        /// A reindeer comes back from vacation and waits to be hitched.
        pub async fn reindeer(&self, get_hitched: impl FnOnce()) {
            self.mutex.wait().await;
            let last = self.counts.with(|c| {
                c.reindeer += 1;
                c.reindeer == self.n_reindeer
            });
            if last {
                self.santa_sem.signal();
            }
            self.mutex.signal();
            self.reindeer_sem.wait().await;
            get_hitched();
        }

        /// An elf needs help; `get_help` runs as part of a group of three.
        pub async fn elf(&self, get_help: impl FnOnce()) {
            self.elf_tex.wait().await;
            self.mutex.wait().await;
            let third = self.counts.with(|c| {
                c.elves += 1;
                c.elves == 3
            });
            if third {
                self.santa_sem.signal();
            } else {
                self.elf_tex.signal();
            }
            self.mutex.signal();
            self.elf_sem.wait().await;
            get_help();
            self.mutex.wait().await;
            let last = self.counts.with(|c| {
                c.elves -= 1;
                c.elves == 0
            });
            if last {
                self.elf_tex.signal();
            }
            self.mutex.signal();
        }
    }

    impl Default for NorthPole {
        fn default() -> Self {
            Self::new()
        }
    }
}
