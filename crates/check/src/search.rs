//! Breadth-first and depth-first search with a visited set, parent links for traces, limits and
//! progress reports.

use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;
use lbos_vm::{Fault, FaultKind, Machine, State, Symmetry, Transition};
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
    /// Whether the counterexample is known to be a shortest one.
    pub shortest: bool,
}

pub type Progress = Stats;

/// Receives the statistics so far while a search runs.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How to search. Limits end the search cleanly with the verdict `incomplete`.
#[derive(Clone)]
pub struct Options {
    pub dfs: bool,
    /// Merge states that differ only by a permutation of identical threads.
    pub symmetry: bool,
    /// Partial-order reduction: take thread-local steps alone (see `lbos_vm::reduction`).
    pub por: bool,
    /// Do not expand states deeper than this (used to search for a shortest counterexample).
    pub max_depth: Option<u32>,
    pub max_states: u64,
    pub max_memory_bytes: u64,
    pub timeout: Option<Duration>,
    /// Set from outside (Ctrl-C, a cancel button) to stop the search.
    pub stop: Arc<AtomicBool>,
    /// Called about every `progress_interval` with the statistics so far.
    pub progress: Option<ProgressFn>,
    pub progress_interval: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dfs: false,
            symmetry: true,
            por: true,
            max_depth: None,
            max_states: 50_000_000,
            max_memory_bytes: 4 << 30,
            timeout: None,
            stop: Arc::new(AtomicBool::new(false)),
            progress: None,
            progress_interval: Duration::from_millis(500),
        }
    }
}

/// The visited set: every state's compact encoding in one arena, indexed by a hash table,
/// with a parent link (and depth) per state for counterexamples.
struct Store {
    arena: Vec<u8>,
    starts: Vec<u64>,
    parent: Vec<u32>,
    depth: Vec<u32>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

const ROOT: u32 = u32::MAX;

fn slice<'a>(arena: &'a [u8], starts: &[u64], i: u32) -> &'a [u8] {
    let start = starts[i as usize] as usize;
    let end = starts
        .get(i as usize + 1)
        .map_or(arena.len(), |e| *e as usize);
    &arena[start..end]
}

impl Store {
    fn new() -> Self {
        Store {
            arena: Vec::new(),
            starts: Vec::new(),
            parent: Vec::new(),
            depth: Vec::new(),
            table: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
        }
    }

    fn len(&self) -> usize {
        self.starts.len()
    }

    fn bytes(&self, i: u32) -> &[u8] {
        slice(&self.arena, &self.starts, i)
    }

    fn state(&self, i: u32) -> State {
        lbos_vm::codec::decode(self.bytes(i))
    }

    /// Inserts an encoded state unless known; returns its index if it is new.
    fn insert(&mut self, enc: &[u8], parent: u32) -> Option<u32> {
        let hash = self.hasher.hash_one(enc);
        let (arena, starts, hasher) = (&self.arena, &self.starts, &self.hasher);
        if self
            .table
            .find(hash, |&i| slice(arena, starts, i) == enc)
            .is_some()
        {
            return None;
        }
        let idx = self.starts.len() as u32;
        self.table
            .insert_unique(hash, idx, |&i| hasher.hash_one(slice(arena, starts, i)));
        self.starts.push(self.arena.len() as u64);
        self.arena.extend_from_slice(enc);
        let d = if parent == ROOT {
            0
        } else {
            self.depth[parent as usize] + 1
        };
        self.parent.push(parent);
        self.depth.push(d);
        Some(idx)
    }

    /// Bytes of memory the store holds per state: encodings, links and the hash table.
    fn bytes_per_state(&self) -> u64 {
        if self.len() == 0 {
            return 0;
        }
        let total = self.arena.len() + self.len() * (8 + 4 + 4) + self.table.capacity() * 5;
        (total / self.len()) as u64
    }

    fn heap_bytes(&self) -> u64 {
        (self.arena.capacity()
            + self.starts.capacity() * 8
            + self.parent.capacity() * 8
            + self.table.capacity() * 5) as u64
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

/// The search in progress: what `finish` needs to build a report.
struct Search<'m> {
    m: &'m Machine,
    opts: &'m Options,
    start: Instant,
    store: Store,
    rows: Vec<bool>,
    stats: Stats,
    peak_rss: u64,
    base_rss: u64,
}

impl Search<'_> {
    fn finish(
        mut self,
        verdict: Verdict,
        violation: Option<Violation>,
        reason: Option<String>,
    ) -> Report {
        let s = &mut self.stats;
        s.states = self.store.len() as u64;
        s.seconds = self.start.elapsed().as_secs_f64();
        s.states_per_second = if s.seconds > 0.0 {
            s.states as f64 / s.seconds
        } else {
            0.0
        };
        s.peak_memory_bytes = self.peak_rss.max(current_rss_bytes().unwrap_or(0));
        s.bytes_per_state = self.store.bytes_per_state();
        let dead_rows = if verdict == Verdict::Ok {
            lbos_vm::describe::dead_rows(self.m, &self.rows)
        } else {
            Vec::new()
        };
        Report {
            verdict,
            violation,
            stats: self.stats,
            dead_rows,
            incomplete_reason: reason,
            shortest: false,
        }
    }

    /// Why the search must stop now, if it must.
    fn limit_reached(&mut self) -> Option<String> {
        let elapsed = self.start.elapsed();
        if self.opts.stop.load(Ordering::Relaxed) {
            return Some("interrupted".to_string());
        }
        if let Some(t) = self.opts.timeout
            && elapsed >= t
        {
            return Some(format!("time limit of {} s reached", t.as_secs_f64()));
        }
        if self.store.len() as u64 >= self.opts.max_states {
            return Some(format!("state limit of {} reached", self.opts.max_states));
        }
        let rss = current_rss_bytes().unwrap_or(self.base_rss + self.store.heap_bytes());
        self.peak_rss = self.peak_rss.max(rss);
        if rss.saturating_sub(self.base_rss) >= self.opts.max_memory_bytes {
            return Some(format!(
                "memory limit of {} MiB reached",
                self.opts.max_memory_bytes >> 20
            ));
        }
        None
    }
}

/// Explores every reachable state of `m` and returns the verdict.
///
/// Breadth-first without partial-order reduction, a counterexample is a shortest one. The
/// reduction may lengthen it (a thread's local steps are taken early), so when it finds a
/// violation, a search without it, bounded by that length, looks for a shortest one.
pub fn check(m: &Machine, opts: &Options) -> Report {
    let mut report = search(m, opts);
    report.shortest = !opts.dfs && !opts.por;
    if let Some(v) = &report.violation
        && opts.por
        && !opts.dfs
    {
        let bounded = Options {
            por: false,
            max_depth: Some(v.trace.len() as u32),
            max_states: opts.max_states.min(5_000_000),
            progress: None,
            ..opts.clone()
        };
        let exact = search(m, &bounded);
        if let Some(short) = exact.violation
            && short.verdict == report.verdict
        {
            report.violation = Some(short);
            report.shortest = true;
        }
    }
    report
}

fn search(m: &Machine, opts: &Options) -> Report {
    let rss = current_rss_bytes().unwrap_or(0);
    let mut search = Search {
        m,
        opts,
        start: Instant::now(),
        store: Store::new(),
        rows: vec![false; m.program.rows.len()],
        stats: Stats::default(),
        peak_rss: rss,
        base_rss: rss,
    };
    let init = m.initial_state().clone();
    if let Err(f) = m.check_invariants(&init) {
        let v = Violation {
            verdict: fault_verdict(&f),
            fault: Some(f),
            trace: Vec::new(),
        };
        return search.finish(v.verdict, Some(v), None);
    }
    mark_rows(m, &init, &mut search.rows);
    let sym = if opts.symmetry { m.symmetry() } else { None };
    let local = opts
        .por
        .then(|| lbos_vm::reduction::local_instructions(&m.program));
    let canonical = |s: &mut State| {
        if let Some(sym) = &sym {
            sym.canonicalize(s);
        }
    };
    let mut enc = Vec::new();
    let mut init_canon = init.clone();
    canonical(&mut init_canon);
    lbos_vm::codec::encode(&init_canon, &mut enc);
    search.store.insert(&enc, ROOT);
    if init.is_deadlock() {
        let v = Violation {
            verdict: Verdict::Deadlock,
            fault: None,
            trace: Vec::new(),
        };
        return search.finish(Verdict::Deadlock, Some(v), None);
    }

    let mut stack: Vec<u32> = vec![0];
    let mut next_bfs: usize = 0;
    let mut succ = Vec::new();
    let mut last_progress = Instant::now();
    let mut expanded: u64 = 0;
    loop {
        let current = if opts.dfs {
            match stack.pop() {
                Some(i) => i,
                None => break,
            }
        } else {
            if next_bfs >= search.store.len() {
                break;
            }
            next_bfs += 1;
            (next_bfs - 1) as u32
        };
        let frontier = |search: &Search, stack: &Vec<u32>| {
            if opts.dfs {
                stack.len() as u64
            } else {
                (search.store.len() - next_bfs) as u64
            }
        };

        expanded += 1;
        if expanded % 1024 == 0 {
            if let Some(reason) = search.limit_reached() {
                search.stats.frontier = frontier(&search, &stack);
                return search.finish(Verdict::Incomplete, None, Some(reason));
            }
            if let Some(cb) = &opts.progress
                && last_progress.elapsed() >= opts.progress_interval
            {
                last_progress = Instant::now();
                let mut p = search.stats.clone();
                p.states = search.store.len() as u64;
                p.seconds = search.start.elapsed().as_secs_f64();
                p.states_per_second = p.states as f64 / p.seconds.max(1e-9);
                p.frontier = frontier(&search, &stack);
                p.peak_memory_bytes = search.peak_rss;
                p.bytes_per_state = search.store.bytes_per_state();
                cb(&p);
            }
        }

        if opts
            .max_depth
            .is_some_and(|d| search.store.depth[current as usize] >= d)
        {
            continue;
        }
        let state = search.store.state(current);
        succ.clear();
        match &local {
            Some(local) => m.reduced_successors(local, &state, &mut succ),
            None => m.successors(&state, &mut succ),
        }
        search.stats.transitions += succ.len() as u64;
        for (tr, outcome) in succ.drain(..) {
            match outcome {
                Err(fault) => {
                    let (mut trace, real) = transitions_to(m, &search.store, current, sym.as_ref());
                    // The stored parent may be a permutation of the real one: find the same
                    // fault among the real state's transitions.
                    let tr = if sym.is_some() {
                        matching_fault(m, &real, &fault).unwrap_or(tr)
                    } else {
                        tr
                    };
                    trace.push(tr);
                    let verdict = fault_verdict(&fault);
                    search.stats.max_depth = search
                        .stats
                        .max_depth
                        .max(search.store.depth[current as usize] as u64 + 1);
                    let v = Violation {
                        verdict,
                        fault: Some(fault),
                        trace,
                    };
                    return search.finish(verdict, Some(v), None);
                }
                Ok(mut next) => {
                    mark_rows(m, &next, &mut search.rows);
                    canonical(&mut next);
                    enc.clear();
                    lbos_vm::codec::encode(&next, &mut enc);
                    if let Some(idx) = search.store.insert(&enc, current) {
                        search.stats.max_depth = search
                            .stats
                            .max_depth
                            .max(search.store.depth[idx as usize] as u64);
                        if next.is_deadlock() {
                            let (trace, _) = transitions_to(m, &search.store, idx, sym.as_ref());
                            let v = Violation {
                                verdict: Verdict::Deadlock,
                                fault: None,
                                trace,
                            };
                            return search.finish(Verdict::Deadlock, Some(v), None);
                        }
                        if opts.dfs {
                            stack.push(idx);
                        }
                    }
                }
            }
        }
    }
    search.finish(Verdict::Ok, None, None)
}

/// Rebuilds the transitions along the stored path to `target` by re-running the successor
/// function from the real initial state (parents are stored as indices, and stored states may
/// be canonical permutations of the real ones). Returns the transitions and the real state
/// reached, so traces keep the user's own thread names.
fn transitions_to(
    m: &Machine,
    store: &Store,
    target: u32,
    sym: Option<&Symmetry>,
) -> (Vec<Transition>, State) {
    let path = store.path(target);
    let mut out = Vec::with_capacity(path.len());
    let mut succ = Vec::new();
    let mut enc = Vec::new();
    let mut real = m.initial_state().clone();
    for w in &path[1..] {
        succ.clear();
        m.successors(&real, &mut succ);
        let want = store.bytes(*w);
        let (tr, next) = succ
            .drain(..)
            .filter_map(|(t, o)| o.ok().map(|s| (t, s)))
            .find(|(_, s)| {
                let mut c = s.clone();
                if let Some(sym) = sym {
                    sym.canonicalize(&mut c);
                }
                enc.clear();
                lbos_vm::codec::encode(&c, &mut enc);
                enc == want
            })
            .expect("a stored parent has its child among its successors");
        out.push(tr);
        real = next;
    }
    (out, real)
}

/// A transition of `state` that ends in the same fault (kind, line and message).
fn matching_fault(m: &Machine, state: &State, fault: &Fault) -> Option<Transition> {
    let mut succ = Vec::new();
    m.successors(state, &mut succ);
    succ.into_iter().find_map(|(t, o)| match o {
        Err(f) if f.kind == fault.kind && f.line == fault.line && f.message == fault.message => {
            Some(t)
        }
        _ => None,
    })
}
