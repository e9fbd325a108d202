//! §4.5 Cigarette smokers, with pushers (the "scoreboard" solution), and the
//! generalized version where agents do not wait.
//!
//! The agent side is fixed, as in the book: an agent waits for `agentSem`, then
//! puts two of the three ingredients on the table by signalling their
//! semaphores. Three pushers, one per ingredient, keep a scoreboard of what is
//! on the table and wake the one smoker who holds the third ingredient.
//!
//! Guarantees ([`Smokers`]): when two ingredients are on the table, only the
//! smoker holding the missing one proceeds, and it is woken only when it can;
//! no smoker ever consumes an ingredient that is not there; no deadlock.
//! [`GeneralizedSmokers`]: agents put ingredients out without waiting, the
//! table keeps counts, and every cigarette still consumes ingredients that
//! were actually on the table, each at most once.
//!
//! Both share one set of pushers with a scoreboard of counts:
//! the book's booleans `isTobacco`, ... are counts that never exceed 1 when the
//! agent waits for the smoker, and the generalized version's `numTobacco`, ...
//! are the same counts allowed to grow.

use crate::board::Board;

/// The three ingredients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ingredient {
    /// Tobacco.
    Tobacco,
    /// Paper.
    Paper,
    /// Matches.
    Matches,
}

impl Ingredient {
    /// All three, in a fixed order.
    pub const ALL: [Ingredient; 3] = [Ingredient::Tobacco, Ingredient::Paper, Ingredient::Matches];

    fn idx(self) -> usize {
        self as usize
    }

    /// The ingredient that is neither `self` nor `other` (`other != self`).
    fn third(self, other: Ingredient) -> Ingredient {
        Ingredient::ALL[3 - self.idx() - other.idx()]
    }

    /// The two ingredients other than `self`.
    pub fn others(self) -> [Ingredient; 2] {
        match self {
            Ingredient::Tobacco => [Ingredient::Paper, Ingredient::Matches],
            Ingredient::Paper => [Ingredient::Tobacco, Ingredient::Matches],
            Ingredient::Matches => [Ingredient::Tobacco, Ingredient::Paper],
        }
    }
}

crate::flavours! {
    use {Semaphore};

    fn sems(v: usize) -> [Semaphore; 3] {
        [Semaphore::new(v), Semaphore::new(v), Semaphore::new(v)]
    }

    /// The pushers' side, shared by both versions: one semaphore per
    /// ingredient on the table, one per smoker, and the scoreboard.
    struct Pushers {
        ingredient: [Semaphore; 3],
        smoker: [Semaphore; 3],
        mutex: Semaphore,
        on_table: Board<[usize; 3]>,
    }

    impl Pushers {
        fn new() -> Self {
            Pushers {
                ingredient: sems(0),
                smoker: sems(0),
                mutex: Semaphore::new(1),
                on_table: Board::new([0; 3]),
            }
        }

        /// The agent's signals: the two ingredients other than `missing`.
        fn put(&self, missing: Ingredient) {
            for i in missing.others() {
                self.ingredient[i.idx()].signal();
            }
        }

        /// One round of the pusher for `ingredient`: waits for it to appear
        /// and either wakes the smoker who needs it plus one other ingredient
        /// already noted, or notes it on the scoreboard.
        async fn pusher(&self, ingredient: Ingredient) {
            self.ingredient[ingredient.idx()].wait().await;
            self.mutex.wait().await;
            let wake = self.on_table.with(|t| {
                for other in ingredient.others() {
                    if t[other.idx()] > 0 {
                        t[other.idx()] -= 1;
                        // The smoker holding the third ingredient.
                        return Some(ingredient.third(other));
                    }
                }
                t[ingredient.idx()] += 1;
                None
            });
            self.mutex.signal();
            if let Some(s) = wake {
                self.smoker[s.idx()].signal();
            }
        }
    }

    /// The table, the agent's semaphore and the pushers' scoreboard.
    pub struct Smokers {
        agent_sem: Semaphore,
        pushers: Pushers,
    }

    impl std::fmt::Debug for Smokers {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Smokers { .. }")
        }
    }

    impl Default for Smokers {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Smokers {
        /// An empty table; the agent may start.
        pub fn new() -> Self {
            Smokers {
                agent_sem: Semaphore::new(1),
                pushers: Pushers::new(),
            }
        }

        /// One round of the agent that withholds `missing`: waits for the table
        /// to be free, runs `put` (the moment the ingredients land), and signals
        /// the two other ingredients.
        pub async fn agent(&self, missing: Ingredient, put: impl FnOnce()) {
            self.agent_sem.wait().await;
            put();
            self.pushers.put(missing);
        }

        /// One round of the pusher for `ingredient` (see [`Smokers`]).
        pub async fn pusher(&self, ingredient: Ingredient) {
            self.pushers.pusher(ingredient).await
        }

        /// One round of the smoker who holds `has`: waits until the two others
        /// are on the table, runs `make` (making the cigarette), and frees the
        /// agent. The caller smokes after this returns.
        pub async fn smoker<R>(&self, has: Ingredient, make: impl FnOnce() -> R) -> R {
            self.pushers.smoker[has.idx()].wait().await;
            let r = make();
            self.agent_sem.signal();
            r
        }
    }

    /// The generalized problem: agents never wait, ingredients pile up.
    pub struct GeneralizedSmokers {
        pushers: Pushers,
    }

    impl std::fmt::Debug for GeneralizedSmokers {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("GeneralizedSmokers { .. }")
        }
    }

    impl Default for GeneralizedSmokers {
        fn default() -> Self {
            Self::new()
        }
    }

    impl GeneralizedSmokers {
        /// An empty table.
        pub fn new() -> Self {
            GeneralizedSmokers {
                pushers: Pushers::new(),
            }
        }

        /// An agent puts out the two ingredients other than `missing`, without
        /// waiting for anyone.
        pub fn agent(&self, missing: Ingredient) {
            self.pushers.put(missing);
        }

        /// One round of the pusher for `ingredient` (the same pushers as
        /// [`Smokers`]; here the counts can exceed 1).
        pub async fn pusher(&self, ingredient: Ingredient) {
            self.pushers.pusher(ingredient).await
        }

        /// One round of the smoker holding `has`: waits for a pair, runs `make`.
        pub async fn smoker<R>(&self, has: Ingredient, make: impl FnOnce() -> R) -> R {
            self.pushers.smoker[has.idx()].wait().await;
            make()
        }
    }
}
