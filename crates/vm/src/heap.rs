//! Heap canonicalization: one state per program situation.
//!
//! Objects are numbered in the order a step allocates them and are never freed, so two runs
//! that reach the same situation can hold different numberings or different garbage (a list
//! literal in a loop leaves one dead list per lap). Programs cannot observe either: object
//! numbers only compare for identity, and nothing reaches an unreachable object. So before a
//! state is compared or stored, unreachable objects are dropped and the others renumbered in
//! the order a fixed traversal reaches them: from the globals in slot order, then from each
//! thread in thread order (the object it waits on, its frames' held objects and locals, its
//! attributes), each time breadth first through lists and lightswitches. The result depends only on the state's
//! shape, so states that differ only by garbage or numbering get the same form.

use std::cell::RefCell;
use std::sync::Arc;

use crate::state::{Object, State, Status, Thread, Value};

const UNSEEN: u32 = u32::MAX;

/// Object numbers: `new_of_old[r]` for each old object, `order[n]` the old number of new `n`.
#[derive(Default)]
struct Numbering {
    new_of_old: Vec<u32>,
    order: Vec<u32>,
}

impl Numbering {
    fn reach(&mut self, r: u32) {
        if let Some(slot) = self.new_of_old.get_mut(r as usize)
            && *slot == UNSEEN
        {
            *slot = self.order.len() as u32;
            self.order.push(r);
        }
    }

    fn value(&mut self, v: Value) {
        if let Value::Ref(r) = v {
            self.reach(r);
        }
    }

    fn thread(&mut self, t: &Thread) {
        if let Status::Blocked(o) = t.status {
            self.reach(o);
        }
        for f in &t.frames {
            f.held.iter().for_each(|&v| self.value(v));
            f.locals.iter().for_each(|&v| self.value(v));
        }
        t.attrs.iter().for_each(|&v| self.value(v));
    }

    /// Numbers every object reachable from the globals, then those reachable from each of
    /// `threads` in turn (so a thread's private objects are numbered together).
    fn number(&mut self, state: &State, threads: &[Arc<Thread>]) {
        self.new_of_old.clear();
        self.new_of_old.resize(state.heap.len(), UNSEEN);
        self.order.clear();
        let mut next = 0;
        state.globals.iter().for_each(|&v| self.value(v));
        self.close(state, &mut next);
        for t in threads {
            self.thread(t);
            self.close(state, &mut next);
        }
    }

    /// Numbers what the objects numbered from `next` on refer to, breadth first.
    fn close(&mut self, state: &State, next: &mut usize) {
        while *next < self.order.len() {
            match &*state.heap[self.order[*next] as usize] {
                Object::List(items) => items.iter().for_each(|&v| self.value(v)),
                Object::Lightswitch { mutex, .. } => self.reach(*mutex),
                Object::Semaphore { .. } | Object::Barrier { .. } => {}
            }
            *next += 1;
        }
    }

    fn is_identity(&self, heap_len: usize) -> bool {
        self.order.len() == heap_len && self.order.iter().enumerate().all(|(i, &o)| i as u32 == o)
    }

    fn map(&self, v: Value) -> Value {
        match v {
            Value::Ref(r) => Value::Ref(self.new_of_old[r as usize]),
            other => other,
        }
    }
}

thread_local! {
    static NUMBERING: RefCell<Numbering> = RefCell::new(Numbering::default());
}

/// Drops unreachable objects and renumbers the rest canonically (see the module doc).
/// Leaves the state untouched, without allocating, when it is already canonical.
pub fn canonicalize_heap(state: &mut State) {
    NUMBERING.with_borrow_mut(|n| {
        n.number(state, &state.threads);
        if n.is_identity(state.heap.len()) {
            return;
        }
        let old = std::mem::take(&mut state.heap);
        state.heap = n
            .order
            .iter()
            .map(|&o| {
                let obj = &old[o as usize];
                match &**obj {
                    Object::List(items) if items.iter().any(|&v| n.map(v) != v) => {
                        Arc::new(Object::List(items.iter().map(|&v| n.map(v)).collect()))
                    }
                    &Object::Lightswitch { counter, mutex }
                        if n.new_of_old[mutex as usize] != mutex =>
                    {
                        Arc::new(Object::Lightswitch {
                            counter,
                            mutex: n.new_of_old[mutex as usize],
                        })
                    }
                    _ => obj.clone(),
                }
            })
            .collect();
        for v in &mut state.globals {
            *v = n.map(*v);
        }
        for t in &mut state.threads {
            if !thread_refs(t).any(|r| n.new_of_old[r as usize] != r) {
                continue;
            }
            let t = Arc::make_mut(t);
            if let Status::Blocked(o) = &mut t.status {
                *o = n.new_of_old[*o as usize];
            }
            for f in &mut t.frames {
                f.held.iter_mut().for_each(|v| *v = n.map(*v));
                f.locals.iter_mut().for_each(|v| *v = n.map(*v));
            }
            t.attrs.iter_mut().for_each(|v| *v = n.map(*v));
        }
    });
}

/// The number of objects reachable from the globals alone: after [`canonicalize_heap`] they
/// are objects `0..n`, and every higher number is reached only through some thread.
pub fn shared_objects(state: &State) -> u32 {
    NUMBERING.with_borrow_mut(|n| {
        n.number(state, &[]);
        n.order.len() as u32
    })
}

/// Every object a thread refers to directly.
fn thread_refs(t: &Thread) -> impl Iterator<Item = u32> + '_ {
    let blocked = match t.status {
        Status::Blocked(o) => Some(o),
        _ => None,
    };
    let values = t
        .frames
        .iter()
        .flat_map(|f| f.held.iter().chain(&f.locals))
        .chain(&t.attrs);
    blocked.into_iter().chain(values.filter_map(|v| match v {
        Value::Ref(r) => Some(*r),
        _ => None,
    }))
}
