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

use crate::raw::{Acquire, Policy, semaphore_type};
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

semaphore_type! {
    /// A weak async semaphore: a `signal` that finds waiting tasks hands its
    /// permit to one of them (currently the newest: LIFO), never to the
    /// signaller. No bound on overtaking. See the module docs for
    /// cancellation.
    Semaphore, Policy::Weak,
    /// Decrements the value; if no permit is free, the returned future stays
    /// pending until a `signal` hands one to this task.
    fn wait(&self) -> Wait<'_> {
        Wait { inner: self.raw.acquire() }
    }
}

semaphore_type! {
    /// A strong async semaphore: waiting tasks get permits strictly in the
    /// order their `wait` futures were first polled. Same fairness as
    /// `tokio::sync::Semaphore`, without guards. See the module docs for
    /// cancellation.
    FifoSemaphore, Policy::Fifo,
    /// Decrements the value; if no permit is free, the returned future stays
    /// pending until a `signal` hands one to this task (in the order the
    /// futures were first polled).
    fn wait(&self) -> Wait<'_> {
        Wait { inner: self.raw.acquire() }
    }
}

pub use crate::compound::tasks::{Barrier, Lightswitch};
