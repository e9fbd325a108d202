//! The compiled step: a fast path for the checker's successor computation on programs whose
//! heap never changes shape.
//!
//! Owns the flat state layout and the step that runs on it. A program qualifies when every
//! object exists after the initialization block, reachable from the globals (semaphores,
//! lightswitches, barriers, fixed-size lists), and the thread code neither allocates nor
//! resizes lists (see [`Compiled::new`] for the reasons it gives otherwise). Then a state is
//! one array of fixed slots: the globals, each object's fields (a semaphore's value or a
//! barrier's count, and its queue of up to one entry per thread), and per thread its status,
//! attributes and a call stack of bounded depth. A step writes slots in place, logging old
//! values, and is undone after its successor has been written out; nothing is allocated per
//! successor. The successor is written in
//! [`crate::codec`]'s canonical encoding, parts the step did not touch copied from the
//! expanded state's encoding, so the checker stores exactly what the interpreter path stores.
//!
//! The flat search of the checker stores states packed instead ([`Compiled::pack`]: one code
//! per changing slot, `W` bytes each, see `pack.rs`), loads them with [`Compiled::unpack`]
//! and packs each successor from its parent's bytes and the step's undo log
//! ([`Compiled::pack_successor`]). Invariants are evaluated as simplified with the globals
//! that never change (`fold.rs`).
//!
//! The interpreter ([`crate::Machine::successors`]) stays the one definition of what a program
//! does: whatever the compiled step does not cover exactly (every fault, a choice it does not
//! model, a step that would change which objects the globals reach, a long step) makes it give
//! up on that state ([`Bail`]) and the caller runs the interpreter on it instead. Loading also
//! gives up on any encoding that does not fit the layout.

mod fold;
mod pack;
mod step;

use std::sync::Arc;

use lbos_lang::program::{Block, Builtin, END, Expr, InstrKind, Method, Program, Stmt};

use crate::codec::{put, put_i, put_value};
use crate::heap::{canonicalize_heap, shared_objects};
use crate::machine::{Machine, Transition};
use crate::state::{NO_PROC, Object, State, Value};

/// The compiled step gave up on a state: run the interpreter on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bail;

/// Where an object's fields live in the flat state.
#[derive(Clone, Copy, Debug)]
enum Obj {
    /// `len` item slots from `base`.
    List { base: u32, len: u32 },
    /// The value at `base`, the queue length at `base + 1`, the queue from `base + 2`.
    Sem { base: u32, fifo: bool },
    /// The counter at `base`; the mutex never changes.
    Lightswitch { base: u32, mutex: u32 },
    /// The count at `base`, the queue length at `base + 1`, the queue (a sorted set) from
    /// `base + 2`, as a weak semaphore's; `n` never changes.
    Barrier { base: u32, n: i64 },
}

/// A program compiled to the flat layout, with what its step needs at hand.
#[derive(Debug)]
pub struct Compiled {
    program: Arc<Program>,
    globals: u32,
    objects: Vec<Obj>,
    /// For each value slot of the shared region (globals and list items): the object it must
    /// refer to, or None for a slot that never holds a reference.
    fixed: Vec<Option<u32>>,
    shared_len: u32,
    threads: u32,
    /// Each thread's column and index (they never change).
    ids: Vec<(u32, u32)>,
    attrs: u32,
    /// Frames per thread (the deepest call chain) and slots per frame.
    max_frames: u32,
    max_locals: u32,
    /// Slots per thread and per frame (as [`Compiled::thread_len`], precomputed: the step
    /// locates frames on every access).
    tlen: u32,
    flen: u32,
    /// The program has a lightswitch: without one, a frame's sub-step and held slots never
    /// change (0, unset, unset) and the step does not write them.
    lightswitches: bool,
    /// Locals of a frame running procedure `p` (index `p`), and of a column frame (last).
    frame_locals: Vec<u32>,
    /// The row of each instruction is a valid end row.
    end_pc: Vec<bool>,
    max_call_depth: usize,
    work_cap: u64,
    /// Program strings that are empty (falsy).
    empty_string: Vec<bool>,
    total_threads: i64,
    /// For every slot, whether the invariants read it (shared slots of their globals and the
    /// objects those reach): a step that writes none of them leaves the invariants as true
    /// as they were.
    watched: Vec<bool>,
    /// Where each slot goes in a packed state (see [`pack`]).
    layout: pack::Layout,
    /// The region of each slot: 0 shared, `1 + t` thread `t`.
    region: Arc<[u32]>,
    /// [`pack::Codes::value`] of every one-byte code.
    decode1: Vec<Value>,
    /// The invariants as the step evaluates them (see [`fold`]).
    invariants: Vec<Expr>,
    codes: pack::Codes,
}

const FRAME_HEADER: u32 = 5;
/// As `crate::reduction`'s bound on the local steps of one move.
const MAX_LOCAL_RUN: u32 = 10_000;
const RUNNABLE: Value = Value::Int(0);
const DONE: Value = Value::None;

/// A flat state and the scratch space of its steps (one per search worker).
#[derive(Default)]
pub struct Flat {
    words: Vec<Value>,
    /// (slot, old value) of every write of the step in progress (only writes that change
    /// the slot: what [`Flat::dirty`] is computed from).
    undo: Vec<(u32, Value)>,
    /// [`Compiled`]'s region of each slot.
    region: Arc<[u32]>,
    /// Byte ranges of the loaded encoding's parts: shared, then each thread.
    parts: Vec<(u32, u32)>,
    forced: Vec<u32>,
    made: Vec<(u32, u32)>,
    /// Locals of the one-line functions being evaluated, and where each call's begin (and how
    /// many it has).
    fn_locals: Vec<Value>,
    fn_bases: Vec<(usize, usize)>,
    choices: Vec<u32>,
    /// The thread of the last step (a likely runnable thread, for [`Compiled::is_deadlock`]).
    stepped: u32,
}

impl Flat {
    /// Whether the step wrote region `r` (0 shared, `1 + t` thread `t`).
    pub fn dirty(&self, r: usize) -> bool {
        // From the undo log rather than kept by every write: the flat search never asks.
        self.undo
            .iter()
            .any(|&(i, _)| self.region[i as usize] as usize == r)
    }

    /// The loaded encoding's parts (shared, then each thread), as byte ranges.
    pub fn parts(&self) -> &[(u32, u32)] {
        &self.parts
    }
}

/// One successor, handed to the caller while the flat state holds it.
pub struct Successor<'a> {
    pub thread: u32,
    /// The choice indices (as in [`Transition::choices`]).
    pub choices: &'a [u32],
    /// Steps taken: 1, or more for a move of a thread's local steps (each without choices).
    pub steps: u32,
    pub flat: &'a Flat,
}

impl Successor<'_> {
    pub fn transition(&self) -> Transition {
        Transition {
            thread: self.thread,
            choices: self.choices.to_vec(),
        }
    }
}

/// Why a program cannot use the compiled step, if it cannot.
fn unsupported_code(p: &Program) -> Option<String> {
    let mut why = None;
    let mut look = |e: &Expr| {
        let bad = match e {
            Expr::List(_) | Expr::Comp(..) => Some("a list literal or comprehension"),
            Expr::Builtin(
                Builtin::Semaphore
                | Builtin::FifoSemaphore
                | Builtin::Lightswitch
                | Builtin::Barrier
                | Builtin::Range,
                _,
            ) => Some("an object created after the initialization block"),
            Expr::Builtin(Builtin::RandomChoice | Builtin::RandomInt, _) => Some("a random choice"),
            Expr::Method(_, Method::Append | Method::Pop | Method::Insert | Method::Remove, _) => {
                Some("a list that changes length")
            }
            _ => None,
        };
        if let (Some(b), None) = (bad, &why) {
            why = Some(b.to_string());
        }
    };
    for i in &p.code {
        if p.rows[i.row as usize].block == Block::Init {
            continue;
        }
        match &i.kind {
            InstrKind::Exec(s) => s.visit_exprs(&mut look),
            InstrKind::Test { cond, .. } => cond.visit(&mut look),
            InstrKind::Skip { .. } => {}
        }
    }
    for f in &p.procs {
        if let Some(e) = &f.inline {
            e.visit(&mut look);
        }
    }
    for inv in &p.invariants {
        inv.expr.visit(&mut look);
    }
    why
}

/// The deepest call stack a thread can have (column frame included), or None if multi-row
/// procedures call each other recursively.
fn max_frames(p: &Program) -> Option<u32> {
    // calls[b]: the procedures called from block b (procedures, then one entry for columns).
    let n = p.procs.len();
    let mut calls: Vec<Vec<u32>> = vec![Vec::new(); n + 1];
    for i in &p.code {
        let from = match p.rows[i.row as usize].block {
            Block::Proc(q) => q as usize,
            Block::Column(_) => n,
            Block::Init => continue,
        };
        if let InstrKind::Exec(s) = &i.kind {
            let s = match s {
                Stmt::IfInline(_, s) => &**s,
                s => s,
            };
            if let Stmt::Call { proc, .. } = s {
                calls[from].push(*proc);
            }
        }
    }
    // Depth of each procedure's deepest chain; 0 = unknown, u32::MAX = on the current path.
    fn depth(q: usize, calls: &[Vec<u32>], memo: &mut [u32]) -> Option<u32> {
        match memo[q] {
            u32::MAX => return None,
            0 => {}
            d => return Some(d),
        }
        memo[q] = u32::MAX;
        let mut d = 1;
        for &c in &calls[q] {
            d = d.max(1 + depth(c as usize, calls, memo)?);
        }
        memo[q] = d;
        Some(d)
    }
    let mut memo = vec![0; n + 1];
    depth(n, &calls, &mut memo)
}

impl Compiled {
    /// Compiles `m`'s program, or says why it cannot run on the compiled step.
    pub fn new(m: &Machine) -> Result<Compiled, String> {
        let p = &m.program;
        if let Some(why) = unsupported_code(p) {
            return Err(format!("the thread code has {why}"));
        }
        let max_frames = max_frames(p).ok_or("procedures call each other recursively")?;
        if max_frames as usize > m.config.limits.max_call_depth {
            return Err("calls nest deeper than the call depth limit".into());
        }
        let mut init: State = m.initial_state().clone();
        canonicalize_heap(&mut init);
        if shared_objects(&init) as usize != init.heap.len() {
            return Err("some objects are not reachable from the globals".into());
        }
        let mut objects = Vec::new();
        let mut fixed: Vec<Option<u32>> = Vec::new();
        let value_fixed = |v: Value| match v {
            Value::Ref(r) => Some(r),
            _ => None,
        };
        fixed.extend(init.globals.iter().map(|&v| value_fixed(v)));
        let threads = init.threads.len() as u32;
        let mut next = init.globals.len() as u32;
        for o in &init.heap {
            objects.push(match &**o {
                Object::List(items) => {
                    let base = next;
                    fixed.extend(items.iter().map(|&v| value_fixed(v)));
                    next += items.len() as u32;
                    Obj::List {
                        base,
                        len: items.len() as u32,
                    }
                }
                Object::Semaphore { fifo, .. } => {
                    let base = next;
                    fixed.extend(std::iter::repeat_n(None, 2 + threads as usize));
                    next += 2 + threads;
                    Obj::Sem { base, fifo: *fifo }
                }
                Object::Lightswitch { mutex, .. } => {
                    let base = next;
                    fixed.push(None);
                    next += 1;
                    Obj::Lightswitch {
                        base,
                        mutex: *mutex,
                    }
                }
                Object::Barrier { n, .. } => {
                    let base = next;
                    fixed.extend(std::iter::repeat_n(None, 2 + threads as usize));
                    next += 2 + threads;
                    Obj::Barrier { base, n: *n }
                }
            });
        }
        let max_locals = p.procs.iter().map(|q| q.locals.len()).max().unwrap_or(0) as u32;
        let mut frame_locals: Vec<u32> = p.procs.iter().map(|q| q.locals.len() as u32).collect();
        frame_locals.push(0);
        let end_pc = p.code.iter().map(|i| p.rows[i.row as usize].end).collect();
        let limit = m.config.limits.max_step_work;
        let watched = watched_slots(p, &init, &objects, next);
        let lightswitches = objects.iter().any(|o| matches!(o, Obj::Lightswitch { .. }));
        let mut c = Compiled {
            program: p.clone(),
            globals: init.globals.len() as u32,
            objects,
            fixed,
            shared_len: next,
            threads,
            ids: init.threads.iter().map(|t| (t.column, t.index)).collect(),
            attrs: p.self_attrs.len() as u32,
            max_frames,
            max_locals,
            tlen: 2 + p.self_attrs.len() as u32 + max_frames * (FRAME_HEADER + max_locals),
            flen: FRAME_HEADER + max_locals,
            lightswitches,
            frame_locals,
            end_pc,
            max_call_depth: m.config.limits.max_call_depth,
            // Longer steps go to the interpreter, which polls the search's interrupt.
            work_cap: limit.min(1000),
            empty_string: p.strings.iter().map(|s| s.is_empty()).collect(),
            total_threads: m.counts.iter().map(|&c| i64::from(c)).sum(),
            watched,
            layout: pack::Layout::default(),
            region: Arc::from(Vec::new()),
            decode1: Vec::new(),
            invariants: fold::invariants(p, &fold::constant_globals(p, &init.globals)),
            codes: pack::Codes::new(
                init.heap.len() as u32,
                (p.strings.len() + init.threads.len() + 1) as u32,
            ),
        };
        c.layout = pack::layout(&c);
        c.region = (0..c.thread_base(c.threads))
            .map(|i| match i.checked_sub(c.shared_len) {
                None => 0,
                Some(j) => 1 + j / c.thread_len(),
            })
            .collect();
        c.watched.resize(c.thread_base(c.threads) as usize, false);
        c.decode1 = (0..256).map(|b| c.codes.value(b)).collect();
        Ok(c)
    }

    #[inline]
    fn thread_len(&self) -> u32 {
        self.tlen
    }

    #[inline]
    fn thread_base(&self, t: u32) -> u32 {
        self.shared_len + t * self.tlen
    }

    #[inline]
    fn frame_base(&self, t: u32, k: u32) -> u32 {
        self.thread_base(t) + 2 + self.attrs + k * self.flen
    }

    fn locals_of(&self, proc: u32) -> u32 {
        if proc == NO_PROC {
            self.frame_locals[self.program.procs.len()]
        } else {
            self.frame_locals[proc as usize]
        }
    }

    /// A fresh flat state (no state loaded yet), with the slots that never change set
    /// (the references in the shared slots; every frame's lightswitch sub-step 0; the bottom
    /// frame's procedure, the column's).
    pub fn new_flat(&self) -> Flat {
        let words = self.thread_base(self.threads) as usize;
        let mut words = vec![Value::Unset; words];
        for (w, f) in words.iter_mut().zip(&self.fixed) {
            if let Some(r) = f {
                *w = Value::Ref(*r);
            }
        }
        for t in 0..self.threads {
            for k in 0..self.max_frames {
                words[self.frame_base(t, k) as usize + 2] = Value::Int(0);
            }
            // The bottom frame is always the column's.
            words[self.frame_base(t, 0) as usize] = Value::Int(i64::from(NO_PROC));
        }
        Flat {
            words,
            region: self.region.clone(),
            ..Flat::default()
        }
    }

    /// Loads a state written by [`crate::codec::encode`] (in canonical form). False if it does
    /// not fit the layout (the interpreter must expand it).
    pub fn load(&self, enc: &[u8], flat: &mut Flat) -> bool {
        if flat.words.len() != self.thread_base(self.threads) as usize {
            *flat = self.new_flat();
        }
        flat.parts.clear();
        let mut r = Reader { b: enc, i: 0 };
        self.load_all(&mut r, flat).is_some() && r.i == enc.len()
    }

    fn load_all(&self, r: &mut Reader, flat: &mut Flat) -> Option<()> {
        let heap = self.objects.len() as u64;
        let w = &mut flat.words;
        // A value that fits slot `i` (None = a slot that never holds a reference).
        let value = |r: &mut Reader, fixed: Option<Option<u32>>| -> Option<Value> {
            let v = r.value()?;
            match (v, fixed) {
                (Value::Ref(a), Some(Some(b))) if a == b => Some(v),
                (_, Some(Some(_))) | (Value::Ref(_), Some(None)) => None,
                (Value::Ref(a), None) if u64::from(a) >= heap => None,
                _ => Some(v),
            }
        };
        if r.get()? != u64::from(self.globals) {
            return None;
        }
        for (slot, fixed) in w.iter_mut().zip(&self.fixed[..self.globals as usize]) {
            *slot = value(r, Some(*fixed))?;
        }
        if r.get()? != heap {
            return None;
        }
        for o in &self.objects {
            let tag = r.byte()?;
            match *o {
                Obj::List { base, len } => {
                    if tag != 0 || r.get()? != u64::from(len) {
                        return None;
                    }
                    for i in base..base + len {
                        w[i as usize] = value(r, Some(self.fixed[i as usize]))?;
                    }
                }
                Obj::Sem { base, fifo } => {
                    if tag != if fifo { 2 } else { 1 } {
                        return None;
                    }
                    w[base as usize] = Value::Int(r.get_i()?);
                    load_queue(r, w, base, self.threads, !fifo)?;
                }
                Obj::Lightswitch { base, mutex } => {
                    if tag != 3 {
                        return None;
                    }
                    w[base as usize] = Value::Int(r.get_i()?);
                    if r.get()? != u64::from(mutex) {
                        return None;
                    }
                }
                Obj::Barrier { base, n } => {
                    if tag != 4 || r.get_i()? != n {
                        return None;
                    }
                    w[base as usize] = Value::Int(r.get_i()?);
                    load_queue(r, w, base, self.threads, true)?;
                }
            }
        }
        flat.parts.push((0, r.i as u32));
        if r.get()? != u64::from(self.threads) {
            return None;
        }
        for t in 0..self.threads {
            let start = r.i as u32;
            let (column, index) = self.ids[t as usize];
            if r.get()? != u64::from(column) || r.get()? != u64::from(index) {
                return None;
            }
            let b = self.thread_base(t) as usize;
            w[b] = match r.byte()? {
                0 => RUNNABLE,
                1 => {
                    let o = r.get()?;
                    if o >= heap {
                        return None;
                    }
                    Value::Ref(o as u32)
                }
                2 => DONE,
                _ => return None,
            };
            let frames = r.get()?;
            if frames > u64::from(self.max_frames) {
                return None;
            }
            w[b + 1] = Value::Int(frames as i64);
            for k in 0..frames as u32 {
                let f = self.frame_base(t, k) as usize;
                let proc = match r.get()? {
                    0 => NO_PROC,
                    q if q <= self.program.procs.len() as u64 => (q - 1) as u32,
                    _ => return None,
                };
                let pc = match r.get()? {
                    0 => END,
                    q if q <= self.program.code.len() as u64 => (q - 1) as u32,
                    _ => return None,
                };
                w[f] = Value::Int(i64::from(proc));
                w[f + 1] = Value::Int(i64::from(pc));
                w[f + 2] = Value::Int(i64::from(r.byte()?));
                w[f + 3] = value(r, None)?;
                w[f + 4] = value(r, None)?;
                if r.get()? != u64::from(self.locals_of(proc)) {
                    return None;
                }
                for i in 0..self.locals_of(proc) as usize {
                    w[f + 5 + i] = value(r, None)?;
                }
            }
            if r.get()? != u64::from(self.attrs) {
                return None;
            }
            for a in 0..self.attrs as usize {
                w[b + 2 + a] = value(r, None)?;
            }
            flat.parts.push((start, r.i as u32));
        }
        Some(())
    }

    /// Appends the shared part of the flat state's encoding (as [`crate::codec`] writes it).
    pub fn encode_shared(&self, flat: &Flat, out: &mut Vec<u8>) {
        let w = &flat.words;
        out.reserve(3 * self.shared_len as usize + 16);
        put(out, u64::from(self.globals));
        for &v in &w[..self.globals as usize] {
            put_value(out, v);
        }
        put(out, self.objects.len() as u64);
        for o in &self.objects {
            match *o {
                Obj::List { base, len } => {
                    out.push(0);
                    put(out, u64::from(len));
                    for &v in &w[base as usize..(base + len) as usize] {
                        put_value(out, v);
                    }
                }
                Obj::Sem { base, fifo } => {
                    out.push(if fifo { 2 } else { 1 });
                    put_i(out, int(w[base as usize]));
                    let n = int(w[base as usize + 1]) as usize;
                    put(out, n as u64);
                    for k in 0..n {
                        put(out, int(w[base as usize + 2 + k]) as u64);
                    }
                }
                Obj::Lightswitch { base, mutex } => {
                    out.push(3);
                    put_i(out, int(w[base as usize]));
                    put(out, u64::from(mutex));
                }
                Obj::Barrier { base, n } => {
                    out.push(4);
                    put_i(out, n);
                    put_i(out, int(w[base as usize]));
                    let len = int(w[base as usize + 1]) as usize;
                    put(out, len as u64);
                    for k in 0..len {
                        put(out, int(w[base as usize + 2 + k]) as u64);
                    }
                }
            }
        }
    }

    /// Appends thread `t`'s part of the flat state's encoding.
    pub fn encode_thread(&self, flat: &Flat, t: u32, out: &mut Vec<u8>) {
        let w = &flat.words;
        out.reserve(3 * self.thread_len() as usize + 16);
        let (column, index) = self.ids[t as usize];
        put(out, u64::from(column));
        put(out, u64::from(index));
        let b = self.thread_base(t) as usize;
        match w[b] {
            RUNNABLE => out.push(0),
            Value::Ref(o) => {
                out.push(1);
                put(out, u64::from(o));
            }
            _ => out.push(2),
        }
        let frames = int(w[b + 1]) as u32;
        put(out, u64::from(frames));
        for k in 0..frames {
            let f = self.frame_base(t, k) as usize;
            let proc = int(w[f]) as u32;
            let pc = int(w[f + 1]) as u32;
            put(
                out,
                if proc == NO_PROC {
                    0
                } else {
                    u64::from(proc) + 1
                },
            );
            put(out, if pc == END { 0 } else { u64::from(pc) + 1 });
            out.push(int(w[f + 2]) as u8);
            put_value(out, w[f + 3]);
            put_value(out, w[f + 4]);
            let n = self.locals_of(proc);
            put(out, u64::from(n));
            for &v in &w[f + 5..f + 5 + n as usize] {
                put_value(out, v);
            }
        }
        put(out, u64::from(self.attrs));
        for &v in &w[b + 2..b + 2 + self.attrs as usize] {
            put_value(out, v);
        }
    }

    /// Appends the whole encoding of the flat state (what [`crate::codec::encode`] writes).
    pub fn encode(&self, flat: &Flat, out: &mut Vec<u8>) {
        self.encode_shared(flat, out);
        put(out, u64::from(self.threads));
        for t in 0..self.threads {
            self.encode_thread(flat, t, out);
        }
    }

    pub fn threads(&self) -> u32 {
        self.threads
    }

    /// Calls `f` with the pc of every frame of every thread (for the rows a search reaches).
    pub fn for_each_pc(&self, flat: &Flat, mut f: impl FnMut(u32)) {
        for t in 0..self.threads {
            let frames = int(flat.words[self.thread_base(t) as usize + 1]) as u32;
            for k in 0..frames {
                f(int(flat.words[self.frame_base(t, k) as usize + 1]) as u32);
            }
        }
    }

    /// [`Machine::is_deadlock`] on the flat state.
    #[inline]
    pub fn is_deadlock(&self, flat: &Flat) -> bool {
        // Most steps leave their thread runnable: no deadlock then (inlined into the caller).
        if flat.stepped < self.threads
            && flat.words[self.thread_base(flat.stepped) as usize] == RUNNABLE
        {
            return false;
        }
        self.is_deadlock_slow(flat)
    }

    #[inline(never)]
    fn is_deadlock_slow(&self, flat: &Flat) -> bool {
        let w = &flat.words;
        let mut stuck = false;
        for t in 0..self.threads {
            let b = self.thread_base(t) as usize;
            match w[b] {
                RUNNABLE => return false,
                DONE => {}
                _ => {
                    let frames = int(w[b + 1]) as u32;
                    let at_end = frames > 0 && {
                        let pc = int(w[self.frame_base(t, frames - 1) as usize + 1]) as u32;
                        pc != END && self.end_pc[pc as usize]
                    };
                    stuck |= !at_end;
                }
            }
        }
        stuck
    }

    /// Every successor of the loaded state, in [`Machine::successors`]' order (by thread, then
    /// by choices), handed to `emit` while the flat state holds it; the state is restored
    /// afterwards. On [`Bail`] the flat state is restored too, and `emit` may have seen some
    /// of the successors: the caller drops them and runs the interpreter.
    pub fn successors(&self, flat: &mut Flat, emit: &mut dyn FnMut(Successor)) -> Result<(), Bail> {
        self.moves(flat, None, emit, &mut |_| {})
    }

    /// Thread `t`'s next step is local (as `Machine::next_is_local`).
    fn next_is_local(&self, flat: &Flat, local: &[bool], t: u32) -> bool {
        let w = &flat.words;
        let frames = int(w[self.thread_base(t) as usize + 1]) as u32;
        if w[self.thread_base(t) as usize] != RUNNABLE || frames == 0 {
            return false;
        }
        let f = self.frame_base(t, frames - 1) as usize;
        let pc = int(w[f + 1]) as usize;
        w[f + 3] == Value::Unset && local.get(pc).copied().unwrap_or(false)
    }

    /// With `local` (from [`crate::reduction::local_instructions`]): the moves of
    /// [`Machine::reduced_moves`] in its order, each handed to `emit` with the number of
    /// steps it took; `visit` sees the states passed through within a move. Without: every
    /// successor, as [`Compiled::successors`].
    pub fn moves(
        &self,
        flat: &mut Flat,
        local: Option<&[bool]>,
        emit: &mut dyn FnMut(Successor),
        visit: &mut dyn FnMut(&Flat),
    ) -> Result<(), Bail> {
        let only = local.and_then(|l| (0..self.threads).find(|&t| self.next_is_local(flat, l, t)));
        for t in 0..self.threads {
            if flat.words[self.thread_base(t) as usize] != RUNNABLE || only.is_some_and(|o| o != t)
            {
                continue;
            }
            flat.forced.clear();
            loop {
                flat.made.clear();
                flat.undo.clear();
                let mut ran = step::run_step(self, flat, t);
                let mut steps = 1;
                if let Some(local) = local {
                    let chosen = flat.made.len();
                    while ran.is_ok()
                        && steps <= MAX_LOCAL_RUN
                        && self.next_is_local(flat, local, t)
                    {
                        visit(flat);
                        ran = step::run_step(self, flat, t);
                        steps += 1;
                        // A local step makes no choices.
                        if flat.made.len() != chosen {
                            ran = Err(Bail);
                        }
                    }
                }
                if ran.is_err() {
                    undo(flat);
                    return Err(Bail);
                }
                flat.choices.clear();
                let Flat { choices, made, .. } = &mut *flat;
                choices.extend(made.iter().map(|c| c.0));
                flat.stepped = t;
                emit(Successor {
                    thread: t,
                    choices: &flat.choices,
                    steps,
                    flat,
                });
                undo(flat);
                // The next choice vector in odometer order (as the interpreter's Chooser).
                let Some(k) = flat.made.iter().rposition(|&(c, a)| c + 1 < a) else {
                    break;
                };
                flat.forced.clear();
                for i in 0..k {
                    let c = flat.made[i].0;
                    flat.forced.push(c);
                }
                let c = flat.made[k].0 + 1;
                flat.forced.push(c);
            }
        }
        Ok(())
    }

    /// The successors of an encoded state as whole encodings, or None if the compiled step
    /// does not cover it (for tests and tools; the checker uses [`Compiled::successors`]).
    pub fn successor_encodings(&self, enc: &[u8]) -> Option<Vec<(Transition, bool, Vec<u8>)>> {
        self.move_encodings(enc, None).map(|v| {
            v.into_iter()
                .map(|(mut t, d, b)| (t.remove(0), d, b))
                .collect()
        })
    }

    /// [`Compiled::moves`] of an encoded state as (transitions, deadlock, encoding), or None
    /// if the compiled step does not cover it.
    #[allow(clippy::type_complexity)]
    pub fn move_encodings(
        &self,
        enc: &[u8],
        local: Option<&[bool]>,
    ) -> Option<Vec<(Vec<Transition>, bool, Vec<u8>)>> {
        let mut flat = self.new_flat();
        if !self.load(enc, &mut flat) {
            return None;
        }
        let mut out = Vec::new();
        self.moves(
            &mut flat,
            local,
            &mut |s| {
                let mut bytes = Vec::new();
                self.encode(s.flat, &mut bytes);
                let mut trs = vec![s.transition()];
                trs.extend((1..s.steps).map(|_| Transition {
                    thread: s.thread,
                    choices: Vec::new(),
                }));
                out.push((trs, self.is_deadlock(s.flat), bytes));
            },
            &mut |_| {},
        )
        .ok()?;
        Some(out)
    }
}

/// The shared slots the invariants read: the globals they name (directly or in the one-line
/// functions they call) and every slot of the objects those reach. References in the shared
/// slots never change on the compiled step, so the set is fixed.
fn watched_slots(p: &Program, init: &State, objects: &[Obj], shared_len: u32) -> Vec<bool> {
    fn globals(p: &Program, e: &Expr, out: &mut Vec<u32>, depth: u32) {
        e.visit(&mut |x| match x {
            Expr::Global(g) if !out.contains(g) => out.push(*g),
            Expr::Func(f, _) if depth < 8 => {
                if let Some(body) = &p.procs[*f as usize].inline {
                    globals(p, body, out, depth + 1);
                }
            }
            _ => {}
        });
    }
    let mut watched = vec![false; shared_len as usize];
    let mut read = Vec::new();
    for inv in &p.invariants {
        globals(p, &inv.expr, &mut read, 0);
    }
    let mut todo: Vec<Value> = Vec::new();
    for &g in &read {
        watched[g as usize] = true;
        todo.push(init.globals[g as usize]);
    }
    let mut seen = vec![false; objects.len()];
    while let Some(v) = todo.pop() {
        let Value::Ref(r) = v else { continue };
        if std::mem::replace(&mut seen[r as usize], true) {
            continue;
        }
        let (base, len) = match objects[r as usize] {
            Obj::List { base, len } => {
                if let Object::List(items) = &*init.heap[r as usize] {
                    todo.extend(items.iter().copied());
                }
                (base, len)
            }
            Obj::Sem { base, .. } | Obj::Barrier { base, .. } => {
                (base, 2 + init.threads.len() as u32)
            }
            Obj::Lightswitch { base, mutex } => {
                todo.push(Value::Ref(mutex));
                (base, 1)
            }
        };
        watched[base as usize..(base + len) as usize]
            .iter_mut()
            .for_each(|w| *w = true);
    }
    watched
}

/// Reads a queue (its length, then thread numbers) into the slots from `base + 1`. A `sorted`
/// one (a weak semaphore's, a barrier's: sets the interpreter keeps in thread order) must be
/// strictly increasing: its packed form, a bitmask, holds no other order.
fn load_queue(
    r: &mut Reader,
    w: &mut [Value],
    base: u32,
    threads: u32,
    sorted: bool,
) -> Option<()> {
    let len = r.get()?;
    if len > u64::from(threads) {
        return None;
    }
    w[base as usize + 1] = Value::Int(len as i64);
    let mut prev = None;
    for k in 0..len as usize {
        let t = r.get()?;
        if t >= u64::from(threads) || (sorted && prev.is_some_and(|p| p >= t)) {
            return None;
        }
        prev = Some(t);
        w[base as usize + 2 + k] = Value::Int(t as i64);
    }
    Some(())
}

fn undo(flat: &mut Flat) {
    while let Some((i, v)) = flat.undo.pop() {
        flat.words[i as usize] = v;
    }
}

/// The integer in a structural slot (a semaphore's value, a pc...).
fn int(v: Value) -> i64 {
    match v {
        Value::Int(i) => i,
        _ => 0,
    }
}

/// Reads [`crate::codec`]'s encoding; None at the end of the input or on a malformed value.
struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let v = *self.b.get(self.i)?;
        self.i += 1;
        Some(v)
    }
    fn get(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift > 63 {
                return None;
            }
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
            shift += 7;
        }
    }
    fn get_i(&mut self) -> Option<i64> {
        let u = self.get()?;
        Some(((u >> 1) as i64) ^ -((u & 1) as i64))
    }
    fn value(&mut self) -> Option<Value> {
        Some(match self.byte()? {
            0 => Value::Unset,
            1 => Value::None,
            2 => Value::Bool(false),
            3 => Value::Bool(true),
            4 => Value::Int(self.get_i()?),
            5 => Value::Str(u32::try_from(self.get()?).ok()?),
            6 => Value::Ref(u32::try_from(self.get()?).ok()?),
            _ => return None,
        })
    }
}
