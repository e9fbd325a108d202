//! The same primitives for async code: a waiting task yields to its executor
//! instead of blocking its thread.
//!
//! The types do not depend on any particular runtime: they only use
//! `std::task::Waker`, so they work on tokio (current-thread or
//! multi-threaded), under `shuttle` (through the `shuttle-tokio` package in
//! this crate's tests) and on any other executor.
//!
//! Compared with `tokio::sync::Semaphore`: tokio's semaphore is FIFO and
//! guard-based (a permit is returned when its guard drops, and can be closed).
//! Ours keep the book's model: a bare `wait().await` / `signal()`, with no
//! guard, so that one task can take a permit and another give it back. The
//! weak [`Semaphore`] here is *intentionally* unfair (LIFO hand-off), to make
//! the book's starvation arguments observable; [`FifoSemaphore`] has tokio's
//! fairness.
//!
//! # Cancellation
//!
//! Dropping a pending [`Wait`] future is safe and loses nothing: if it was
//! still queued it leaves the queue (its place in line is lost); if a
//! `signal` had already handed it the permit, the permit is passed on at once
//! to the next waiter (or returned to the count). Higher-level helpers
//! ([`Lightswitch`], [`Barrier`]) are **not** cancel-safe: dropping one of
//! their futures half-way leaves the helper's counter inconsistent, exactly as
//! killing a thread half-way through the book's code would.

use crate::raw::{Acquire, Policy, RawSemaphore};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Future returned by the async `wait` methods. Resolves once the task holds
/// a permit. See the module docs for what dropping it does.
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<'a> {
    inner: Acquire<'a>,
}

impl Future for Wait<'_> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Wait")
    }
}

/// What the book's solutions need from an async semaphore.
pub trait Sem: Send + Sync {
    /// Takes one permit, waiting until one is handed to this task.
    fn wait(&self) -> Wait<'_>;
    /// Releases one permit, waking one waiting task if there is any.
    fn signal(&self);
    /// Releases `n` permits.
    fn signal_n(&self, n: usize) {
        for _ in 0..n {
            self.signal();
        }
    }
}

macro_rules! async_semaphore {
    ($(#[$doc:meta])* $name:ident, $policy:expr) => {
        $(#[$doc])*
        pub struct $name {
            raw: RawSemaphore,
        }

        impl $name {
            /// A semaphore whose initial value is `value`.
            pub fn new(value: usize) -> Self {
                $name { raw: RawSemaphore::new(value, $policy) }
            }

            /// This semaphore with another hand-off policy (crate-internal:
            /// `problems::mutex` chooses weak or FIFO at run time).
            #[allow(dead_code)]
            pub(crate) fn with_policy(value: usize, policy: Policy) -> Self {
                $name { raw: RawSemaphore::new(value, policy) }
            }

            /// Whether waiters are served in arrival order (diagnostics).
            #[allow(dead_code)]
            pub(crate) fn is_fifo(&self) -> bool {
                self.raw.policy() == Policy::Fifo
            }

            /// Decrements the value; if no permit is free, the returned future
            /// stays pending until a `signal` hands one to this task.
            pub fn wait(&self) -> Wait<'_> {
                Wait { inner: self.raw.acquire() }
            }

            /// Takes a permit only if one is free now (never while tasks wait).
            pub fn try_wait(&self) -> bool {
                self.raw.try_wait()
            }

            /// Increments the value; if tasks are waiting one of them gets the
            /// permit and is woken. Never blocks, callable from sync code.
            pub fn signal(&self) {
                self.raw.signal()
            }

            /// `n` signals performed atomically.
            pub fn signal_n(&self, n: usize) {
                self.raw.signal_n(n)
            }
        }

        impl Sem for $name {
            fn wait(&self) -> Wait<'_> {
                $name::wait(self)
            }
            fn signal(&self) {
                self.raw.signal()
            }
            fn signal_n(&self, n: usize) {
                self.raw.signal_n(n)
            }
        }

        impl fmt::Debug for $name {
            /// Shows Downey's value (diagnostics only).
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("value", &self.raw.value())
                    .finish()
            }
        }
    };
}

async_semaphore! {
    /// A weak async semaphore: a `signal` that finds waiting tasks hands its
    /// permit to one of them (currently the newest: LIFO), never to the
    /// signaller. No bound on overtaking. See the module docs for
    /// cancellation.
    Semaphore, Policy::Weak
}

async_semaphore! {
    /// A strong async semaphore: waiting tasks get permits strictly in the
    /// order their `wait` futures were first polled. Same fairness as
    /// `tokio::sync::Semaphore`, without guards. See the module docs for
    /// cancellation.
    FifoSemaphore, Policy::Fifo
}

pub use crate::compound::tasks::{Barrier, Lightswitch};
