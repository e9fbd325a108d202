//! §6.2 Unisex bathroom and §6.3 baboon crossing.
//!
//! Guarantees of [`Bathroom`]: people of the two groups are never inside
//! together, and at most `capacity` people are inside. With
//! [`Bathroom::new`] a steady stream of one group can keep the other out
//! forever; [`Bathroom::new_no_starve`] adds the book's turnstile: a waiting
//! person closes it, so no newcomer of the group inside can enter before the
//! waiting one (with the FIFO semaphores used here, nobody starves).
//!
//! The baboon crossing (§6.3) has no listing in the book; it is the no-starve
//! bathroom with directions instead of groups and a rope for five:
//! [`Rope`].

/// Direction of travel on the rope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// West to east.
    East,
    /// East to west.
    West,
}

/// One of the two groups that may not mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Women.
    Female,
    /// Men.
    Male,
}

crate::flavours! {
    use {FifoSemaphore, Lightswitch};

    /// The bathroom.
    #[derive(Debug)]
    pub struct Bathroom {
        empty: FifoSemaphore,
        switch: [Lightswitch; 2],
        multiplex: [FifoSemaphore; 2],
        turnstile: Option<FifoSemaphore>,
    }

    impl Bathroom {
        /// Room for `capacity` people of one group; starvation possible.
        pub fn new(capacity: usize) -> Self {
            Bathroom {
                empty: FifoSemaphore::new(1),
                switch: [Lightswitch::new(), Lightswitch::new()],
                multiplex: [FifoSemaphore::new(capacity), FifoSemaphore::new(capacity)],
                turnstile: None,
            }
        }

        /// As [`Bathroom::new`], with the turnstile that prevents starvation.
        pub fn new_no_starve(capacity: usize) -> Self {
            Bathroom {
                turnstile: Some(FifoSemaphore::new(1)),
                ..Bathroom::new(capacity)
            }
        }

        /// A person of `group` uses the bathroom: `f` runs inside.
        pub async fn visit<R>(&self, group: Group, f: impl FnOnce() -> R) -> R {
            let g = group as usize;
            if let Some(t) = &self.turnstile {
                t.wait().await;
                self.switch[g].lock(&self.empty).await;
                t.signal();
            } else {
                self.switch[g].lock(&self.empty).await;
            }
            self.multiplex[g].wait().await;
            let r = f();
            self.multiplex[g].signal();
            self.switch[g].unlock(&self.empty);
            r
        }
    }

    /// The baboons' rope: one direction at a time, at most `capacity` on it, and
    /// no direction starves the other.
    #[derive(Debug)]
    pub struct Rope {
        b: Bathroom,
    }

    impl Rope {
        /// A rope that holds `capacity` baboons (five in the book).
        pub fn new(capacity: usize) -> Self {
            Rope {
                b: Bathroom::new_no_starve(capacity),
            }
        }

        /// A baboon crosses in `dir`; `f` runs while it is on the rope.
        pub async fn cross<R>(&self, dir: Direction, f: impl FnOnce() -> R) -> R {
            let g = match dir {
                Direction::East => Group::Female,
                Direction::West => Group::Male,
            };
            self.b.visit(g, f).await
        }
    }
}
