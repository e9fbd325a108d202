//! §3.3 Rendezvous: two threads each wait for the other to arrive.
//!
//! Constraints guaranteed, for threads A and B calling [`Rendezvous::a`] and
//! [`Rendezvous::b`]: what A did before `a()` happens before what B does after
//! `b()` returns, and vice versa. The order in which they arrive is free.
//! Each side signals first and then waits (the book's preferred listing), so
//! neither can deadlock the other. Reusable: round *k* of A pairs with round
//! *k* of B.

crate::flavours! {
    use {Semaphore};

    /// The two semaphores `aArrived` and `bArrived`.
    #[derive(Debug)]
    pub struct Rendezvous {
        a_arrived: Semaphore,
        b_arrived: Semaphore,
    }

    impl Default for Rendezvous {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Rendezvous {
        /// Neither side has arrived.
        pub fn new() -> Self {
            Rendezvous {
                a_arrived: Semaphore::new(0),
                b_arrived: Semaphore::new(0),
            }
        }

        /// Thread A arrives; returns once B has arrived too.
        pub async fn a(&self) {
            self.a_arrived.signal();
            self.b_arrived.wait().await;
        }

        /// Thread B arrives; returns once A has arrived too.
        pub async fn b(&self) {
            self.b_arrived.signal();
            self.a_arrived.wait().await;
        }
    }
}
