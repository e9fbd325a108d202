//! §5.2 The barbershop and §5.3 the FIFO barbershop.
//!
//! Guarantees of [`Barbershop`]: at most `n` customers are in the shop (a
//! customer who finds it full leaves at once: [`Visit::Balked`]); the barber
//! sleeps while there are no customers; each `cut_hair` of the barber runs
//! while exactly one customer runs `get_haircut` (two rendezvous make the
//! barber wait for that customer before taking the next one).
//!
//! [`FifoBarbershop`] adds: customers are served in the order they entered
//! the shop. The order comes from an explicit queue of per-customer
//! semaphores, not from strong semaphores.
//!
//! Both barbers loop forever in the book; here one call serves one customer
//! and returns `false` once [`Barbershop::close`] has been called and no
//! customer is left.

use crate::board::Board;
use crate::sync::Arc;
use crate::sync::atomic::{AtomicBool, Ordering};
use std::collections::VecDeque;

/// How a customer's visit ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visit {
    /// Got a haircut.
    Haircut,
    /// Found the shop full and left.
    Balked,
}

crate::flavours! {
    use {Semaphore};

    /// Dijkstra's sleeping barber.
    pub struct Barbershop {
        n: usize,
        customers: Board<usize>,
        mutex: Semaphore,
        customer: Semaphore,
        barber: Semaphore,
        customer_done: Semaphore,
        barber_done: Semaphore,
        closed: AtomicBool,
    }

    impl std::fmt::Debug for Barbershop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Barbershop")
                .field("n", &self.n)
                .finish_non_exhaustive()
        }
    }

    impl Barbershop {
        /// A shop holding at most `n` customers (waiting chairs + barber chair).
        pub fn new(n: usize) -> Self {
            Barbershop {
                n,
                customers: Board::new(0),
                mutex: Semaphore::new(1),
                customer: Semaphore::new(0),
                barber: Semaphore::new(0),
                customer_done: Semaphore::new(0),
                barber_done: Semaphore::new(0),
                closed: AtomicBool::new(false),
            }
        }

        /// A customer arrives; `get_haircut` runs during the barber's `cut_hair`.
        pub async fn customer(&self, get_haircut: impl FnOnce()) -> Visit {
            self.mutex.wait().await;
            let full = self.customers.with(|c| {
                if *c == self.n {
                    true
                } else {
                    *c += 1;
                    false
                }
            });
            self.mutex.signal();
            if full {
                return Visit::Balked;
            }
            self.customer.signal();
            self.barber.wait().await;
            get_haircut();
            self.customer_done.signal();
            self.barber_done.wait().await;
            self.mutex.wait().await;
            self.customers.with(|c| *c -= 1);
            self.mutex.signal();
            Visit::Haircut
        }

        /// The barber serves one customer (sleeping until one arrives); returns
        /// `false` instead if the shop has been closed.
        pub async fn barber(&self, cut_hair: impl FnOnce()) -> bool {
            self.customer.wait().await;
            if self.closed.load(Ordering::SeqCst) {
                return false;
            }
            self.barber.signal();
            cut_hair();
            self.customer_done.wait().await;
            self.barber_done.signal();
            true
        }

        /// Closes the shop: a sleeping barber wakes and returns `false`. Call it
        /// after the last customer has left (e.g. after joining their threads).
        pub fn close(&self) {
            self.closed.store(true, Ordering::SeqCst);
            self.customer.signal();
        }
    }

    /// The barbershop that serves customers in order of arrival.
    pub struct FifoBarbershop {
        n: usize,
        customers: Board<usize>,
        queue: Board<VecDeque<Arc<Semaphore>>>,
        mutex: Semaphore,
        customer: Semaphore,
        customer_done: Semaphore,
        barber_done: Semaphore,
        closed: AtomicBool,
    }

    impl std::fmt::Debug for FifoBarbershop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("FifoBarbershop")
                .field("n", &self.n)
                .finish_non_exhaustive()
        }
    }

    impl FifoBarbershop {
        /// A shop holding at most `n` customers.
        pub fn new(n: usize) -> Self {
            FifoBarbershop {
                n,
                customers: Board::new(0),
                queue: Board::new(VecDeque::new()),
                mutex: Semaphore::new(1),
                customer: Semaphore::new(0),
                customer_done: Semaphore::new(0),
                barber_done: Semaphore::new(0),
                closed: AtomicBool::new(false),
            }
        }

        /// A customer arrives. `enter` runs at the moment the customer takes its
        /// place in line (under the shop's mutex); `get_haircut` during the cut.
        pub async fn customer(&self, enter: impl FnOnce(), get_haircut: impl FnOnce()) -> Visit {
            let me = Arc::new(Semaphore::new(0));
            self.mutex.wait().await;
            let full = self.customers.with(|c| *c == self.n);
            if full {
                self.mutex.signal();
                return Visit::Balked;
            }
            self.customers.with(|c| *c += 1);
            self.queue.with(|q| q.push_back(me.clone()));
            enter();
            self.mutex.signal();
            self.customer.signal();
            me.wait().await;
            get_haircut();
            self.customer_done.signal();
            self.barber_done.wait().await;
            self.mutex.wait().await;
            self.customers.with(|c| *c -= 1);
            self.mutex.signal();
            Visit::Haircut
        }

        /// The barber serves the customer who has waited longest; `false` once
        /// the shop is closed.
        pub async fn barber(&self, cut_hair: impl FnOnce()) -> bool {
            self.customer.wait().await;
            if self.closed.load(Ordering::SeqCst) {
                return false;
            }
            self.mutex.wait().await;
            let next = self.queue.with(|q| q.pop_front());
            self.mutex.signal();
            next.expect("a customer signalled without queueing")
                .signal();
            cut_hair();
            self.customer_done.wait().await;
            self.barber_done.signal();
            true
        }

        /// Closes the shop (after the last customer has left).
        pub fn close(&self) {
            self.closed.store(true, Ordering::SeqCst);
            self.customer.signal();
        }
    }
}
