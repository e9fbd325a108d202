//! Breadth-first and depth-first search with a visited set, parent links for traces, limits and
//! progress reports.

use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;
use lbos_vm::{Fault, FaultKind, Machine, State, Transition};
use serde::Serialize;

use crate::memory::current_rss_bytes;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Deadlock,
    Assertion,
    Invariant,
    Error,
    Incomplete,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Deadlock => "deadlock",
            Verdict::Assertion => "assertion",
            Verdict::Invariant => "invariant",
            Verdict::Error => "error",
            Verdict::Incomplete => "incomplete",
        }
    }

    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Ok => 0,
            Verdict::Incomplete => 3,
            _ => 1,
        }
    }
}

/// What went wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub verdict: Verdict,
    /// For assertion, invariant and error verdicts: the fault.
    pub fault: Option<Fault>,
    /// The transitions from the initial state to the violation (the last one is the faulty
    /// step for assertion and error verdicts).
    pub trace: Vec<Transition>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Distinct states stored.
    pub states: u64,
    /// Transitions explored (successors computed, including ones to known states).
    pub transitions: u64,
    /// Greatest depth (steps from the initial state) of a stored state.
    pub max_depth: u64,
    pub seconds: f64,
    pub states_per_second: f64,
    /// States still waiting to be explored.
    pub frontier: u64,
    /// Peak resident memory of the process, in bytes, where known.
    pub peak_memory_bytes: u64,
    /// Estimated bytes per stored state (state data plus visited-set overhead).
    pub bytes_per_state: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub verdict: Verdict,
    pub violation: Option<Violation>,
    pub stats: Stats,
    /// Source lines of thread rows that no reachable state stands on (only for complete searches).
    pub dead_rows: Vec<u32>,
    /// Why the search stopped early (for `incomplete`).
    pub incomplete_reason: Option<String>,
}

pub type Progress = Stats;

/// How to search. Limits end the search cleanly with the verdict `incomplete`.
#[derive(Clone)]
pub struct Options {
    pub dfs: bool,
    pub max_states: u64,
    pub max_memory_bytes: u64,
    pub timeout: Option<Duration>,
    /// Set from outside (Ctrl-C, a cancel button) to stop the search.
    pub stop: Arc<AtomicBool>,
    /// Called about every `progress_interval` with the statistics so far.
    pub progress: Option<Arc<dyn Fn(&Progress) + Send + Sync>>,
    pub progress_interval: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dfs: false,
            max_states: 50_000_000,
            max_memory_bytes: 4 << 30,
            timeout: None,
            stop: Arc::new(AtomicBool::new(false)),
            progress: None,
            progress_interval: Duration::from_millis(500),
        }
    }
}

struct Store {
    states: Vec<State>,
    parent: Vec<u32>,
    depth: Vec<u32>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
    bytes: u64,
}

const ROOT: u32 = u32::MAX;

impl Store {
    fn new() -> Self {
        Store {
            states: Vec::new(),
            parent: Vec::new(),
            depth: Vec::new(),
            table: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            bytes: 0,
        }
    }

    /// Inserts a state unless known; returns its index if it is new.
    fn insert(&mut self, s: State, parent: u32) -> Option<u32> {
        let hash = self.hasher.hash_one(&s);
        let states = &self.states;
        if self
            .table
            .find(hash, |&i| states[i as usize] == s)
            .is_some()
        {
            return None;
        }
        let idx = self.states.len() as u32;
        self.bytes += deep_size(&s) as u64 + 16;
        let hasher = &self.hasher;
        let states = &self.states;
        self.table
            .insert_unique(hash, idx, |&i| hasher.hash_one(&states[i as usize]));
        let d = if parent == ROOT {
            0
        } else {
            self.depth[parent as usize] + 1
        };
        self.states.push(s);
        self.parent.push(parent);
        self.depth.push(d);
        Some(idx)
    }

    fn path(&self, mut i: u32) -> Vec<u32> {
        let mut p = vec![i];
        while self.parent[i as usize] != ROOT {
            i = self.parent[i as usize];
            p.push(i);
        }
        p.reverse();
        p
    }
}

fn deep_size(s: &State) -> usize {
    use lbos_vm::Object;
    let mut n = std::mem::size_of::<State>();
    n += s.globals.capacity() * std::mem::size_of::<lbos_vm::Value>();
    n += s.heap.capacity() * std::mem::size_of::<Object>();
    for o in &s.heap {
        n += match o {
            Object::List(v) => v.capacity() * std::mem::size_of::<lbos_vm::Value>(),
            Object::Semaphore { queue, .. } | Object::Barrier { queue, .. } => queue.capacity() * 4,
            Object::Lightswitch { .. } => 0,
        };
    }
    n += s.threads.capacity() * std::mem::size_of::<lbos_vm::Thread>();
    for t in &s.threads {
        n += t.attrs.capacity() * std::mem::size_of::<lbos_vm::Value>();
        n += t.frames.capacity() * std::mem::size_of::<lbos_vm::Frame>();
        for f in &t.frames {
            n += f.locals.capacity() * std::mem::size_of::<lbos_vm::Value>();
        }
    }
    n
}

fn mark_rows(m: &Machine, s: &State, rows: &mut [bool]) {
    for t in &s.threads {
        for f in &t.frames {
            if f.pc != lbos_lang::program::END {
                rows[m.program.instr(f.pc).row as usize] = true;
            }
        }
    }
}

fn fault_verdict(f: &Fault) -> Verdict {
    match f.kind {
        FaultKind::Assertion => Verdict::Assertion,
        FaultKind::Invariant => Verdict::Invariant,
        FaultKind::Error => Verdict::Error,
    }
}

/// Explores every reachable state of `m` and returns the verdict.
pub fn check(m: &Machine, opts: &Options) -> Report {
    let start = Instant::now();
    let mut store = Store::new();
    let mut rows = vec![false; m.program.rows.len()];
    let mut stats = Stats::default();
    let mut peak_rss = current_rss_bytes().unwrap_or(0);
    let base_rss = peak_rss;
    let init = m.initial_state().clone();

    let finish = |store: &Store,
                  mut stats: Stats,
                  verdict: Verdict,
                  violation: Option<Violation>,
                  reason: Option<String>,
                  rows: &[bool],
                  peak: u64| {
        stats.states = store.states.len() as u64;
        stats.seconds = start.elapsed().as_secs_f64();
        stats.states_per_second = if stats.seconds > 0.0 {
            stats.states as f64 / stats.seconds
        } else {
            0.0
        };
        stats.peak_memory_bytes = peak.max(current_rss_bytes().unwrap_or(0));
        stats.bytes_per_state = if stats.states > 0 {
            (store.bytes + store.table.capacity() as u64 * 5) / stats.states
        } else {
            0
        };
        let dead_rows = if verdict == Verdict::Ok {
            lbos_vm::describe::dead_rows(m, rows)
        } else {
            Vec::new()
        };
        Report {
            verdict,
            violation,
            stats,
            dead_rows,
            incomplete_reason: reason,
        }
    };

    if let Err(f) = m.check_invariants(&init) {
        let v = Violation {
            verdict: fault_verdict(&f),
            fault: Some(f),
            trace: Vec::new(),
        };
        return finish(&store, stats, v.verdict, Some(v), None, &rows, peak_rss);
    }
    mark_rows(m, &init, &mut rows);
    let deadlocked_init = init.is_deadlock();
    store.insert(init, ROOT);
    if deadlocked_init {
        let v = Violation {
            verdict: Verdict::Deadlock,
            fault: None,
            trace: Vec::new(),
        };
        return finish(
            &store,
            stats,
            Verdict::Deadlock,
            Some(v),
            None,
            &rows,
            peak_rss,
        );
    }

    let mut stack: Vec<u32> = vec![0];
    let mut next_bfs: usize = 0;
    let mut succ = Vec::new();
    let mut last_progress = Instant::now();
    let mut checks: u64 = 0;
    loop {
        let current = if opts.dfs {
            match stack.pop() {
                Some(i) => i,
                None => break,
            }
        } else {
            if next_bfs >= store.states.len() {
                break;
            }
            next_bfs += 1;
            (next_bfs - 1) as u32
        };

        checks += 1;
        if checks % 1024 == 0 {
            let elapsed = start.elapsed();
            let mut stop_reason = None;
            if opts.stop.load(Ordering::Relaxed) {
                stop_reason = Some("interrupted".to_string());
            } else if opts.timeout.is_some_and(|t| elapsed >= t) {
                stop_reason = Some(format!(
                    "time limit of {} s reached",
                    opts.timeout.unwrap().as_secs_f64()
                ));
            } else if store.states.len() as u64 >= opts.max_states {
                stop_reason = Some(format!("state limit of {} reached", opts.max_states));
            } else {
                let rss = current_rss_bytes().unwrap_or(base_rss + store.bytes);
                peak_rss = peak_rss.max(rss);
                if rss.saturating_sub(base_rss) >= opts.max_memory_bytes {
                    stop_reason = Some(format!(
                        "memory limit of {} MiB reached",
                        opts.max_memory_bytes >> 20
                    ));
                }
            }
            if let Some(reason) = stop_reason {
                stats.frontier = if opts.dfs {
                    stack.len() as u64
                } else {
                    (store.states.len() - next_bfs) as u64
                };
                return finish(
                    &store,
                    stats,
                    Verdict::Incomplete,
                    None,
                    Some(reason),
                    &rows,
                    peak_rss,
                );
            }
            if let Some(cb) = &opts.progress
                && last_progress.elapsed() >= opts.progress_interval
            {
                last_progress = Instant::now();
                let mut p = stats.clone();
                p.states = store.states.len() as u64;
                p.seconds = elapsed.as_secs_f64();
                p.states_per_second = p.states as f64 / p.seconds.max(1e-9);
                p.frontier = if opts.dfs {
                    stack.len() as u64
                } else {
                    (store.states.len() - next_bfs) as u64
                };
                p.peak_memory_bytes = peak_rss;
                cb(&p);
            }
        }

        succ.clear();
        m.successors(&store.states[current as usize], &mut succ);
        stats.transitions += succ.len() as u64;
        for (tr, outcome) in succ.drain(..) {
            match outcome {
                Err(fault) => {
                    let mut trace = transitions_to(m, &store, current);
                    trace.push(tr);
                    let verdict = fault_verdict(&fault);
                    let v = Violation {
                        verdict,
                        fault: Some(fault),
                        trace,
                    };
                    stats.max_depth = stats
                        .max_depth
                        .max(store.depth[current as usize] as u64 + 1);
                    return finish(&store, stats, verdict, Some(v), None, &rows, peak_rss);
                }
                Ok(next) => {
                    let deadlock = next.is_deadlock();
                    mark_rows(m, &next, &mut rows);
                    if let Some(idx) = store.insert(next, current) {
                        stats.max_depth = stats.max_depth.max(store.depth[idx as usize] as u64);
                        if deadlock {
                            let trace = transitions_to(m, &store, idx);
                            let v = Violation {
                                verdict: Verdict::Deadlock,
                                fault: None,
                                trace,
                            };
                            return finish(
                                &store,
                                stats,
                                Verdict::Deadlock,
                                Some(v),
                                None,
                                &rows,
                                peak_rss,
                            );
                        }
                        if opts.dfs {
                            stack.push(idx);
                        }
                    }
                }
            }
        }
    }
    finish(&store, stats, Verdict::Ok, None, None, &rows, peak_rss)
}

/// Rebuilds the transitions along the stored path to `target` by re-running the successor
/// function (parents are stored as indices only).
fn transitions_to(m: &Machine, store: &Store, target: u32) -> Vec<Transition> {
    let path = store.path(target);
    let mut out = Vec::with_capacity(path.len());
    let mut succ = Vec::new();
    for w in path.windows(2) {
        succ.clear();
        m.successors(&store.states[w[0] as usize], &mut succ);
        let want = &store.states[w[1] as usize];
        let tr = succ
            .drain(..)
            .find(|(_, o)| o.as_ref().is_ok_and(|s| s == want))
            .map(|(t, _)| t)
            .expect("a stored parent has its child among its successors");
        out.push(tr);
    }
    out
}
