//! Symmetry reduction: identical instances of one column are interchangeable, so states that
//! differ only by a permutation of them are one state. A state is mapped to a canonical
//! representative by sorting each column's threads by their local state and renaming thread
//! references (semaphore and barrier queues) accordingly.
//!
//! Sound only when threads cannot tell themselves apart: programs that use `pid()` or
//! `self.index` get no such symmetry; those whose threads index a ring get the rotations of
//! the ring instead when they provably commute with the program (see [`crate::ring`]). Canonicalizing never merges states that are not permutations
//! of each other; ties between identical threads may leave some symmetric states apart, which
//! costs reduction, not soundness.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::Arc;

use crate::codec::encode_thread_key;
use crate::heap::{canonicalize_heap, shared_objects};
use crate::machine::Machine;
use crate::ring::Ring;
use crate::state::{Object, State, Thread};

/// Groups of interchangeable threads (index ranges in the thread vector).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symmetry {
    pub groups: Vec<Range<usize>>,
    /// Rotation symmetry of one column that indexes a ring (then `groups` is empty).
    pub ring: Option<Ring>,
}

impl Machine {
    /// The symmetry of this program, if it has any (columns with two or more instances, in a
    /// program whose threads cannot tell themselves apart).
    pub fn symmetry(&self) -> Option<Symmetry> {
        if self.program.uses_thread_identity() {
            return self.ring().ok().map(|ring| Symmetry {
                groups: Vec::new(),
                ring: Some(ring),
            });
        }
        let threads = &self.initial_state().threads;
        let mut groups = Vec::new();
        let mut start = 0;
        while start < threads.len() {
            let col = threads[start].column;
            let mut end = start;
            while end < threads.len() && threads[end].column == col {
                end += 1;
            }
            if end - start >= 2 {
                groups.push(start..end);
            }
            start = end;
        }
        if groups.is_empty() {
            None
        } else {
            Some(Symmetry { groups, ring: None })
        }
    }
}

/// The threads' sort keys in one buffer, and `(start, end, thread)` for each.
type SortKeys = (Vec<u8>, Vec<(u32, u32, u32)>);

impl Symmetry {
    /// Rewrites `state` into the canonical representative of its symmetry class. The heap is
    /// put in canonical form first and again after the threads are permuted (the numbers of
    /// thread-private objects follow the threads' order).
    pub fn canonicalize(&self, state: &mut State) {
        if let Some(ring) = &self.ring {
            ring.canonicalize(state);
            return;
        }
        canonicalize_heap(state);
        let private_from = shared_objects(state);
        // Sort keys: each thread's encoding without its index, in one buffer per thread of
        // the program (no allocation per state once warm).
        thread_local! {
            static KEYS: RefCell<SortKeys> = const { RefCell::new((Vec::new(), Vec::new())) };
        }
        let n = state.threads.len();
        let mut new_of_old: Vec<u32> = (0..n as u32).collect();
        let mut changed = false;
        KEYS.with_borrow_mut(|(bytes, keys)| {
            for g in &self.groups {
                bytes.clear();
                keys.clear();
                for t in g.clone() {
                    let start = bytes.len() as u32;
                    encode_thread_key(&state.threads[t], private_from, bytes);
                    keys.push((start, bytes.len() as u32, t as u32));
                }
                let key = |&(a, b, _): &(u32, u32, u32)| &bytes[a as usize..b as usize];
                keys.sort_by(|x, y| key(x).cmp(key(y)).then(x.2.cmp(&y.2)));
                for (new, &(_, _, old)) in keys.iter().enumerate() {
                    let new = (g.start + new) as u32;
                    changed |= new != old;
                    new_of_old[old as usize] = new;
                }
            }
        });
        if !changed {
            return;
        }
        let mut old = std::mem::take(&mut state.threads);
        let mut threads: Vec<Option<Arc<Thread>>> = vec![None; n];
        for (o, t) in old.drain(..).enumerate() {
            threads[new_of_old[o] as usize] = Some(t);
        }
        state.threads = threads
            .into_iter()
            .map(|t| t.expect("a permutation"))
            .collect();
        for g in &self.groups {
            for new in g.clone() {
                let index = (new - g.start) as u32;
                if state.threads[new].index != index {
                    Arc::make_mut(&mut state.threads[new]).index = index;
                }
            }
        }
        let renamed = |queue: &[u32]| queue.iter().any(|&q| new_of_old[q as usize] != q);
        for o in &mut state.heap {
            let needs = match &**o {
                Object::Semaphore { queue, .. } | Object::Barrier { queue, .. } => renamed(queue),
                Object::List(_) | Object::Lightswitch { .. } => false,
            };
            if !needs {
                continue;
            }
            match Arc::make_mut(o) {
                Object::Semaphore { fifo, queue, .. } => {
                    queue.iter_mut().for_each(|q| *q = new_of_old[*q as usize]);
                    if !*fifo {
                        queue.sort_unstable();
                    }
                }
                Object::Barrier { queue, .. } => {
                    queue.iter_mut().for_each(|q| *q = new_of_old[*q as usize]);
                    queue.sort_unstable();
                }
                Object::List(_) | Object::Lightswitch { .. } => {}
            }
        }
        canonicalize_heap(state);
    }
}
