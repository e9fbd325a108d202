//! §5.4 Hilzer's barbershop: several barbers, a sofa, a waiting room, one
//! cash register.
//!
//! Guarantees: at most `capacity` customers in the shop (others balk); at
//! most `sofa` customers on the sofa; customers go `enter_shop`,
//! `sit_on_sofa`, `get_haircut`, `pay` in that order; each `get_haircut`
//! starts only after a barber has picked that customer and each barber's
//! `cut_hair` serves exactly one customer, so at most `barbers` haircuts run
//! at once; `accept_payment` follows that customer's `pay`, and the customer
//! leaves only after it; one payment at a time (a single register); the
//! customer who has sat longest on the sofa is served first, and standing
//! customers take free sofa seats in arrival order (a FIFO semaphore).
//!
//! This is written from the problem's rules rather than transcribed: the
//! book's listing shares one mutex for three jobs and leaves a signal that
//! nobody waits for (see the catalog, §5.4). Here each customer owns a small
//! set of semaphores (a `Seat`) that the barber who picks it uses for the
//! haircut and payment rendezvous.

use crate::board::Board;
use crate::sync::Arc;
use crate::sync::atomic::{AtomicBool, Ordering};
use std::collections::VecDeque;

pub use super::barbershop::Visit;

/// What a customer does, as callbacks run at the right moments.
pub trait Customer {
    /// Walks in (the shop had room).
    fn enter_shop(&mut self) {}
    /// Sits on the sofa (runs under the shop's mutex: keep it short).
    fn sit_on_sofa(&mut self) {}
    /// Leaves the sofa for the barber chair (the sofa seat is freed after this).
    fn sit_in_barber_chair(&mut self) {}
    /// In the barber chair, during the barber's `cut_hair`.
    fn get_haircut(&mut self) {}
    /// Pays, before the barber accepts the payment.
    fn pay(&mut self) {}
}

/// What a barber does.
pub trait Barber {
    /// Cuts the hair of the customer it picked.
    fn cut_hair(&mut self) {}
    /// At the register, after the customer paid.
    fn accept_payment(&mut self) {}
}

crate::flavours! {
    use {FifoSemaphore, Semaphore};

    struct Seat {
        called: Semaphore,
        cut_done: Semaphore,
        paid: Semaphore,
        receipt: Semaphore,
    }

    /// The shop.
    pub struct HilzerShop {
        capacity: usize,
        customers: Board<usize>,
        mutex: Semaphore,
        sofa: FifoSemaphore,
        on_sofa: Board<VecDeque<Arc<Seat>>>,
        customer_on_sofa: Semaphore,
        register: Semaphore,
        closed: AtomicBool,
    }

    impl std::fmt::Debug for HilzerShop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("HilzerShop")
                .field("capacity", &self.capacity)
                .finish_non_exhaustive()
        }
    }

    impl HilzerShop {
        /// A shop for `capacity` customers with a sofa of `sofa` seats.
        pub fn new(capacity: usize, sofa: usize) -> Self {
            HilzerShop {
                capacity,
                customers: Board::new(0),
                mutex: Semaphore::new(1),
                sofa: FifoSemaphore::new(sofa),
                on_sofa: Board::new(VecDeque::new()),
                customer_on_sofa: Semaphore::new(0),
                register: Semaphore::new(1),
                closed: AtomicBool::new(false),
            }
        }

        /// One customer's visit.
        pub async fn customer(&self, c: &mut impl Customer) -> Visit {
            self.mutex.wait().await;
            let full = self.customers.with(|n| {
                if *n == self.capacity {
                    true
                } else {
                    *n += 1;
                    false
                }
            });
            self.mutex.signal();
            if full {
                return Visit::Balked;
            }
            c.enter_shop();
            self.sofa.wait().await;
            let seat = Arc::new(Seat {
                called: Semaphore::new(0),
                cut_done: Semaphore::new(0),
                paid: Semaphore::new(0),
                receipt: Semaphore::new(0),
            });
            // Sitting down and joining the sofa's queue are one step, so the
            // queue order is the order in which customers sat down.
            self.mutex.wait().await;
            c.sit_on_sofa();
            self.on_sofa.with(|q| q.push_back(seat.clone()));
            self.mutex.signal();
            self.customer_on_sofa.signal();
            seat.called.wait().await;
            c.sit_in_barber_chair();
            self.sofa.signal();
            c.get_haircut();
            seat.cut_done.wait().await;
            c.pay();
            seat.paid.signal();
            seat.receipt.wait().await;
            self.mutex.wait().await;
            self.customers.with(|n| *n -= 1);
            self.mutex.signal();
            Visit::Haircut
        }

        /// One barber serves the customer who has sat longest on the sofa;
        /// `false` once the shop is closed.
        pub async fn barber(&self, b: &mut impl Barber) -> bool {
            self.customer_on_sofa.wait().await;
            if self.closed.load(Ordering::SeqCst) {
                return false;
            }
            self.mutex.wait().await;
            let seat = self
                .on_sofa
                .with(|q| q.pop_front())
                .expect("a customer signalled without sitting down");
            self.mutex.signal();
            seat.called.signal();
            b.cut_hair();
            seat.cut_done.signal();
            seat.paid.wait().await;
            self.register.wait().await;
            b.accept_payment();
            self.register.signal();
            seat.receipt.signal();
            true
        }

        /// Closes the shop after the last customer left: each of the `barbers`
        /// barbers' next call returns `false`.
        pub fn close(&self, barbers: usize) {
            self.closed.store(true, Ordering::SeqCst);
            self.customer_on_sofa.signal_n(barbers);
        }
    }
}
