//! Bounds on the work of one step, so that no step can hang or exhaust memory.
//!
//! A step is atomic, but a row can ask for unbounded work inside it: a recursive one-line
//! function (`f(n+1) and f(n+1)`), a list built from a huge count. Two bounds apply while a
//! step runs:
//! - a deterministic one, [`crate::Limits::max_step_work`]: evaluating an expression costs 1,
//!   building, copying or searching a list costs its length; past the limit the step is a
//!   runtime error (the same at every run, so it is part of the semantics);
//! - an interrupt that a search installs for its threads ([`watch`]) and raises on a time or
//!   memory limit or a cancel: a running step polls it and stops with an error whose
//!   message is [`INTERRUPTED`]; the search reports `incomplete`, not that error.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The message of a step stopped by the interrupt.
pub const INTERRUPTED: &str = "interrupted: a limit was reached during this step";

thread_local! {
    static INTERRUPT: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Makes steps run on this thread stop when `flag` is raised, until the guard is dropped.
pub fn watch(flag: Arc<AtomicBool>) -> WatchGuard {
    let previous = INTERRUPT.with_borrow_mut(|f| f.replace(flag));
    WatchGuard { previous }
}

/// Restores the interrupt that was watched before.
pub struct WatchGuard {
    previous: Option<Arc<AtomicBool>>,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        INTERRUPT.with_borrow_mut(|f| *f = previous);
    }
}

/// Whether the interrupt watched by this thread is raised.
pub(crate) fn interrupted() -> bool {
    INTERRUPT.with_borrow(|f| f.as_ref().is_some_and(|f| f.load(Ordering::Relaxed)))
}
