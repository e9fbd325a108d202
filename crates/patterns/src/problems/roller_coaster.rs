//! §5.8 Roller coaster, with one car or several.
//!
//! Guarantees ([`Coaster`], one car of capacity `c`): passengers `board` only
//! after the car has called `load`, and at most `c` per load; the car `run`s
//! only after exactly `c` have boarded; passengers `unboard` only after the
//! car has called `unload`, and only those who rode.
//!
//! [`MultiCarCoaster`] (`m` cars sharing one track, car `i` calling with its
//! index) adds: only one car loads at a time; several cars may be on the
//! track at once; cars unload in the order they loaded; a passenger unboards
//! only from the car it boarded, so every passenger of one carload gets off
//! before any passenger of a later carload.
//!
//! Deviation from the book: its multi-car version keeps one `unboardQueue`
//! for all cars, so car 1's `unload` can wake a passenger sitting in car 2
//! (who then "unboards" a car that is still on the track). Here each car has
//! its own unboarding queue, and a passenger notes which car it boarded.

use crate::board::Board;

/// What the car does, as callbacks.
pub trait Car {
    /// Opens the doors for boarding.
    fn load(&mut self) {}
    /// Runs the ride (all seats full).
    fn run(&mut self) {}
    /// Opens the doors for unboarding.
    fn unload(&mut self) {}
}

crate::flavours! {
    use {Semaphore};

    struct Shared {
        c: usize,
        mutex: Semaphore,
        mutex2: Semaphore,
        boarders: Board<usize>,
        unboarders: Board<usize>,
        board_queue: Semaphore,
        unboard_queue: Vec<Semaphore>,
        loading: Board<usize>,
        all_aboard: Semaphore,
        all_ashore: Semaphore,
    }

    impl Shared {
        fn new(c: usize, m: usize) -> Self {
            assert!(c > 0, "a car needs seats");
            Shared {
                c,
                mutex: Semaphore::new(1),
                mutex2: Semaphore::new(1),
                boarders: Board::new(0),
                unboarders: Board::new(0),
                board_queue: Semaphore::new(0),
                unboard_queue: (0..m).map(|_| Semaphore::new(0)).collect(),
                loading: Board::new(0),
                all_aboard: Semaphore::new(0),
                all_ashore: Semaphore::new(0),
            }
        }

        async fn passenger(&self, board: impl FnOnce(), unboard: impl FnOnce()) {
            self.board_queue.wait().await;
            board();
            self.mutex.wait().await;
            let car = self.loading.with(|l| *l);
            let full = self.boarders.with(|b| {
                *b += 1;
                if *b == self.c {
                    *b = 0;
                    true
                } else {
                    false
                }
            });
            if full {
                self.all_aboard.signal();
            }
            self.mutex.signal();

            self.unboard_queue[car].wait().await;
            unboard();
            self.mutex2.wait().await;
            let empty = self.unboarders.with(|u| {
                *u += 1;
                if *u == self.c {
                    *u = 0;
                    true
                } else {
                    false
                }
            });
            if empty {
                self.all_ashore.signal();
            }
            self.mutex2.signal();
        }
    }

    /// One car of capacity `c`.
    pub struct Coaster {
        s: Shared,
    }

    impl std::fmt::Debug for Coaster {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Coaster").field("c", &self.s.c).finish()
        }
    }

    impl Coaster {
        /// A car with `c` seats.
        pub fn new(c: usize) -> Self {
            Coaster {
                s: Shared::new(c, 1),
            }
        }

        /// One ride of the car.
        pub async fn car(&self, car: &mut impl Car) {
            let s = &self.s;
            car.load();
            s.board_queue.signal_n(s.c);
            s.all_aboard.wait().await;
            car.run();
            car.unload();
            s.unboard_queue[0].signal_n(s.c);
            s.all_ashore.wait().await;
        }

        /// One ride of a passenger.
        pub async fn passenger(&self, board: impl FnOnce(), unboard: impl FnOnce()) {
            self.s.passenger(board, unboard).await
        }
    }

    /// `m` cars of capacity `c` on one track.
    pub struct MultiCarCoaster {
        s: Shared,
        loading_area: Vec<Semaphore>,
        unloading_area: Vec<Semaphore>,
    }

    impl std::fmt::Debug for MultiCarCoaster {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("MultiCarCoaster")
                .field("c", &self.s.c)
                .field("m", &self.loading_area.len())
                .finish()
        }
    }

    impl MultiCarCoaster {
        /// `m >= 1` cars with `c` seats each; car 0 loads first.
        pub fn new(m: usize, c: usize) -> Self {
            assert!(m > 0, "at least one car");
            let area = |_| Semaphore::new(0);
            let loading_area: Vec<_> = (0..m).map(area).collect();
            let unloading_area: Vec<_> = (0..m).map(area).collect();
            loading_area[0].signal();
            unloading_area[0].signal();
            MultiCarCoaster {
                s: Shared::new(c, m),
                loading_area,
                unloading_area,
            }
        }

        fn next(&self, i: usize) -> usize {
            (i + 1) % self.loading_area.len()
        }

        /// One ride of car `i`.
        pub async fn car(&self, i: usize, car: &mut impl Car) {
            let s = &self.s;
            self.loading_area[i].wait().await;
            // Only this car is loading now; boarding passengers read the index.
            s.loading.with(|l| *l = i);
            car.load();
            s.board_queue.signal_n(s.c);
            s.all_aboard.wait().await;
            self.loading_area[self.next(i)].signal();
            car.run();
            self.unloading_area[i].wait().await;
            car.unload();
            s.unboard_queue[i].signal_n(s.c);
            s.all_ashore.wait().await;
            self.unloading_area[self.next(i)].signal();
        }

        /// One ride of a passenger (in whichever car is loading).
        pub async fn passenger(&self, board: impl FnOnce(), unboard: impl FnOnce()) {
            self.s.passenger(board, unboard).await
        }
    }
}
