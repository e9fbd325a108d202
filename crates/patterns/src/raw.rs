//! The engine shared by every semaphore in the crate, blocking and async.
//!
//! State: a count of free permits and a queue of waiters, both behind one
//! mutex. Invariant: **if the queue is non-empty, no permit is free**. A
//! `signal` that finds waiters never increments the count; it hands the
//! permit straight to one waiter (marks its slot `granted`) and wakes it. So a
//! thread that signals and then waits again cannot take back its own signal
//! (the book's Property 3), and a newcomer can never barge past a waiter.
//!
//! Which waiter gets a handed-off permit is the [`Policy`]: the oldest
//! (FIFO, a strong semaphore) or the newest (LIFO, a deliberately unfair weak
//! semaphore).
//!
//! Each waiter owns a [`Slot`]: a blocked thread sleeps on the slot's condition
//! variable, a pending future leaves its `Waker` there. Lock order is always
//! queue mutex, then slot mutex.
//!
//! Speed without changing who gets the permit: a blocked thread first watches
//! its slot's `granted` flag for a short while (a bounded spin, then a few
//! `yield_now`s) before it sleeps, and a `signal` only calls the condition
//! variable when the waiter really sleeps. A hand-off to a waiter that is
//! still spinning then costs no sleep and no wake-up. The permit still goes to
//! the waiter chosen under the queue lock; spinning only changes how soon it
//! notices. Under shuttle and loom the spin is off (it would only add
//! schedules).

use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::{Arc, Condvar, Mutex, lock, wait};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Which waiter a `signal` wakes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Policy {
    /// The most recent arrival. Satisfies Property 3 only.
    Weak,
    /// The oldest arrival. Satisfies Property 4 with zero overtaking.
    Fifo,
}

struct State {
    permits: usize,
    waiters: VecDeque<Arc<Slot>>,
}

struct Slot {
    /// Set (under the queue lock and the slot lock) when the permit is handed
    /// over; read without locks by a spinning waiter.
    granted_flag: AtomicBool,
    inner: Mutex<SlotInner>,
    cv: Condvar,
}

struct SlotInner {
    granted: bool,
    /// The waiting thread sleeps on `cv` (so the granter must notify it).
    sleeping: bool,
    waker: Option<Waker>,
}

impl Slot {
    fn new(waker: Option<Waker>) -> Arc<Slot> {
        Arc::new(Slot {
            granted_flag: AtomicBool::new(false),
            inner: Mutex::new(SlotInner {
                granted: false,
                sleeping: false,
                waker,
            }),
            cv: Condvar::new(),
        })
    }
}

/// How long a blocked thread watches its slot before it sleeps: busy checks,
/// then checks separated by `yield_now`. Zero under shuttle and loom.
#[cfg(not(any(loom, feature = "shuttle")))]
const SPIN: (u32, u32) = (20, 2);
#[cfg(any(loom, feature = "shuttle"))]
const SPIN: (u32, u32) = (0, 0);

/// Watches `slot` for a grant for a bounded time; `true` if it came.
fn spin_for_grant(slot: &Slot) -> bool {
    for _ in 0..SPIN.0 {
        if slot.granted_flag.load(Ordering::Acquire) {
            return true;
        }
        std::hint::spin_loop();
    }
    for _ in 0..SPIN.1 {
        if slot.granted_flag.load(Ordering::Acquire) {
            return true;
        }
        std::thread::yield_now();
    }
    false
}

/// A waiter to wake after the locks are released.
enum Wake {
    Task(Waker),
    /// A thread asleep on its slot's condition variable. It set `sleeping`
    /// and went to sleep under the slot lock, so a notify after `granted` was
    /// set (under that lock) cannot be lost.
    Thread(Arc<Slot>),
}

impl Wake {
    fn wake(self) {
        match self {
            Wake::Task(w) => w.wake(),
            Wake::Thread(slot) => slot.cv.notify_one(),
        }
    }
}

pub(crate) struct RawSemaphore {
    policy: Policy,
    state: Mutex<State>,
}

impl RawSemaphore {
    pub(crate) fn new(permits: usize, policy: Policy) -> Self {
        RawSemaphore {
            policy,
            state: Mutex::new(State {
                permits,
                waiters: VecDeque::new(),
            }),
        }
    }

    /// Downey's value: free permits, or minus the number of waiters.
    pub(crate) fn value(&self) -> isize {
        let st = lock(&self.state);
        st.permits as isize - st.waiters.len() as isize
    }

    pub(crate) fn policy(&self) -> Policy {
        self.policy
    }

    pub(crate) fn try_wait(&self) -> bool {
        let mut st = lock(&self.state);
        if st.permits > 0 {
            st.permits -= 1;
            true
        } else {
            false
        }
    }

    /// Blocks the calling thread until it holds a permit.
    pub(crate) fn wait(&self) {
        let mut st = lock(&self.state);
        if st.permits > 0 {
            st.permits -= 1;
            return;
        }
        let slot = Slot::new(None);
        st.waiters.push_back(slot.clone());
        drop(st);
        if spin_for_grant(&slot) {
            return;
        }
        let mut inner = lock(&slot.inner);
        inner.sleeping = true;
        while !inner.granted {
            inner = wait(&slot.cv, inner);
        }
    }

    fn pop(&self, st: &mut State) -> Option<Arc<Slot>> {
        match self.policy {
            Policy::Fifo => st.waiters.pop_front(),
            Policy::Weak => st.waiters.pop_back(),
        }
    }

    /// Grants one permit: to a waiter if there is one, else to the count.
    /// Returns who to wake once the queue lock is released (a woken thread
    /// then finds both locks free instead of blocking on them at once).
    fn grant_one(&self, st: &mut State) -> Option<Wake> {
        match self.pop(st) {
            Some(slot) => {
                let mut inner = lock(&slot.inner);
                inner.granted = true;
                if SPIN != (0, 0) {
                    // Only a spinning waiter reads it (keeps loom's and
                    // shuttle's schedules to the locks).
                    slot.granted_flag.store(true, Ordering::Release);
                }
                match inner.waker.take() {
                    Some(w) => Some(Wake::Task(w)),
                    None if inner.sleeping => {
                        drop(inner);
                        Some(Wake::Thread(slot))
                    }
                    None => None,
                }
            }
            None => {
                st.permits += 1;
                None
            }
        }
    }

    pub(crate) fn signal(&self) {
        let mut st = lock(&self.state);
        let w = self.grant_one(&mut st);
        drop(st);
        if let Some(w) = w {
            w.wake();
        }
    }

    /// `n` signals under one lock acquisition.
    pub(crate) fn signal_n(&self, n: usize) {
        let mut wakers = Vec::new();
        let mut st = lock(&self.state);
        for i in 0..n {
            if st.waiters.is_empty() {
                st.permits += n - i;
                break;
            }
            if let Some(w) = self.grant_one(&mut st) {
                wakers.push(w);
            }
        }
        drop(st);
        for w in wakers {
            w.wake();
        }
    }

    pub(crate) fn acquire(&self) -> Acquire<'_> {
        Acquire {
            sem: self,
            slot: None,
            done: false,
        }
    }
}

/// Defines one semaphore type of a flavour around a [`RawSemaphore`]: every
/// method but `wait` is the same in both flavours, so it is written here
/// once. `$wait_ret`/`$wait` give the flavour's `wait` (blocking call or
/// future); the flavour's `Sem` trait must be in scope.
macro_rules! semaphore_type {
    ($(#[$doc:meta])* $name:ident, $policy:expr,
     $(#[$wait_doc:meta])* fn wait(&$self:ident) -> $wait_ret:ty $wait:block) => {
        $(#[$doc])*
        pub struct $name {
            raw: $crate::raw::RawSemaphore,
        }

        impl $name {
            /// A semaphore whose initial value is `value` (the number of
            /// `wait`s that can proceed before any `signal`).
            pub fn new(value: usize) -> Self {
                $name { raw: $crate::raw::RawSemaphore::new(value, $policy) }
            }

            /// This semaphore with another hand-off policy (crate-internal:
            /// `problems::mutex` chooses weak or FIFO at run time).
            #[allow(dead_code)]
            pub(crate) fn with_policy(value: usize, policy: $crate::raw::Policy) -> Self {
                $name { raw: $crate::raw::RawSemaphore::new(value, policy) }
            }

            /// Whether waiters are served in arrival order (diagnostics).
            #[allow(dead_code)]
            pub(crate) fn is_fifo(&self) -> bool {
                self.raw.policy() == $crate::raw::Policy::Fifo
            }

            $(#[$wait_doc])*
            pub fn wait(&$self) -> $wait_ret $wait

            /// Takes a permit only if one is free right now. Never queues and
            /// never overtakes a waiter: while anyone is queued no permit is
            /// free, so this returns `false`.
            pub fn try_wait(&self) -> bool {
                self.raw.try_wait()
            }

            /// Increments the value; if anyone is waiting, one of them
            /// receives the permit and is woken. Never blocks.
            pub fn signal(&self) {
                self.raw.signal()
            }

            /// `n` signals performed atomically (no other operation on this
            /// semaphore interleaves between them). The book only needs them
            /// one after the other; atomicity is a stronger promise.
            pub fn signal_n(&self, n: usize) {
                self.raw.signal_n(n)
            }
        }

        impl Sem for $name {
            fn wait(&self) -> $wait_ret {
                $name::wait(self)
            }
            fn signal(&self) {
                self.raw.signal()
            }
            fn signal_n(&self, n: usize) {
                self.raw.signal_n(n)
            }
        }

        impl std::fmt::Debug for $name {
            /// Shows Downey's value: free permits, or minus the number of
            /// waiters. For diagnostics only: it may be stale by the time
            /// it is printed, so never base a decision on it.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("value", &self.raw.value())
                    .finish()
            }
        }
    };
}
pub(crate) use semaphore_type;

/// Future of an async wait. See the cancellation rules on the public types.
pub(crate) struct Acquire<'a> {
    sem: &'a RawSemaphore,
    slot: Option<Arc<Slot>>,
    done: bool,
}

impl Future for Acquire<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(());
        }
        if let Some(slot) = &this.slot {
            let mut inner = lock(&slot.inner);
            if inner.granted {
                drop(inner);
                this.slot = None;
                this.done = true;
                return Poll::Ready(());
            }
            match &inner.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => inner.waker = Some(cx.waker().clone()),
            }
            return Poll::Pending;
        }
        let mut st = lock(&this.sem.state);
        if st.permits > 0 {
            st.permits -= 1;
            this.done = true;
            return Poll::Ready(());
        }
        let slot = Slot::new(Some(cx.waker().clone()));
        st.waiters.push_back(slot.clone());
        this.slot = Some(slot);
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        let mut st = lock(&self.sem.state);
        if let Some(pos) = st.waiters.iter().position(|s| Arc::ptr_eq(s, &slot)) {
            // Still queued: withdraw, nobody loses anything.
            st.waiters.remove(pos);
            return;
        }
        // Not queued any more, so `granted` was set under the queue lock we
        // now hold: the permit is ours and was never used. Pass it on.
        let w = self.sem.grant_one(&mut st);
        drop(st);
        if let Some(w) = w {
            w.wake();
        }
    }
}
