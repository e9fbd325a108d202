//! Starvation under fairness: `lbos check --liveness`.
//!
//! **The model.** A run is an infinite sequence of steps of the successor function. Only *fair*
//! runs count:
//!
//! - *weak fairness of threads*: a thread that can move in every state from some point on
//!   moves again (the scheduler does not ignore a runnable thread forever);
//! - *weak semaphores* (`Semaphore`, the default): which waiter a signal wakes is the
//!   adversary's choice, with no fairness condition (the book's Property 3);
//! - `FifoSemaphore` (or `--semaphores fifo`): the vm wakes the longest waiter;
//! - *strong semaphores* (`--semaphores strong`, the book's Property 4): strong fairness on
//!   wake-ups: a thread waiting on a semaphore that is signalled (waking somebody) infinitely
//!   often is eventually the one woken.
//!
//! Thread `t` **starves** if some fair run, from some point on, always has `t` wanting to
//! progress (not finished, not at a valid end row) and never has `t` progress. By default `t`
//! progresses when it takes a step; if `t`'s code has progress rows, only when it arrives at
//! one (so a thread that spins in a loop without getting anywhere starves).
//!
//! **The algorithm.** Every reachable state and every edge is stored (no symmetry
//! reduction: see below), each edge with the thread that moved, the threads
//! that progressed, and (for strong semaphores) the threads woken and the waiters passed over.
//! Then, for each thread `t`: the strongly connected components of the graph restricted to the
//! states where `t` wants to progress and the edges where it does not progress; a component
//! is fair if every thread either moves on one of its edges or cannot move in one of its
//! states; for strong semaphores, a component in which some thread is passed over but never
//! woken loses those edges and is split again (Emerson and Lei's refinement for strong
//! fairness). A fair component is a starving lasso: a shortest path to the component's
//! shallowest state, then a cycle through the component that visits what fairness demands.
//!
//! **Reductions.** The partial-order reduction (`Options::por`) is kept, in the form
//! `Machine::reduced_moves` gives it: a thread's local steps (see `lbos_vm::reduction`) are
//! merged into its step before them, and a state where some thread's next step is local
//! expands only that thread's local run. It is sound and complete for starvation: a local
//! step commutes with every other step, cannot be disabled, and changes only its own thread,
//! and a weakly fair run takes every enabled local step eventually; so each fair run can be
//! reordered, moving local steps earlier, into a run of the reduced graph with the same steps
//! of each thread, the same blocking and waking, and so the same fairness and the same
//! starving threads; conversely a reduced edge is a path of the full graph whose inner states
//! differ only in the mover's position. The module takes those inner positions into account
//! (a progress row or end row passed inside a merged move counts). The symmetry reduction is
//! not used: it merges states that differ by a permutation of threads, so a cycle of the
//! quotient is not a cycle of one thread's history, and fairness (which names threads) cannot
//! be read off it. What symmetry does give soundly is that interchangeable threads starve
//! alike (a permutation of threads maps fair runs to fair runs), so only the first thread of
//! each group of interchangeable threads is analysed.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use lbos_lang::program::{Block, END, InstrKind, Stmt};
use lbos_vm::{Fault, Machine, Object, SemaphoreModel, State, Status, Thread, Transition};
use serde::Serialize;

use crate::memory::current_rss_bytes;
use crate::search::{Options, Report, Stats, Verdict, Violation, Watchdog, limit_reason};
use crate::store::{ROOT, Store, hash_parts};

/// Who starves, in a report with the verdict `starvation`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Starvation {
    /// The thread the counterexample starves.
    pub thread: u32,
    /// The counterexample (the violation's trace) is a lasso: the transitions from this index
    /// on form a cycle that leads back to the state reached before them, and repeats forever.
    pub cycle_start: usize,
    /// Every thread that can starve; of a group of interchangeable threads (same column, in a
    /// program that cannot tell them apart), only the first is named.
    pub threads: Vec<u32>,
}

fn bit(t: u32) -> u64 {
    1u64 << t
}

/// One stored edge of the state graph.
#[derive(Clone, Copy)]
struct Edge {
    to: u32,
    /// The thread that took the step.
    mover: u32,
    /// The threads that progressed on it (see the module doc).
    progress: u64,
}

/// The reachable state graph.
struct Graph {
    store: Store,
    /// The edges of state `i` are `edges[offsets[i]..offsets[i + 1]]`, in the order `moves`
    /// gives them (so an edge's position names its move).
    offsets: Vec<u64>,
    edges: Vec<Edge>,
    /// Per state: the threads that want to progress (not done, not at an end row).
    wants: Vec<u64>,
    /// Per state: the threads that can move.
    runnable: Vec<u64>,
    /// Per edge, under strong semaphores only: (threads woken, waiters passed over).
    wakes: Vec<(u64, u64)>,
}

impl Graph {
    fn out(&self, s: u32) -> std::ops::Range<usize> {
        self.offsets[s as usize] as usize..self.offsets[s as usize + 1] as usize
    }
}

/// How exploring ended early.
enum Stop {
    /// A deadlock or fault: the safety search reports it.
    Violation,
    Incomplete(String),
}

/// What the analysis needs to know about the program's threads and rows.
struct Setup<'m> {
    m: &'m Machine,
    strong: bool,
    threads: usize,
    /// Per thread: whether its code has progress rows (then only arriving at one counts).
    progress_mode: Vec<bool>,
    /// Per row of the program: a progress row.
    progress_row: Vec<bool>,
    /// With the partial-order reduction: which instructions are local steps.
    local: Option<Vec<bool>>,
    /// The interrupt the watchdog raises; every thread that runs steps watches it.
    interrupt: Arc<std::sync::atomic::AtomicBool>,
}

impl Setup<'_> {
    fn all(&self) -> u64 {
        if self.threads >= 64 {
            u64::MAX
        } else {
            bit(self.threads as u32) - 1
        }
    }

    /// The row a thread stands on, if any.
    fn row(&self, t: &Thread) -> Option<u32> {
        t.pc()
            .filter(|&pc| pc != END)
            .map(|pc| self.m.program.instr(pc).row)
    }

    /// Whether a thread wants to progress: it is not done and not at a valid end row.
    fn wants_thread(&self, t: &Thread) -> bool {
        match t.status {
            Status::Done => false,
            Status::Runnable => true,
            Status::Blocked(_) => !self
                .row(t)
                .is_some_and(|r| self.m.program.rows[r as usize].end),
        }
    }

    fn wants(&self, s: &State) -> u64 {
        let mut w = 0;
        for (i, t) in s.threads.iter().enumerate() {
            if self.wants_thread(t) {
                w |= bit(i as u32);
            }
        }
        w
    }

    /// Whether a thread in progress-row mode progressed from `a` to `b`: it moved (its
    /// position changed, which blocking does not do) and now stands on a progress row.
    fn arrived(&self, a: &Thread, b: &Thread) -> bool {
        let moved = a.frames.len() != b.frames.len() || a.pc() != b.pc();
        moved && self.row(b).is_some_and(|r| self.progress_row[r as usize])
    }

    /// The threads that progressed on a move of thread `mover` from `from` to `to` through
    /// the intermediate states `between` (the mover's local steps, see `explore`).
    fn progress(&self, mover: u32, from: &State, between: &[Arc<Thread>], to: &State) -> u64 {
        let u = mover as usize;
        let mut p = 0;
        if !self.progress_mode[u] {
            p |= bit(mover);
        } else {
            // The mover progresses if it arrives at a progress row anywhere on the way, and
            // is treated as progressing if it passes a state where it does not want to (the
            // run then leaves the states where it starves).
            let mut prev = &from.threads[u];
            for t in between.iter().chain(std::iter::once(&to.threads[u])) {
                if self.arrived(prev, t) || !self.wants_thread(t) {
                    p |= bit(mover);
                }
                prev = t;
            }
        }
        // The threads the move woke moved past their wait.
        for (i, (a, b)) in from.threads.iter().zip(&to.threads).enumerate() {
            if i != u && self.progress_mode[i] && !Arc::ptr_eq(a, b) && self.arrived(a, b) {
                p |= bit(i as u32);
            }
        }
        p
    }

    /// (threads woken, waiters passed over) on the step from `from` to `to`: a signal that
    /// wakes some waiters of a semaphore passes over the waiters it leaves in its queue.
    fn wakes(&self, from: &State, to: &State) -> (u64, u64) {
        let (mut woken, mut passed) = (0, 0);
        let mut signalled: Vec<u32> = Vec::new();
        for (i, (a, b)) in from.threads.iter().zip(&to.threads).enumerate() {
            if let Status::Blocked(o) = a.status
                && b.status != Status::Blocked(o)
            {
                woken |= bit(i as u32);
                if matches!(from.object(o as usize), Some(Object::Semaphore { .. })) {
                    signalled.push(o);
                }
            }
        }
        if !signalled.is_empty() {
            for (i, (a, b)) in from.threads.iter().zip(&to.threads).enumerate() {
                if let Status::Blocked(o) = a.status
                    && b.status == a.status
                    && signalled.contains(&o)
                {
                    passed |= bit(i as u32);
                }
            }
        }
        (woken, passed)
    }
}

fn mark_rows(m: &Machine, s: &State, rows: &mut [bool]) {
    for t in &s.threads {
        for f in &t.frames {
            if f.pc != END {
                rows[m.program.instr(f.pc).row as usize] = true;
            }
        }
    }
}

/// Limits and progress reports while exploring.
struct Limits<'o> {
    opts: &'o Options,
    /// Interrupts a step that runs when a limit is reached (see `lbos_vm::budget`).
    watchdog: &'o Watchdog,
    start: Instant,
    base_rss: u64,
    peak_rss: u64,
    last_check: u64,
    last_progress: Instant,
}

impl Limits<'_> {
    fn reached(&mut self, g: &Graph, stats: &Stats) -> Option<String> {
        if stats.transitions < self.last_check + 4096 {
            return None;
        }
        self.last_check = stats.transitions;
        if let Some(r) = self.reached_now(g.store.len() as u64) {
            return Some(r);
        }
        if let Some(cb) = &self.opts.progress
            && self.last_progress.elapsed() >= self.opts.progress_interval
        {
            self.last_progress = Instant::now();
            let mut p = stats.clone();
            p.states = g.store.len() as u64;
            p.seconds = self.start.elapsed().as_secs_f64();
            p.states_per_second = p.states as f64 / p.seconds.max(1e-9);
            p.peak_memory_bytes = self.peak_rss;
            cb(&p);
        }
        None
    }

    fn reached_now(&mut self, states: u64) -> Option<String> {
        let rss = current_rss_bytes().unwrap_or(self.base_rss);
        self.peak_rss = self.peak_rss.max(rss);
        limit_reason(
            self.opts,
            self.watchdog,
            self.start.elapsed(),
            states,
            rss.saturating_sub(self.base_rss),
        )
    }
}

/// A step of a thread, followed (with the reduction) by the same thread's local steps.
struct Move {
    transitions: Vec<Transition>,
    /// The state reached, or the fault of the last transition.
    outcome: Result<State, Fault>,
    /// The mover as it was in the states between the transitions.
    between: Vec<Arc<Thread>>,
}

/// The moves of `state`, in a fixed order (an edge's position among its state's edges names
/// its move). Without the reduction, every transition. With it, as `Machine::reduced_moves`:
/// if some thread's next step is local, that thread's run of local steps only; otherwise
/// every transition, each followed by its thread's local steps. Why this is sound for
/// starvation is in the module doc.
fn moves(setup: &Setup, state: &State, out: &mut Vec<Move>, rows: &mut [bool]) {
    let m = setup.m;
    let mut succ = Vec::new();
    let ample = setup
        .local
        .as_deref()
        .and_then(|l| m.local_threads(l, state).next());
    match ample {
        Some(t) => m.thread_successors(state, t, &mut succ),
        None => m.successors(state, &mut succ),
    }
    for (tr, outcome) in succ {
        let t = tr.thread as usize;
        let mut between = Vec::new();
        let mv = lbos_vm::reduction::Move {
            transitions: vec![tr],
            outcome,
        };
        let mv = match &setup.local {
            Some(local) => m.run_local_steps(local, t, mv, &mut |s| {
                mark_rows(m, s, rows);
                between.push(s.threads[t].clone());
            }),
            None => mv,
        };
        out.push(Move {
            transitions: mv.transitions,
            outcome: mv.outcome,
            between,
        });
    }
}

/// One move of an expanded state, ready to store.
enum Succ {
    State {
        mover: u32,
        progress: u64,
        wakes: (u64, u64),
        /// The threads of the successor that want to progress.
        wants: u64,
        /// Its canonical encoding's parts: `parts[range]` and `hashes[range]` of the batch.
        parts: std::ops::Range<usize>,
    },
    Fault(Fault),
}

/// The moves of a run of consecutive states, computed by one worker.
#[derive(Default)]
struct Expanded {
    /// Per state: its moves (`succ[a..b]`), whether it is a deadlock, its runnable threads.
    states: Vec<(std::ops::Range<usize>, bool, u64)>,
    succ: Vec<Succ>,
    bytes: Vec<u8>,
    parts: Vec<(u32, u32)>,
    hashes: Vec<u64>,
}

/// Expands `state` into `out`: its moves with what the graph keeps of them, and its
/// successors canonical and encoded, so that storing them is all that is left to do.
fn expand(setup: &Setup, state: &State, out: &mut Expanded, rows: &mut [bool], hasher: &Hasher) {
    let m = setup.m;
    mark_rows(m, state, rows);
    let mut succ = Vec::new();
    moves(setup, state, &mut succ, rows);
    let first = out.succ.len();
    for mv in succ {
        let mut next = match mv.outcome {
            Ok(next) => next,
            Err(f) => {
                out.succ.push(Succ::Fault(f));
                continue;
            }
        };
        let mover = mv.transitions[0].thread;
        let progress = setup.progress(mover, state, &mv.between, &next);
        let wakes = if setup.strong {
            setup.wakes(state, &next)
        } else {
            (0, 0)
        };
        // Garbage dropped and objects renumbered, as the safety search stores states; the
        // threads keep their numbers, so edges still name the threads that move.
        lbos_vm::heap::canonicalize_heap(&mut next);
        let start = out.bytes.len();
        let first_part = out.parts.len();
        lbos_vm::codec::encode_parts(&next, &mut out.bytes, &mut out.parts);
        for p in &mut out.parts[first_part..] {
            p.0 += start as u32;
            p.1 += start as u32;
        }
        hash_parts(
            hasher,
            &out.bytes,
            &out.parts[first_part..],
            &mut out.hashes,
        );
        out.succ.push(Succ::State {
            mover,
            progress,
            wakes,
            wants: setup.wants(&next),
            parts: first_part..out.parts.len(),
        });
    }
    let runnable = state
        .threads
        .iter()
        .enumerate()
        .filter(|(_, t)| t.status == Status::Runnable)
        .fold(0, |r, (i, _)| r | bit(i as u32));
    let deadlock = runnable == 0 && m.is_deadlock(state);
    out.states.push((first..out.succ.len(), deadlock, runnable));
}

type Hasher = hashbrown::DefaultHashBuilder;

/// States expanded per batch; a batch is split among the workers.
const BATCH: usize = 1024;

/// Stores every reachable state and edge, breadth-first (so parent links give shortest
/// paths). States are expanded in batches by `opts.jobs` threads and stored strictly in
/// order, so the numbering, the graph and the verdict do not depend on the number of jobs.
fn explore(
    setup: &Setup,
    limits: &mut Limits,
    stats: &mut Stats,
    rows: &mut [bool],
) -> Result<Graph, Stop> {
    let m = setup.m;
    let mut g = Graph {
        store: Store::new(),
        offsets: vec![0],
        edges: Vec::new(),
        wants: Vec::new(),
        runnable: Vec::new(),
        wakes: Vec::new(),
    };
    let mut init = m.initial_state().clone();
    if m.check_invariants(&init).is_err() {
        return Err(Stop::Violation);
    }
    lbos_vm::heap::canonicalize_heap(&mut init);
    let hasher = *g.store.hasher();
    {
        let (mut enc, mut parts, mut hashes) = (Vec::new(), Vec::new(), Vec::new());
        lbos_vm::codec::encode_parts(&init, &mut enc, &mut parts);
        hash_parts(&hasher, &enc, &parts, &mut hashes);
        g.store.insert_or_get(&enc, &parts, &hashes, ROOT);
        g.wants.push(setup.wants(&init));
    }
    let jobs = limits.opts.jobs.max(1);
    let mut buf = Vec::new();
    let (mut depth, mut level_end) = (0u64, 1usize);
    let mut i = 0usize;
    let mut work: Vec<Expanded> = (0..jobs).map(|_| Expanded::default()).collect();
    let mut worker_rows: Vec<Vec<bool>> = vec![vec![false; rows.len()]; jobs];
    while i < g.store.len() {
        let end = g.store.len().min(i + BATCH);
        let states: Vec<State> = (i..end)
            .map(|k| {
                buf.clear();
                g.store.encoding(k as u32, &mut buf);
                lbos_vm::codec::decode(&buf)
            })
            .collect();
        let per = states.len().div_ceil(jobs);
        let run = |chunk: &[State], out: &mut Expanded, rows: &mut Vec<bool>| {
            out.states.clear();
            out.succ.clear();
            out.bytes.clear();
            out.parts.clear();
            out.hashes.clear();
            for s in chunk {
                expand(setup, s, out, rows, &hasher);
            }
        };
        if jobs == 1 || states.len() < 64 {
            run(&states, &mut work[0], &mut worker_rows[0]);
        } else {
            let interrupt = setup.interrupt.clone();
            std::thread::scope(|scope| {
                for ((chunk, out), rows) in states
                    .chunks(per)
                    .zip(work.iter_mut())
                    .zip(worker_rows.iter_mut())
                {
                    let interrupt = interrupt.clone();
                    scope.spawn(move || {
                        let _watching = lbos_vm::budget::watch(interrupt);
                        run(chunk, out, rows);
                    });
                }
            });
        }
        // Store the successors in order: state by state, move by move.
        let mut k = i;
        for out in work.iter().take(if jobs == 1 || states.len() < 64 {
            1
        } else {
            states.len().div_ceil(per)
        }) {
            for (range, deadlock, runnable) in &out.states {
                if k == level_end {
                    depth += 1;
                    level_end = g.store.len();
                }
                for succ in &out.succ[range.clone()] {
                    stats.transitions += 1;
                    let (mover, progress, wakes, wants, parts) = match succ {
                        Succ::Fault(f) => {
                            return Err(match limits.watchdog.tripped() {
                                Some(reason) if f.message == lbos_vm::budget::INTERRUPTED => {
                                    Stop::Incomplete(reason)
                                }
                                _ => Stop::Violation,
                            });
                        }
                        Succ::State {
                            mover,
                            progress,
                            wakes,
                            wants,
                            parts,
                        } => (*mover, *progress, *wakes, *wants, parts.clone()),
                    };
                    let (to, new) = g.store.insert_or_get(
                        &out.bytes,
                        &out.parts[parts.clone()],
                        &out.hashes[parts],
                        k as u32,
                    );
                    if new {
                        stats.max_depth = depth + 1;
                        g.wants.push(wants);
                    }
                    g.edges.push(Edge {
                        to,
                        mover,
                        progress,
                    });
                    if setup.strong {
                        g.wakes.push(wakes);
                    }
                }
                if *deadlock {
                    return Err(Stop::Violation);
                }
                g.runnable.push(*runnable);
                g.offsets.push(g.edges.len() as u64);
                k += 1;
            }
        }
        debug_assert_eq!(k, end);
        i = end;
        if let Some(reason) = limits.reached(&g, stats) {
            return Err(Stop::Incomplete(reason));
        }
    }
    for w in worker_rows {
        for (a, b) in rows.iter_mut().zip(w) {
            *a |= b;
        }
    }
    Ok(g)
}

const UNSEEN: u32 = u32::MAX;

/// Strongly connected components of regions of the graph (Tarjan, iterative).
struct Sccs<'g> {
    g: &'g Graph,
    /// Per state: the region it belongs to (0: none). Components are computed within one
    /// region, over the edges a filter admits.
    region: Vec<u32>,
    regions: u32,
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
}

impl<'g> Sccs<'g> {
    fn new(g: &'g Graph) -> Self {
        let n = g.store.len();
        Sccs {
            g,
            region: vec![0; n],
            regions: 0,
            index: vec![UNSEEN; n],
            low: vec![0; n],
            on_stack: vec![false; n],
        }
    }

    /// Makes `states` a new region and returns its number.
    fn new_region(&mut self, states: impl Iterator<Item = u32>) -> u32 {
        self.regions += 1;
        for s in states {
            self.region[s as usize] = self.regions;
        }
        self.regions
    }

    fn inside(&self, r: u32, e: usize) -> bool {
        self.region[self.g.edges[e].to as usize] == r
    }

    /// The components of region `r` (whose states are among `roots`) over the edges `ok`
    /// admits that have at least one edge (so a run can stay in them forever).
    fn components(&mut self, roots: &[u32], r: u32, ok: &impl Fn(usize) -> bool) -> Vec<Vec<u32>> {
        let g = self.g;
        let mut out = Vec::new();
        let mut counter = 0u32;
        let mut stack: Vec<u32> = Vec::new();
        let mut calls: Vec<(u32, usize)> = Vec::new();
        let mut seen: Vec<u32> = Vec::new();
        for &root in roots {
            if self.region[root as usize] != r || self.index[root as usize] != UNSEEN {
                continue;
            }
            self.index[root as usize] = counter;
            self.low[root as usize] = counter;
            counter += 1;
            seen.push(root);
            stack.push(root);
            self.on_stack[root as usize] = true;
            calls.push((root, g.out(root).start));
            while let Some(&(v, e)) = calls.last() {
                let vi = v as usize;
                if e < g.out(v).end {
                    calls.last_mut().unwrap().1 += 1;
                    if !self.inside(r, e) || !ok(e) {
                        continue;
                    }
                    let w = g.edges[e].to;
                    let wi = w as usize;
                    if self.index[wi] == UNSEEN {
                        self.index[wi] = counter;
                        self.low[wi] = counter;
                        counter += 1;
                        seen.push(w);
                        stack.push(w);
                        self.on_stack[wi] = true;
                        calls.push((w, g.out(w).start));
                    } else if self.on_stack[wi] {
                        self.low[vi] = self.low[vi].min(self.index[wi]);
                    }
                    continue;
                }
                calls.pop();
                if let Some(&(u, _)) = calls.last() {
                    self.low[u as usize] = self.low[u as usize].min(self.low[vi]);
                }
                if self.low[vi] == self.index[vi] {
                    let mut comp = Vec::new();
                    loop {
                        let w = stack.pop().expect("v is on the stack");
                        self.on_stack[w as usize] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    let cyclic = comp.len() > 1
                        || g.out(v)
                            .any(|e| g.edges[e].to == v && ok(e) && self.inside(r, e));
                    if cyclic {
                        out.push(comp);
                    }
                }
            }
        }
        for s in seen {
            self.index[s as usize] = UNSEEN;
        }
        out
    }
}

/// A fair component on which a thread starves: its states, its region, and the threads whose
/// passed-over edges the strong-fairness refinement removed.
struct Fair {
    states: Vec<u32>,
    region: u32,
    removed: u64,
}

/// The analysis of one thread: the edges on which it does not progress and that the
/// refinement has not removed.
fn admits(setup: &Setup, g: &Graph, t: u32, removed: u64, e: usize) -> bool {
    g.edges[e].progress & bit(t) == 0 && (!setup.strong || g.wakes[e].1 & removed == 0)
}

/// The fair component with the shallowest state on which thread `t` starves, if any. With
/// `first`, the first one found.
fn fair_component(
    setup: &Setup,
    sccs: &mut Sccs,
    t: u32,
    first: bool,
    limits: &mut Limits,
) -> Result<Option<Fair>, String> {
    let g = sccs.g;
    let states: Vec<u32> = (0..g.store.len() as u32)
        .filter(|&s| g.wants[s as usize] & bit(t) != 0)
        .collect();
    if states.is_empty() {
        return Ok(None);
    }
    let r = sccs.new_region(states.iter().copied());
    let mut work: Vec<(Vec<u32>, u64)> = sccs
        .components(&states, r, &|e| admits(setup, g, t, 0, e))
        .into_iter()
        .map(|c| (c, 0))
        .collect();
    let mut best: Option<Fair> = None;
    while let Some((comp, removed)) = work.pop() {
        if let Some(reason) = limits.reached_now(0) {
            return Err(reason);
        }
        let rc = sccs.new_region(comp.iter().copied());
        let ok = |e: usize| admits(setup, g, t, removed, e);
        let (mut movers, mut disabled, mut woken, mut passed) = (0u64, 0u64, 0u64, 0u64);
        for &s in &comp {
            disabled |= !g.runnable[s as usize];
            for e in g.out(s) {
                if sccs.inside(rc, e) && ok(e) {
                    movers |= bit(g.edges[e].mover);
                    if setup.strong {
                        woken |= g.wakes[e].0;
                        passed |= g.wakes[e].1;
                    }
                }
            }
        }
        // Weak fairness: a thread that can move everywhere here and never moves here cannot
        // move in any part of it either.
        if (movers | disabled) & setup.all() != setup.all() {
            continue;
        }
        let unfair = passed & !woken;
        if unfair != 0 {
            let removed = removed | unfair;
            let parts = sccs.components(&comp, rc, &|e| admits(setup, g, t, removed, e));
            work.extend(parts.into_iter().map(|c| (c, removed)));
            continue;
        }
        let min = *comp.iter().min().expect("a component has states");
        if best.as_ref().is_none_or(|b| min < b.states[0]) {
            let mut states = comp;
            // The shallowest state first: it is where the cycle starts.
            let pos = states.iter().position(|&s| s == min).unwrap();
            states.swap(0, pos);
            best = Some(Fair {
                states,
                region: rc,
                removed,
            });
            if first {
                break;
            }
        }
    }
    // A later region may have taken the best component's states: give them back.
    if let Some(b) = &mut best {
        b.region = sccs.new_region(b.states.iter().copied());
    }
    Ok(best)
}

/// A closed walk being built through a fair component, with what it has visited so far.
struct Walk<'g> {
    g: &'g Graph,
    strong: bool,
    edges: Vec<usize>,
    at: u32,
    /// Threads that moved on the walk, or could not move in one of its states.
    served: u64,
    woken: u64,
    passed: u64,
}

impl Walk<'_> {
    fn extend(&mut self, edges: Vec<usize>) {
        for e in edges {
            let edge = self.g.edges[e];
            self.served |= bit(edge.mover) | !self.g.runnable[edge.to as usize];
            if self.strong {
                self.woken |= self.g.wakes[e].0;
                self.passed |= self.g.wakes[e].1;
            }
            self.edges.push(e);
            self.at = edge.to;
        }
    }

    /// Threads passed over on the walk and never woken on it.
    fn unfair(&self) -> u64 {
        self.passed & !self.woken
    }
}

/// The edges of a lasso on which thread `t` starves in component `fair`: a shortest path to
/// its shallowest state, then a cycle back to it through the component that satisfies every
/// fairness condition.
fn lasso(setup: &Setup, sccs: &Sccs, t: u32, fair: &Fair) -> (Vec<usize>, Vec<usize>) {
    let g = sccs.g;
    let entry = fair.states[0];
    let path = g.store.path(entry);
    let prefix: Vec<usize> = path
        .windows(2)
        .map(|w| {
            g.out(w[0])
                .find(|&e| g.edges[e].to == w[1])
                .expect("a parent has an edge to its child")
        })
        .collect();
    let ok = |e: usize| sccs.inside(fair.region, e) && admits(setup, g, t, fair.removed, e);
    // Breadth-first within the component from `from` to the nearest state that `at` accepts
    // or edge that `via` accepts; the edges of the path.
    let search = |from: u32, at: &dyn Fn(u32) -> bool, via: &dyn Fn(usize) -> bool| {
        if at(from) {
            return Vec::new();
        }
        let mut parent: HashMap<u32, usize> = HashMap::new();
        let back = |parent: &HashMap<u32, usize>, mut s: u32, last: Option<usize>| {
            let mut edges: Vec<usize> = last.into_iter().collect();
            while s != from {
                let e = parent[&s];
                edges.push(e);
                s = source_of(g, e);
            }
            edges.reverse();
            edges
        };
        let mut queue = VecDeque::from([from]);
        while let Some(v) = queue.pop_front() {
            for e in g.out(v).filter(|&e| ok(e)) {
                if via(e) {
                    return back(&parent, v, Some(e));
                }
                let w = g.edges[e].to;
                if w != from && !parent.contains_key(&w) {
                    parent.insert(w, e);
                    if at(w) {
                        return back(&parent, w, None);
                    }
                    queue.push_back(w);
                }
            }
        }
        unreachable!("a fair component is strongly connected and has what fairness asks for")
    };
    let never_at = |_: u32| false;
    let never_via = |_: usize| false;
    let mut walk = Walk {
        g,
        strong: setup.strong,
        edges: Vec::new(),
        at: entry,
        served: !g.runnable[entry as usize],
        woken: 0,
        passed: 0,
    };
    // Each thread moves or is seen unable to move; each thread passed over is woken; back to
    // the entry. Going back may pass over a thread again: then round again (each thread is
    // woken at most once before it is never unfair again, so this ends).
    loop {
        for u in 0..setup.threads as u32 {
            if walk.served & bit(u) == 0 {
                walk.extend(search(
                    walk.at,
                    &|s| !g.runnable[s as usize] & bit(u) != 0,
                    &|e| g.edges[e].mover == u,
                ));
            }
        }
        while walk.unfair() != 0 {
            let u = walk.unfair().trailing_zeros();
            walk.extend(search(walk.at, &never_at, &|e| g.wakes[e].0 & bit(u) != 0));
        }
        let close = if walk.at != entry {
            search(walk.at, &|s| s == entry, &never_via)
        } else if walk.edges.is_empty() {
            search(entry, &never_at, &|e| g.edges[e].to == entry)
        } else {
            Vec::new()
        };
        walk.extend(close);
        if walk.unfair() == 0 {
            break;
        }
    }
    (prefix, walk.edges)
}

/// The state an edge leaves (edges are stored by source, in order).
fn source_of(g: &Graph, e: usize) -> u32 {
    (g.offsets.partition_point(|&o| o as usize <= e) - 1) as u32
}

/// The transitions of a path of edges from the initial state, re-run on the real states (an
/// edge's position among its state's edges is its move's position among the moves).
fn transitions(setup: &Setup, g: &Graph, edges: &[usize]) -> Vec<Vec<Transition>> {
    let mut state = setup.m.initial_state().clone();
    let mut succ = Vec::new();
    let mut rows = vec![false; setup.m.program.rows.len()];
    let mut out = Vec::with_capacity(edges.len());
    for &e in edges {
        let k = e - g.offsets[source_of(g, e) as usize] as usize;
        succ.clear();
        moves(setup, &state, &mut succ, &mut rows);
        let mv = succ.swap_remove(k);
        out.push(mv.transitions);
        state = mv.outcome.expect("the stored graph has no faulty edges");
    }
    out
}

/// The rows of the program that are progress rows, and for each thread whether its code (its
/// column and the procedures it may call) has one.
fn progress_rows(m: &Machine) -> (Vec<bool>, Vec<bool>) {
    let p = &m.program;
    let rows: Vec<bool> = p.rows.iter().map(|r| r.progress).collect();
    // Blocks whose rows may run in each column: the column, then the procedures called from
    // any of those blocks, to a fixed point.
    let mut column_mode = Vec::with_capacity(p.columns.len());
    for c in 0..p.columns.len() as u32 {
        let mut blocks = vec![Block::Column(c)];
        let mut k = 0;
        while k < blocks.len() {
            let block = blocks[k];
            for i in p
                .code
                .iter()
                .filter(|i| p.rows[i.row as usize].block == block)
            {
                let mut stmt = match &i.kind {
                    InstrKind::Exec(s) => s,
                    _ => continue,
                };
                if let Stmt::IfInline(_, inner) = stmt {
                    stmt = inner;
                }
                if let Stmt::Call { proc, .. } = stmt
                    && !blocks.contains(&Block::Proc(*proc))
                {
                    blocks.push(Block::Proc(*proc));
                }
            }
            k += 1;
        }
        column_mode.push(
            p.rows
                .iter()
                .any(|r| r.progress && blocks.contains(&r.block)),
        );
    }
    let threads = m
        .initial_state()
        .threads
        .iter()
        .map(|t| column_mode[t.column as usize])
        .collect();
    (rows, threads)
}

/// `lbos check --liveness`: safety violations as the ordinary search reports them, then
/// starvation.
pub fn check(m: &Machine, opts: &Options) -> Report {
    let start = Instant::now();
    let rss = current_rss_bytes().unwrap_or(0);
    let (progress_row, progress_mode) = progress_rows(m);
    let setup = Setup {
        m,
        strong: m.config.semaphores == SemaphoreModel::Strong,
        threads: m.initial_state().threads.len(),
        progress_mode,
        progress_row,
        local: opts
            .por
            .then(|| lbos_vm::reduction::local_instructions(&m.program)),
        interrupt: Arc::new(std::sync::atomic::AtomicBool::new(false)),
    };
    let _watching = lbos_vm::budget::watch(setup.interrupt.clone());
    let watchdog = Watchdog::start(opts, setup.interrupt.clone(), rss);
    let mut limits = Limits {
        opts,
        watchdog: &watchdog,
        start,
        base_rss: rss,
        peak_rss: rss,
        last_check: 0,
        last_progress: Instant::now(),
    };
    let mut stats = Stats {
        engine: "interpreter (liveness)".to_string(),
        ..Stats::default()
    };
    let mut rows = vec![false; m.program.rows.len()];
    let explored = explore(&setup, &mut limits, &mut stats, &mut rows);
    let finish = |stats: &mut Stats, limits: &Limits, states: u64, bytes: u64| {
        stats.states = states;
        stats.seconds = start.elapsed().as_secs_f64();
        stats.states_per_second = states as f64 / stats.seconds.max(1e-9);
        stats.peak_memory_bytes = limits.peak_rss.max(current_rss_bytes().unwrap_or(0));
        stats.bytes_per_state = bytes.checked_div(states).unwrap_or(0);
    };
    let incomplete = |stats: Stats, reason: String| Report {
        verdict: Verdict::Incomplete,
        violation: None,
        stats,
        dead_rows: Vec::new(),
        incomplete_reason: Some(reason),
        shortest: false,
        starvation: None,
    };
    let g = match explored {
        Ok(g) => g,
        Err(Stop::Violation) => {
            // The ordinary search finds it too, with a shortest counterexample.
            let safety = Options {
                liveness: false,
                ..opts.clone()
            };
            return crate::search::check(m, &safety);
        }
        Err(Stop::Incomplete(reason)) => {
            finish(&mut stats, &limits, 0, 0);
            return incomplete(stats, reason);
        }
    };
    let states = g.store.len() as u64;
    let graph_bytes = g.store.heap_bytes()
        + (g.edges.capacity() * std::mem::size_of::<Edge>()
            + g.wakes.capacity() * 16
            + g.offsets.capacity() * 8
            + g.wants.capacity() * 8
            + g.runnable.capacity() * 8) as u64;
    // One thread of each group of interchangeable threads stands for the group.
    let mut candidates: Vec<u32> = (0..setup.threads as u32).collect();
    if let Some(sym) = m.symmetry() {
        candidates.retain(|&t| {
            !sym.groups
                .iter()
                .any(|grp| grp.contains(&(t as usize)) && grp.start != t as usize)
        });
    }
    let mut sccs = Sccs::new(&g);
    let mut starving = Vec::new();
    let mut witness = None;
    for t in candidates {
        match fair_component(&setup, &mut sccs, t, witness.is_some(), &mut limits) {
            Err(reason) => {
                finish(&mut stats, &limits, states, graph_bytes);
                return incomplete(stats, reason);
            }
            Ok(None) => {}
            Ok(Some(fair)) => {
                starving.push(t);
                if witness.is_none() {
                    witness = Some(lasso(&setup, &sccs, t, &fair));
                }
            }
        }
    }
    finish(&mut stats, &limits, states, graph_bytes);
    match witness {
        None => Report {
            verdict: Verdict::Ok,
            violation: None,
            stats,
            dead_rows: lbos_vm::describe::dead_rows(m, &rows),
            incomplete_reason: None,
            shortest: false,
            starvation: None,
        },
        Some((prefix, cycle)) => {
            let mut path = prefix.clone();
            path.extend(cycle);
            let moves = transitions(&setup, &g, &path);
            let cycle_start = moves[..prefix.len()].iter().map(Vec::len).sum();
            Report {
                verdict: Verdict::Starvation,
                violation: Some(Violation {
                    verdict: Verdict::Starvation,
                    fault: None,
                    trace: moves.into_iter().flatten().collect(),
                }),
                stats,
                dead_rows: Vec::new(),
                incomplete_reason: None,
                shortest: false,
                starvation: Some(Starvation {
                    thread: starving[0],
                    cycle_start,
                    threads: starving,
                }),
            }
        }
    }
}
