//! Symmetry reduction: identical instances of one column are interchangeable, so states that
//! differ only by a permutation of them are one state. A state is mapped to a canonical
//! representative by sorting each column's threads by their local state and renaming thread
//! references (semaphore and barrier queues) accordingly.
//!
//! Sound only when threads cannot tell themselves apart: programs that use `pid()` or
//! `self.index` get no symmetry. Canonicalizing never merges states that are not permutations
//! of each other; ties between identical threads may leave some symmetric states apart, which
//! costs reduction, not soundness.

use std::ops::Range;

use crate::codec::encode_thread;
use crate::machine::Machine;
use crate::state::{Object, State};

/// Groups of interchangeable threads (index ranges in the thread vector).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symmetry {
    pub groups: Vec<Range<usize>>,
}

impl Machine {
    /// The symmetry of this program, if it has any (columns with two or more instances, in a
    /// program whose threads cannot tell themselves apart).
    pub fn symmetry(&self) -> Option<Symmetry> {
        if self.program.uses_thread_identity() {
            return None;
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
            Some(Symmetry { groups })
        }
    }
}

impl Symmetry {
    /// Rewrites `state` into the canonical representative of its symmetry class.
    pub fn canonicalize(&self, state: &mut State) {
        let n = state.threads.len();
        let mut new_of_old: Vec<u32> = (0..n as u32).collect();
        let mut changed = false;
        for g in &self.groups {
            let mut keyed: Vec<(Vec<u8>, usize)> = g
                .clone()
                .map(|t| {
                    let mut th = state.threads[t].clone();
                    th.index = 0;
                    let mut key = Vec::with_capacity(16);
                    encode_thread(&th, &mut key);
                    (key, t)
                })
                .collect();
            keyed.sort();
            for (new, (_, old)) in keyed.iter().enumerate() {
                let new = g.start + new;
                if new != *old {
                    changed = true;
                }
                new_of_old[*old] = new as u32;
            }
        }
        if !changed {
            return;
        }
        let mut old_threads: Vec<Option<crate::state::Thread>> = std::mem::take(&mut state.threads)
            .into_iter()
            .map(Some)
            .collect();
        let mut threads = Vec::with_capacity(n);
        let mut old_of_new = vec![0usize; n];
        for (old, &new) in new_of_old.iter().enumerate() {
            old_of_new[new as usize] = old;
        }
        for (new, &old) in old_of_new.iter().enumerate() {
            let mut t = old_threads[old].take().expect("a permutation");
            if let Some(g) = self.groups.iter().find(|g| g.contains(&new)) {
                t.index = (new - g.start) as u32;
            }
            threads.push(t);
        }
        state.threads = threads;
        for o in &mut state.heap {
            match o {
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
    }
}
