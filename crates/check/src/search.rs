//! Breadth-first (in parallel, level by level) and depth-first search over the store, with
//! limits, progress reports and counterexample paths; and, where the compiled step applies
//! and the search is breadth-first on one job, the flat search ([`flat`]: packed states of
//! fixed size in one arena, SPIN's design), which gives the same results. `Stats::engine`
//! says which ran.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use hashbrown::DefaultHashBuilder;
use lbos_vm::compiled::{Bail, Compiled, Flat};
use lbos_vm::reduction::Move;
use lbos_vm::{Fault, FaultKind, Machine, State, Symmetry, Transition};
use serde::{Deserialize, Serialize};

use crate::memory::current_rss_bytes;
use crate::store::{ROOT, Store, hash_parts};

mod flat;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Deadlock,
    Assertion,
    Invariant,
    Error,
    /// A thread can starve: a fair infinite run on which it never progresses (`--liveness`).
    Starvation,
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
            Verdict::Starvation => "starvation",
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

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
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
    /// Which step computed successors: `compiled` (see `lbos_vm::compiled`), or
    /// `interpreter (why)`.
    pub engine: String,
    /// For a bitstate search: its parameters and how much of the space it likely covered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bitstate: Option<crate::bitstate::Coverage>,
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
    /// For the verdict `starvation`: who starves, and where the counterexample's cycle starts.
    pub starvation: Option<crate::liveness::Starvation>,
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
    /// Threads for a breadth-first search (a depth-first search uses one). The result does not
    /// depend on it.
    pub jobs: usize,
    pub max_states: u64,
    pub max_memory_bytes: u64,
    pub timeout: Option<Duration>,
    /// Set from outside (Ctrl-C, a cancel button) to stop the search.
    pub stop: Arc<AtomicBool>,
    /// Called about every `progress_interval` with the statistics so far.
    pub progress: Option<ProgressFn>,
    pub progress_interval: Duration,
    /// Also look for starvation under fairness (see `crate::liveness`); the reductions are
    /// off for that search.
    pub liveness: bool,
    /// Compute successors with the compiled step where the program and the reductions allow
    /// it (the results are the same; it is faster).
    pub compiled: bool,
    /// A probabilistic search that remembers states as bits (see `crate::bitstate`).
    pub bitstate: Option<crate::bitstate::Bitstate>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dfs: false,
            symmetry: true,
            por: true,
            max_depth: None,
            jobs: 1,
            max_states: 50_000_000,
            max_memory_bytes: 4 << 30,
            timeout: None,
            stop: Arc::new(AtomicBool::new(false)),
            progress: None,
            progress_interval: Duration::from_millis(500),
            liveness: false,
            compiled: true,
            bitstate: None,
        }
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

pub(crate) fn fault_verdict(f: &Fault) -> Verdict {
    match f.kind {
        FaultKind::Assertion => Verdict::Assertion,
        FaultKind::Invariant => Verdict::Invariant,
        FaultKind::Error => Verdict::Error,
    }
}

/// Computes successors the way the search was asked to (reductions), in the form the store
/// takes. Shared read-only by the workers of a parallel search.
pub(crate) struct Expander<'m> {
    pub(crate) m: &'m Machine,
    pub(crate) sym: Option<Symmetry>,
    local: Option<Vec<bool>>,
    hasher: DefaultHashBuilder,
    /// Raised by the watchdog; steps running on the search's threads poll it.
    pub(crate) interrupt: Arc<AtomicBool>,
    /// The compiled step, when the program and the reductions allow it.
    compiled: Option<Compiled>,
    /// Which step computes successors (`Stats::engine`).
    pub(crate) engine: String,
}

/// One successor of an expanded state, in the order the successor function gives them.
pub(crate) enum Item {
    State {
        /// The expanded state: its number is `first + source` (see `Search::absorb`).
        source: u32,
        /// Its canonical encoding: `bytes[bytes.0..bytes.1]` of the batch.
        bytes: (u32, u32),
        /// Its parts: `parts[parts.0..parts.1]` of the batch.
        parts: (u32, u32),
        /// Bit `r`: part `r` is part `r` of the expanded state (the store need not look it
        /// up again).
        same: u64,
        deadlock: bool,
    },
    Fault {
        source: u32,
        fault: Fault,
        /// The move's transitions, the last one faulty.
        transitions: Vec<Transition>,
    },
}

/// The successors of a run of consecutive states.
#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) items: Vec<Item>,
    pub(crate) bytes: Vec<u8>,
    parts: Vec<(u32, u32)>,
    hashes: Vec<u64>,
}

impl Scratch {
    /// Scratch space for a program of `rows` rows.
    pub(crate) fn new(rows: usize) -> Scratch {
        Scratch {
            rows: vec![false; rows],
            ..Scratch::default()
        }
    }
}

impl Batch {
    pub(crate) fn clear(&mut self) {
        self.items.clear();
        self.bytes.clear();
        self.parts.clear();
        self.hashes.clear();
    }
}

/// Scratch space of one worker.
#[derive(Default)]
pub(crate) struct Scratch {
    succ: Vec<(Transition, Result<State, Fault>)>,
    moves: Vec<Move>,
    rows: Vec<bool>,
    known: KnownThreads,
    flat: Option<Flat>,
    /// Hashes of the parts of the state being expanded (compiled step).
    part_hashes: Vec<u64>,
}

/// The encodings and hashes of the threads of the state being expanded. A successor shares
/// (`Arc`) every thread its step did not change, so those need not be encoded or hashed again.
/// Keyed by address, valid while that state is alive.
#[derive(Default)]
struct KnownThreads {
    bytes: Vec<u8>,
    /// (address, start, end, hash)
    threads: Vec<(usize, u32, u32, u64)>,
}

impl KnownThreads {
    fn fill(&mut self, state: &State, hasher: &DefaultHashBuilder) {
        self.bytes.clear();
        self.threads.clear();
        for t in &state.threads {
            let start = self.bytes.len();
            lbos_vm::codec::encode_thread(t, &mut self.bytes);
            let hash = hasher.hash_one(&self.bytes[start..]);
            let addr = Arc::as_ptr(t) as usize;
            self.threads
                .push((addr, start as u32, self.bytes.len() as u32, hash));
        }
    }

    fn get(&self, t: &Arc<lbos_vm::Thread>) -> Option<(&[u8], u64)> {
        let addr = Arc::as_ptr(t) as usize;
        self.threads
            .iter()
            .find(|k| k.0 == addr)
            .map(|&(_, a, b, h)| (&self.bytes[a as usize..b as usize], h))
    }
}

impl Expander<'_> {
    /// The state's canonical form: heap garbage dropped and objects renumbered, and with
    /// symmetry the threads of each column in canonical order.
    pub(crate) fn canonical(&self, s: &mut State) {
        match &self.sym {
            Some(sym) => sym.canonicalize(s),
            None => lbos_vm::heap::canonicalize_heap(s),
        }
    }

    /// Appends the successors of the state encoded as `enc` (numbered `source` in the batch)
    /// to `batch`: with the compiled step if it covers the state, else with the interpreter.
    fn expand(&self, source: u32, enc: &[u8], batch: &mut Batch, scratch: &mut Scratch) {
        if let Some(c) = &self.compiled
            && self.expand_compiled(c, source, enc, batch, scratch).is_ok()
        {
            return;
        }
        let state = lbos_vm::codec::decode(enc);
        self.expand_state(source, &state, batch, scratch);
    }

    /// [`Expander::expand`] with the compiled step: successors are written as encodings
    /// directly, parts the step did not change copied (with their hashes) from `enc`. On
    /// [`Bail`] the batch is left as it was.
    fn expand_compiled(
        &self,
        c: &Compiled,
        source: u32,
        enc: &[u8],
        batch: &mut Batch,
        scratch: &mut Scratch,
    ) -> Result<(), Bail> {
        let flat = scratch.flat.get_or_insert_with(|| c.new_flat());
        if !c.load(enc, flat) {
            return Err(Bail);
        }
        let code = &self.m.program.code;
        let rows = &mut scratch.rows;
        c.for_each_pc(flat, |pc| {
            if pc != lbos_lang::program::END {
                rows[code[pc as usize].row as usize] = true;
            }
        });
        let hashes = &mut scratch.part_hashes;
        hashes.clear();
        hashes.extend(
            flat.parts()
                .iter()
                .map(|&(a, b)| self.hasher.hash_one(&enc[a as usize..b as usize])),
        );
        let mark = (
            batch.items.len(),
            batch.bytes.len(),
            batch.parts.len(),
            batch.hashes.len(),
        );
        let hasher = &self.hasher;
        let mut visit = |f: &Flat| {
            c.for_each_pc(f, |pc| {
                if pc != lbos_lang::program::END {
                    rows[code[pc as usize].row as usize] = true;
                }
            })
        };
        let mut emit = |s: lbos_vm::compiled::Successor| {
            let parts = s.flat.parts();
            let start = batch.bytes.len();
            let first_part = batch.parts.len();
            // Part `r` (0 shared, 1 + t thread t): written again if the step changed it,
            // else copied from the expanded state with its hash.
            let mut same = 0u64;
            let mut part = |r: usize, batch: &mut Batch| {
                let from = batch.bytes.len();
                if s.flat.dirty(r) || r >= 64 {
                    match r {
                        0 => c.encode_shared(s.flat, &mut batch.bytes),
                        _ => c.encode_thread(s.flat, r as u32 - 1, &mut batch.bytes),
                    }
                    batch.hashes.push(hasher.hash_one(&batch.bytes[from..]));
                } else {
                    let (a, b) = parts[r];
                    batch.bytes.extend_from_slice(&enc[a as usize..b as usize]);
                    batch.hashes.push(hashes[r]);
                    same |= 1 << r;
                }
                batch.parts.push((from as u32, batch.bytes.len() as u32));
            };
            part(0, batch);
            // The thread count, as the expanded state writes it.
            let count_end = parts.get(1).map_or(enc.len(), |p| p.0 as usize);
            batch
                .bytes
                .extend_from_slice(&enc[parts[0].1 as usize..count_end]);
            for t in 0..c.threads() as usize {
                part(1 + t, batch);
            }
            batch.items.push(Item::State {
                source,
                bytes: (start as u32, batch.bytes.len() as u32),
                parts: (first_part as u32, batch.parts.len() as u32),
                same,
                deadlock: c.is_deadlock(s.flat),
            });
        };
        let result = c.moves(flat, self.local.as_deref(), &mut emit, &mut visit);
        if result.is_err() {
            batch.items.truncate(mark.0);
            batch.bytes.truncate(mark.1);
            batch.parts.truncate(mark.2);
            batch.hashes.truncate(mark.3);
        }
        result
    }

    /// Appends the successors of `state` (numbered `source` in the batch) to `batch`, with
    /// the interpreter.
    pub(crate) fn expand_state(
        &self,
        source: u32,
        state: &State,
        batch: &mut Batch,
        scratch: &mut Scratch,
    ) {
        mark_rows(self.m, state, &mut scratch.rows);
        scratch.known.fill(state, &self.hasher);
        let known = &scratch.known;
        match &self.local {
            Some(local) => {
                let rows = &mut scratch.rows;
                self.m
                    .reduced_moves(local, state, &mut scratch.moves, &mut |s| {
                        mark_rows(self.m, s, rows)
                    });
                for mv in scratch.moves.drain(..) {
                    self.push(source, mv.transitions, mv.outcome, batch, known);
                }
            }
            None => {
                self.m.successors(state, &mut scratch.succ);
                for (tr, outcome) in scratch.succ.drain(..) {
                    self.push(source, vec![tr], outcome, batch, known);
                }
            }
        }
    }

    /// Every move from a real (not canonical) state that the search may have taken from its
    /// canonical form: with the reduction, the run of local steps of any thread and every step
    /// followed by its thread's local steps (the canonical form may list its threads in
    /// another order, so "the first thread with a local step" may be another one here).
    fn moves_of_real_state(&self, state: &State) -> Vec<Move> {
        let mut succ = Vec::new();
        self.m.successors(state, &mut succ);
        succ.into_iter()
            .map(|(tr, outcome)| {
                let mv = Move {
                    transitions: vec![tr],
                    outcome,
                };
                match &self.local {
                    Some(local) => {
                        let t = mv.transitions[0].thread as usize;
                        self.m.run_local_steps(local, t, mv, &mut |_| {})
                    }
                    None => mv,
                }
            })
            .collect()
    }

    fn push(
        &self,
        source: u32,
        transitions: Vec<Transition>,
        outcome: Result<State, Fault>,
        batch: &mut Batch,
        known: &KnownThreads,
    ) {
        match outcome {
            Err(fault) => batch.items.push(Item::Fault {
                source,
                fault,
                transitions,
            }),
            Ok(mut next) => {
                self.canonical(&mut next);
                let start = batch.bytes.len();
                let first_part = batch.parts.len();
                lbos_vm::codec::encode_parts_reusing(
                    &next,
                    &mut batch.bytes,
                    &mut batch.parts,
                    |t| known.get(t).map(|k| k.0),
                );
                for p in &mut batch.parts[first_part..] {
                    p.0 += start as u32;
                    p.1 += start as u32;
                }
                // The shared part, then each thread: a known thread's hash is known.
                let shared = batch.parts[first_part];
                batch.hashes.push(
                    self.hasher
                        .hash_one(&batch.bytes[shared.0 as usize..shared.1 as usize]),
                );
                for (t, p) in next.threads.iter().zip(&batch.parts[first_part + 1..]) {
                    let hash = match known.get(t) {
                        Some((_, h)) => h,
                        None => self
                            .hasher
                            .hash_one(&batch.bytes[p.0 as usize..p.1 as usize]),
                    };
                    batch.hashes.push(hash);
                }
                batch.items.push(Item::State {
                    source,
                    bytes: (start as u32, batch.bytes.len() as u32),
                    parts: (first_part as u32, batch.parts.len() as u32),
                    same: 0,
                    deadlock: self.m.is_deadlock(&next),
                });
            }
        }
    }
}

/// The encodings of the states of one breadth-first level, in the order they were numbered.
#[derive(Default)]
struct Level {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Level {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    fn push(&mut self, enc: &[u8]) {
        self.bytes.extend_from_slice(enc);
        self.ends.push(self.bytes.len());
    }

    fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }
}

/// How a search ended early.
type Stop = (Verdict, Option<Violation>, Option<String>);

/// The search in progress: what `finish` needs to build a report.
struct Search<'m> {
    opts: &'m Options,
    /// How states were expanded (traces re-run it on the real states).
    exp: &'m Expander<'m>,
    start: Instant,
    store: Store,
    rows: Vec<bool>,
    stats: Stats,
    peak_rss: u64,
    base_rss: u64,
    last_progress: Instant,
    /// Transitions explored when the limits were last looked at.
    last_limit_check: u64,
    watchdog: &'m Watchdog,
    /// The depth of a violation whose stored path could not be replayed (see `transitions_to`).
    lost_trace: Option<u32>,
    /// After a flat search (see [`flat`]): its states and the bytes its store holds.
    flat: Option<(u64, u64)>,
}

/// Why a search must stop now, if one of the limits of `opts` is reached: the watchdog's
/// reason, a stop request, the time, the number of states, the memory it uses (`used` bytes
/// above what the process used when it started). Shared by the safety and liveness searches.
pub(crate) fn limit_reason(
    opts: &Options,
    watchdog: &Watchdog,
    elapsed: Duration,
    states: u64,
    used: u64,
) -> Option<String> {
    if let Some(reason) = watchdog.tripped() {
        return Some(reason);
    }
    if opts.stop.load(Ordering::Relaxed) {
        return Some("interrupted".to_string());
    }
    if let Some(t) = opts.timeout
        && elapsed >= t
    {
        return Some(format!("time limit of {} s reached", t.as_secs_f64()));
    }
    if states >= opts.max_states {
        return Some(format!("state limit of {} reached", opts.max_states));
    }
    if used >= opts.max_memory_bytes {
        return Some(format!(
            "memory limit of {} MiB reached",
            opts.max_memory_bytes >> 20
        ));
    }
    None
}

/// Watches the time, memory and stop limits while a search runs, including while one step
/// runs for long (see `lbos_vm::budget`): raises the search's interrupt with the reason.
pub(crate) struct Watchdog {
    reason: Arc<Mutex<Option<String>>>,
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    pub(crate) fn start(opts: &Options, interrupt: Arc<AtomicBool>, base_rss: u64) -> Watchdog {
        let reason = Arc::new(Mutex::new(None));
        let done = Arc::new(AtomicBool::new(false));
        let (stop, timeout, max_memory) = (opts.stop.clone(), opts.timeout, opts.max_memory_bytes);
        let (why, finished) = (reason.clone(), done.clone());
        let start = Instant::now();
        let thread = std::thread::Builder::new()
            .name("lbos-watchdog".into())
            .spawn(move || {
                while !finished.load(Ordering::Relaxed) {
                    let tripped = if stop.load(Ordering::Relaxed) {
                        Some("interrupted".to_string())
                    } else if timeout.is_some_and(|t| start.elapsed() >= t) {
                        Some(format!(
                            "time limit of {} s reached",
                            timeout.unwrap_or_default().as_secs_f64()
                        ))
                    } else if current_rss_bytes()
                        .is_some_and(|r| r.saturating_sub(base_rss) >= max_memory)
                    {
                        Some(format!("memory limit of {} MiB reached", max_memory >> 20))
                    } else {
                        None
                    };
                    if let Some(r) = tripped {
                        *why.lock().unwrap() = Some(r);
                        interrupt.store(true, Ordering::Relaxed);
                        return;
                    }
                    std::thread::park_timeout(Duration::from_millis(20));
                }
            })
            .ok();
        Watchdog {
            reason,
            done,
            thread,
        }
    }

    /// Why the watchdog interrupted the search, if it did.
    pub(crate) fn tripped(&self) -> Option<String> {
        self.reason.lock().unwrap().clone()
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

impl Search<'_> {
    fn finish(mut self, (verdict, violation, reason): Stop) -> Report {
        let s = &mut self.stats;
        s.states = self.store.len() as u64;
        let mut store_bytes = self.store.bytes_per_state();
        if let Some((states, bytes)) = self.flat {
            s.states = states;
            store_bytes = bytes.checked_div(states).unwrap_or(0);
        }
        s.seconds = self.start.elapsed().as_secs_f64();
        s.states_per_second = if s.seconds > 0.0 {
            s.states as f64 / s.seconds
        } else {
            0.0
        };
        s.peak_memory_bytes = self.peak_rss.max(current_rss_bytes().unwrap_or(0));
        s.bytes_per_state = store_bytes;
        let dead_rows = if verdict == Verdict::Ok {
            lbos_vm::describe::dead_rows(self.exp.m, &self.rows)
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
            starvation: None,
        }
    }

    /// Every few thousand transitions (new states or not, so that a level of known states
    /// still sees the limits): stops the search if a limit is reached, and reports progress.
    /// The stop at a deadlocked state found at `depth + 1`, with its path from the initial
    /// state (None: the path could not be rebuilt, and the report says at what depth).
    fn deadlock_stop(&mut self, trace: Option<Vec<lbos_vm::Transition>>, depth: u32) -> Stop {
        let trace = trace.unwrap_or_else(|| {
            self.lost_trace = Some(depth + 1);
            Vec::new()
        });
        let v = Violation {
            verdict: Verdict::Deadlock,
            fault: None,
            trace,
        };
        (Verdict::Deadlock, Some(v), None)
    }

    fn tick(&mut self, frontier: u64) -> Result<(), Stop> {
        if self.stats.transitions < self.last_limit_check + 4096 {
            return Ok(());
        }
        self.last_limit_check = self.stats.transitions;
        self.stats.frontier = frontier;
        if let Some(reason) = self.limit_reached() {
            return Err((Verdict::Incomplete, None, Some(reason)));
        }
        if let Some(cb) = &self.opts.progress
            && self.last_progress.elapsed() >= self.opts.progress_interval
        {
            self.last_progress = Instant::now();
            let mut p = self.stats.clone();
            p.states = self.store.len() as u64;
            p.seconds = self.start.elapsed().as_secs_f64();
            p.states_per_second = p.states as f64 / p.seconds.max(1e-9);
            p.peak_memory_bytes = self.peak_rss;
            p.bytes_per_state = self.store.bytes_per_state();
            cb(&p);
        }
        Ok(())
    }

    /// Why the search must stop now, if it must.
    fn limit_reached(&mut self) -> Option<String> {
        if self.store.full() {
            return Some(format!(
                "the store numbers at most {} states",
                self.store.len()
            ));
        }
        let rss = current_rss_bytes().unwrap_or(self.base_rss + self.store.heap_bytes());
        self.peak_rss = self.peak_rss.max(rss);
        limit_reason(
            self.opts,
            self.watchdog,
            self.start.elapsed(),
            self.store.len() as u64,
            rss.saturating_sub(self.base_rss),
        )
    }

    /// Stores the successors in `batch` in order, the states of the batch being numbered from
    /// `first` on; calls `new` with each new state's number and encoding. Ends the search at
    /// the first violation.
    fn absorb(
        &mut self,
        batch: &Batch,
        first: u32,
        depth: u32,
        mut new: impl FnMut(u32, &[u8]),
    ) -> Result<(), Stop> {
        for it in &batch.items {
            // Counted one by one, so that the count at a violation does not depend on how
            // states were grouped into batches.
            self.stats.transitions += 1;
            match it {
                Item::Fault {
                    source,
                    fault,
                    transitions,
                } => {
                    if fault.message == lbos_vm::budget::INTERRUPTED
                        && let Some(reason) = self.watchdog.tripped()
                    {
                        return Err((Verdict::Incomplete, None, Some(reason)));
                    }
                    let mut fault = fault.clone();
                    let trace = match transitions_to(self.exp, &self.store, first + source) {
                        Some((mut trace, real)) => {
                            // The stored parent may be a permutation of the real one: find the
                            // same fault among the real state's moves.
                            let tail = match self.exp.sym {
                                Some(_) => matching_fault(self.exp, &real, &fault),
                                None => None,
                            };
                            match tail {
                                Some((tail, real_fault)) => {
                                    trace.extend(tail);
                                    fault = real_fault;
                                }
                                None => trace.extend(transitions.iter().cloned()),
                            }
                            trace
                        }
                        None => {
                            self.lost_trace = Some(depth + 1);
                            Vec::new()
                        }
                    };
                    self.stats.max_depth = self.stats.max_depth.max(depth as u64 + 1);
                    let verdict = fault_verdict(&fault);
                    let v = Violation {
                        verdict,
                        fault: Some(fault),
                        trace,
                    };
                    return Err((verdict, Some(v), None));
                }
                Item::State {
                    source,
                    bytes,
                    parts,
                    same,
                    deadlock,
                } => {
                    let parts = parts.0 as usize..parts.1 as usize;
                    let Some(idx) = self.store.insert_reusing(
                        &batch.bytes,
                        &batch.parts[parts.clone()],
                        &batch.hashes[parts],
                        first + source,
                        *same,
                    ) else {
                        continue;
                    };
                    self.stats.max_depth = self.stats.max_depth.max(depth as u64 + 1);
                    if *deadlock {
                        let trace = transitions_to(self.exp, &self.store, idx).map(|(t, _)| t);
                        return Err(self.deadlock_stop(trace, depth));
                    }
                    new(idx, &batch.bytes[bytes.0 as usize..bytes.1 as usize]);
                }
            }
        }
        Ok(())
    }
}

/// Explores every reachable state of `m` and returns the verdict.
///
/// Breadth-first without partial-order reduction, a counterexample is a shortest one. The
/// reduction may lengthen it (a thread's local steps are taken early), so when it finds a
/// violation, a search without it, bounded by that length, looks for a shortest one.
pub fn check(m: &Machine, opts: &Options) -> Report {
    if opts.liveness {
        return crate::liveness::check(m, opts);
    }
    if opts.bitstate.is_some() {
        return crate::bitstate::check(m, opts);
    }
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
        // The bounded search finds the violation a search without the reduction finds first
        // (breadth-first, same order up to that depth), possibly of another kind at a smaller
        // depth: report that one, so the reduction changes neither verdict nor counterexample.
        if let Some(short) = exact.violation {
            report.verdict = short.verdict;
            report.violation = Some(short);
            report.shortest = true;
        }
    }
    report
}

impl<'m> Expander<'m> {
    /// Successors of `m` with the reductions `opts` asks for.
    pub(crate) fn new(m: &'m Machine, opts: &Options, hasher: DefaultHashBuilder) -> Self {
        let sym = if opts.symmetry { m.symmetry() } else { None };
        let (compiled, engine) = if !opts.compiled {
            (None, "interpreter (asked for)".to_string())
        } else if sym.is_some() {
            (None, "interpreter (symmetry)".to_string())
        } else if opts.bitstate.is_some() {
            (None, "interpreter (bitstate)".to_string())
        } else {
            match Compiled::new(m) {
                Ok(c) => (Some(c), "compiled".to_string()),
                Err(why) => (None, format!("interpreter ({why})")),
            }
        };
        Expander {
            m,
            sym,
            local: opts
                .por
                .then(|| lbos_vm::reduction::local_instructions(&m.program)),
            hasher,
            interrupt: Arc::new(AtomicBool::new(false)),
            compiled,
            engine,
        }
    }
}

fn search(m: &Machine, opts: &Options) -> Report {
    let rss = current_rss_bytes().unwrap_or(0);
    let store = Store::new();
    let exp = Expander::new(m, opts, *store.hasher());
    let _watching = lbos_vm::budget::watch(exp.interrupt.clone());
    let watchdog = Watchdog::start(opts, exp.interrupt.clone(), rss);
    let mut search = Search {
        opts,
        exp: &exp,
        start: Instant::now(),
        store,
        rows: vec![false; m.program.rows.len()],
        stats: Stats {
            engine: exp.engine.clone(),
            ..Stats::default()
        },
        peak_rss: rss,
        base_rss: rss,
        last_progress: Instant::now(),
        last_limit_check: 0,
        watchdog: &watchdog,
        lost_trace: None,
        flat: None,
    };
    let init = m.initial_state();
    if let Err(f) = m.check_invariants(init) {
        let v = Violation {
            verdict: fault_verdict(&f),
            fault: Some(f),
            trace: Vec::new(),
        };
        return search.finish((v.verdict, Some(v), None));
    }
    let mut canonical = init.clone();
    exp.canonical(&mut canonical);
    let (mut enc, mut parts, mut hashes) = (Vec::new(), Vec::new(), Vec::new());
    lbos_vm::codec::encode_parts(&canonical, &mut enc, &mut parts);
    hash_parts(search.store.hasher(), &enc, &parts, &mut hashes);
    search.store.insert(&enc, &parts, &hashes, ROOT);
    if m.is_deadlock(init) {
        mark_rows(m, init, &mut search.rows);
        let v = Violation {
            verdict: Verdict::Deadlock,
            fault: None,
            trace: Vec::new(),
        };
        return search.finish((Verdict::Deadlock, Some(v), None));
    }
    let flat_end = match &exp.compiled {
        Some(c) if !opts.dfs && opts.jobs <= 1 => flat_search(&mut search, c, &enc),
        _ => None,
    };
    let end = if let Some(end) = flat_end {
        end
    } else if opts.dfs {
        depth_first(&mut search)
    } else {
        let mut level = Level::default();
        level.push(&enc);
        breadth_first(&mut search, level)
    };
    let lost_trace = search.lost_trace;
    let report = search.finish(end.err().unwrap_or((Verdict::Ok, None, None)));
    match lost_trace {
        Some(depth) if opts.symmetry => trace_without_symmetry(m, opts, report, depth),
        _ => report,
    }
}

/// The flat search (see [`flat`]) with 1, 2, then 4 bytes per slot; None if it gives up, and
/// the general search must run (the statistics say why).
fn flat_search(search: &mut Search, c: &Compiled, init: &[u8]) -> Option<Result<(), Stop>> {
    let nrows = search.rows.len();
    for width in [1, 2, 4] {
        search.stats.transitions = 0;
        search.stats.max_depth = 0;
        search.last_limit_check = 0;
        search.rows = vec![false; nrows];
        search.lost_trace = None;
        let outcome = match width {
            1 => flat::breadth_first::<1>(search, c, init),
            2 => flat::breadth_first::<2>(search, c, init),
            _ => flat::breadth_first::<4>(search, c, init),
        };
        match outcome {
            flat::Outcome::Done(end) => {
                search.stats.engine = format!(
                    "compiled (flat search, {width} byte{} per slot)",
                    if width == 1 { "" } else { "s" }
                );
                return Some(end);
            }
            flat::Outcome::Wider => continue,
            flat::Outcome::GiveUp(why) => {
                search.stats.engine = format!("compiled (the flat search gave up: {why})");
                break;
            }
        }
    }
    if !search.stats.engine.contains("gave up") {
        search.stats.engine =
            "compiled (the flat search gave up: a value needs more than 4 bytes)".into();
    }
    search.stats.transitions = 0;
    search.stats.max_depth = 0;
    search.last_limit_check = 0;
    search.rows = vec![false; nrows];
    search.lost_trace = None;
    None
}

/// The counterexample of a symmetric search whose path does not replay (see
/// `transitions_to`): a search without symmetry, bounded by the violation's depth, finds one
/// at most as deep (the real states of the violation's class are that deep).
fn trace_without_symmetry(m: &Machine, opts: &Options, mut report: Report, depth: u32) -> Report {
    let exact = search(
        m,
        &Options {
            symmetry: false,
            max_depth: Some(depth),
            progress: None,
            ..opts.clone()
        },
    );
    if let Some(v) = exact.violation {
        report.verdict = v.verdict;
        report.violation = Some(v);
    }
    report
}

fn depth_first(search: &mut Search) -> Result<(), Stop> {
    let exp = search.exp;
    let mut stack: Vec<(u32, u32)> = vec![(0, 0)];
    let mut batch = Batch::default();
    let mut scratch = Scratch {
        rows: std::mem::take(&mut search.rows),
        ..Scratch::default()
    };
    let mut enc = Vec::new();
    let result = (|| {
        while let Some((current, depth)) = stack.pop() {
            search.tick(stack.len() as u64)?;
            if search.opts.max_depth.is_some_and(|d| depth >= d) {
                continue;
            }
            enc.clear();
            search.store.encoding(current, &mut enc);
            batch.clear();
            exp.expand(0, &enc, &mut batch, &mut scratch);
            search.absorb(&batch, current, depth, |idx, _| {
                stack.push((idx, depth + 1))
            })?;
        }
        Ok(())
    })();
    search.rows = scratch.rows;
    result
}

/// States expanded per unit of work handed to a worker.
const CHUNK: usize = 256;

/// Breadth-first, level by level. The states of a level are expanded in chunks, in parallel
/// by `opts.jobs` threads, and their successors are stored strictly in the order a one-thread
/// search would store them: chunk by chunk, state by state. So the numbering of states, the
/// counts, the verdict and the counterexample do not depend on the number of jobs.
fn breadth_first(search: &mut Search, mut level: Level) -> Result<(), Stop> {
    let jobs = search.opts.jobs.max(1);
    let mut first: u32 = 0;
    let mut depth: u32 = 0;
    // Buffers are reused from level to level: fresh memory costs page faults.
    let mut spare_batches = Vec::new();
    let mut spare_level = Level::default();
    while level.len() > 0 {
        if search.opts.max_depth.is_some_and(|d| depth >= d) {
            for i in 0..level.len() {
                let s = lbos_vm::codec::decode(level.get(i));
                mark_rows(search.exp.m, &s, &mut search.rows);
            }
            break;
        }
        spare_level.clear();
        let next = expand_level(
            search,
            (&level, spare_level),
            (first, depth),
            jobs,
            &mut spare_batches,
        )?;
        first += level.len() as u32;
        depth += 1;
        spare_level = std::mem::replace(&mut level, next);
    }
    Ok(())
}

/// Chunks of a level waiting to be stored, and the workers' claims.
struct Pipeline {
    /// The next chunk nobody has claimed.
    next: usize,
    /// Chunks stored so far (chunk `stored` is the next to store).
    stored: usize,
    ready: HashMap<usize, Batch>,
    spare: Vec<Batch>,
    stop: bool,
}

/// Expands `level` (numbered from `first` on, at `depth`) and returns the next level, built in
/// `next_level`.
fn expand_level(
    search: &mut Search,
    (level, mut next_level): (&Level, Level),
    (first, depth): (u32, u32),
    jobs: usize,
    spare: &mut Vec<Batch>,
) -> Result<Level, Stop> {
    let exp = search.exp;
    let chunk = level.len().div_ceil(jobs * 4).clamp(1, CHUNK);
    let chunks = level.len().div_ceil(chunk);
    // Workers run at most this many chunks ahead of the one being stored (bounded memory).
    let window = jobs * 4;
    let shared = Mutex::new(Pipeline {
        next: 0,
        stored: 0,
        ready: HashMap::new(),
        spare: std::mem::take(spare),
        stop: false,
    });
    let cv = Condvar::new();
    let nrows = search.rows.len();
    let run_chunk = |c: usize, batch: &mut Batch, scratch: &mut Scratch| {
        batch.clear();
        for i in c * chunk..((c + 1) * chunk).min(level.len()) {
            exp.expand(i as u32, level.get(i), batch, scratch);
        }
    };
    // Claims the next chunk if it is within the window of chunk `stored`.
    let claim = |p: &mut Pipeline| -> Option<(usize, Batch)> {
        (!p.stop && p.next < chunks && p.next < p.stored + window).then(|| {
            p.next += 1;
            (p.next - 1, p.spare.pop().unwrap_or_default())
        })
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = (1..jobs.min(chunks))
            .map(|_| {
                scope.spawn(|| {
                    let _watching = lbos_vm::budget::watch(exp.interrupt.clone());
                    let mut scratch = Scratch {
                        rows: vec![false; nrows],
                        ..Scratch::default()
                    };
                    let mut p = shared.lock().unwrap();
                    loop {
                        if p.stop || p.next >= chunks {
                            return scratch.rows;
                        }
                        let Some((c, mut batch)) = claim(&mut p) else {
                            p = cv.wait(p).unwrap();
                            continue;
                        };
                        drop(p);
                        run_chunk(c, &mut batch, &mut scratch);
                        p = shared.lock().unwrap();
                        p.ready.insert(c, batch);
                        cv.notify_all();
                    }
                })
            })
            .collect();

        // This thread stores the chunks in order, and expands chunks itself while the next
        // one to store is not ready.
        let mut scratch = Scratch {
            rows: std::mem::take(&mut search.rows),
            ..Scratch::default()
        };
        let mut result = Ok(());
        for k in 0..chunks {
            let batch = loop {
                let mut p = shared.lock().unwrap();
                if let Some(b) = p.ready.remove(&k) {
                    break b;
                }
                if let Some((c, mut batch)) = claim(&mut p) {
                    drop(p);
                    run_chunk(c, &mut batch, &mut scratch);
                    if c == k {
                        break batch;
                    }
                    shared.lock().unwrap().ready.insert(c, batch);
                } else {
                    drop(cv.wait(p).unwrap());
                }
            };
            let remaining = (level.len() - (k * chunk).min(level.len())) as u64;
            result = search
                .absorb(&batch, first, depth, |_, enc| next_level.push(enc))
                .and_then(|()| search.tick(remaining + next_level.len() as u64));
            let mut p = shared.lock().unwrap();
            p.stored = k + 1;
            p.spare.push(batch);
            p.stop = result.is_err();
            cv.notify_all();
            drop(p);
            if result.is_err() {
                break;
            }
        }
        for w in workers {
            let rows = w.join().expect("a search worker does not panic");
            for (a, b) in scratch.rows.iter_mut().zip(rows) {
                *a |= b;
            }
        }
        search.rows = scratch.rows;
        let mut p = shared.lock().unwrap();
        *spare = std::mem::take(&mut p.spare);
        spare.extend(p.ready.drain().map(|(_, b)| b));
        result.map(|()| next_level)
    })
}

/// Rebuilds the transitions along the stored path to `target` by re-running the successor
/// function from the real initial state (parents are stored as indices, and stored states may
/// be canonical permutations of the real ones). Returns the transitions and the real state
/// reached, so traces keep the user's own thread names.
///
/// None when a stored state has no real counterpart among the moves: symmetry's canonical
/// form is not unique for threads that tie on their sort key (their private objects are
/// written alike in it, and FIFO queue order is not in it), so the real state's successors
/// may canonicalize to another representative of the same class.
fn transitions_to(exp: &Expander, store: &Store, target: u32) -> Option<(Vec<Transition>, State)> {
    let path = store.path(target);
    transitions_along(
        exp,
        path[1..].iter().map(|&w| {
            let mut want = Vec::new();
            store.encoding(w, &mut want);
            want
        }),
    )
}

/// Like [`transitions_to`], for the path given as the canonical encodings of the states after
/// the initial one.
pub(crate) fn transitions_along(
    exp: &Expander,
    path: impl Iterator<Item = Vec<u8>>,
) -> Option<(Vec<Transition>, State)> {
    let mut out = Vec::new();
    let mut enc = Vec::new();
    let mut real = exp.m.initial_state().clone();
    for want in path {
        let (transitions, next) = exp
            .moves_of_real_state(&real)
            .into_iter()
            .filter_map(|mv| mv.outcome.ok().map(|s| (mv.transitions, s)))
            .find(|(_, s)| {
                let mut c = s.clone();
                exp.canonical(&mut c);
                enc.clear();
                lbos_vm::codec::encode(&c, &mut enc);
                enc == want
            })?;
        out.extend(transitions);
        real = next;
    }
    Some((out, real))
}

/// The transitions of a move of `state` that ends in the same fault (kind, line and message),
/// or else in a fault of the same kind: under ring symmetry the real state is a rotation of
/// the stored one, whose fault may be on the rotated invariant line.
pub(crate) fn matching_fault(
    exp: &Expander,
    state: &State,
    fault: &Fault,
) -> Option<(Vec<Transition>, Fault)> {
    let moves = exp.moves_of_real_state(state);
    let same =
        |f: &Fault| f.kind == fault.kind && f.line == fault.line && f.message == fault.message;
    let find = |exact: bool| {
        moves.iter().find_map(|mv| match &mv.outcome {
            Err(f) if f.kind == fault.kind && (!exact || same(f)) => {
                Some((mv.transitions.clone(), f.clone()))
            }
            _ => None,
        })
    };
    find(true).or_else(|| find(false))
}
