//! The successor function: for a state, every enabled transition and the state after it.
//! This is the only definition of what a Sync program does.

use std::sync::Arc;

use lbos_lang::program::{
    BinOp, Builtin, Const, END, Expr, InstrKind, Method, Pc, Program, Stmt, Target, UnOp,
};
use serde::{Deserialize, Serialize};

use crate::config::{Config, SemaphoreModel, thread_counts};
use crate::state::{Frame, NO_PROC, Object, State, Status, Thread, Value};

/// One scheduling decision: which thread steps, and the index of each nondeterministic choice
/// made inside the step (which waiter a weak semaphore wakes, which value `random.choice`
/// gives). Choices with a single alternative are not recorded.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Transition {
    pub thread: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultKind {
    Assertion,
    Invariant,
    Error,
}

/// A step (or the initial state) that violates a property or cannot be executed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub kind: FaultKind,
    /// The thread that took the step (None for the initialization block and invariants).
    pub thread: Option<u32>,
    /// The source line of the row (or invariant).
    pub line: Option<u32>,
    pub message: String,
}

/// Something observable that happened during a step (recorded only when asked for).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Blocked { thread: u32, object: u32 },
    Woke { thread: u32, object: u32 },
    Print { text: String },
    Action { name: String, args: Vec<String> },
    Chose { choice: String },
    Balked { thread: u32 },
    Finished { thread: u32 },
    Called { thread: u32, procedure: String },
    Returned { thread: u32, procedure: String },
}

/// The result of applying one transition.
#[derive(Clone, Debug)]
pub struct Applied {
    pub outcome: Result<State, Fault>,
    pub events: Vec<Event>,
}

/// A program instantiated with thread counts and a semaphore model, with its initial state.
#[derive(Debug)]
pub struct Machine {
    pub program: Arc<Program>,
    pub counts: Vec<u32>,
    pub config: Config,
    /// Program strings followed by thread names ("0" for the initialization block).
    strings: Vec<String>,
    init: State,
    /// The globals the `## Invariant` lines read (directly or in the functions they call).
    invariant_globals: Vec<u32>,
}

/// Error building a machine: bad configuration or a fault in the initialization block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetupError {
    Config(String),
    Init(Fault),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::Config(s) => write!(f, "{s}"),
            SetupError::Init(fault) => match fault.line {
                Some(l) => write!(
                    f,
                    "the initialization block fails at line {l}: {}",
                    fault.message
                ),
                None => write!(f, "the initialization block fails: {}", fault.message),
            },
        }
    }
}

impl std::error::Error for SetupError {}

/// Thread names as in Sync.py: A, B, ..., Z, then AA, AB, ...
pub fn thread_name(i: usize) -> String {
    if i < 26 {
        ((b'A' + i as u8) as char).to_string()
    } else {
        format!("{}{}", thread_name(i / 26 - 1), thread_name(i % 26))
    }
}

/// Takes thread `t` out of `st` to run it (a copy if another state shares it), leaving a
/// placeholder.
fn take_thread(st: &mut State, t: usize) -> Thread {
    static PLACEHOLDER: std::sync::OnceLock<Arc<Thread>> = std::sync::OnceLock::new();
    let placeholder = PLACEHOLDER.get_or_init(|| Arc::new(Thread::placeholder()));
    Arc::unwrap_or_clone(std::mem::replace(&mut st.threads[t], placeholder.clone()))
}

/// The globals the invariants read, directly or through the one-line functions they call.
fn invariant_globals(p: &Program) -> Vec<u32> {
    fn visit(p: &Program, e: &Expr, out: &mut Vec<u32>, depth: u32) {
        e.visit(&mut |x| match x {
            Expr::Global(g) if !out.contains(g) => out.push(*g),
            Expr::Func(f, _) if depth < 8 => {
                if let Some(body) = &p.procs[*f as usize].inline {
                    visit(p, body, out, depth + 1);
                }
            }
            _ => {}
        });
    }
    let mut out = Vec::new();
    for inv in &p.invariants {
        visit(p, &inv.expr, &mut out, 0);
    }
    out
}

impl Machine {
    pub fn new(program: Arc<Program>, config: Config) -> Result<Machine, SetupError> {
        let counts = thread_counts(&program, &config.threads).map_err(SetupError::Config)?;
        let total: u64 = counts.iter().map(|&c| u64::from(c)).sum(); // u32 would wrap
        if total > u64::from(config.limits.max_threads) {
            return Err(SetupError::Config(format!(
                "{total} threads requested; at most {} are supported",
                config.limits.max_threads
            )));
        }
        let mut strings = program.strings.clone();
        strings.push("0".to_string());
        for i in 0..config.limits.max_threads as usize {
            strings.push(thread_name(i));
        }
        let mut m = Machine {
            program,
            counts,
            config,
            strings,
            init: State {
                globals: Vec::new(),
                heap: Vec::new(),
                threads: Vec::new(),
            },
            invariant_globals: Vec::new(),
        };
        m.invariant_globals = invariant_globals(&m.program);
        m.init = m.run_init().map_err(SetupError::Init)?;
        Ok(m)
    }

    pub fn string(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    pub fn thread_name(&self, t: u32) -> &str {
        &self.strings[self.program.strings.len() + 1 + t as usize]
    }

    fn thread_name_id(&self, t: Option<u32>) -> u32 {
        self.program.strings.len() as u32 + t.map_or(0, |t| t + 1)
    }

    /// The row thread `t` sits on (its innermost frame's), if it has one.
    fn current_row(&self, state: &State, t: usize) -> Option<&lbos_lang::program::Row> {
        let pc = state.threads.get(t)?.pc()?;
        (pc != END).then(|| self.program.row_of(pc))
    }

    /// Thread `t` waits at a valid end row (`# end`, or the top of a `(server)` loop).
    pub fn at_end_row(&self, state: &State, t: usize) -> bool {
        matches!(
            state.threads.get(t).map(|th| th.status),
            Some(Status::Blocked(_))
        ) && self.current_row(state, t).is_some_and(|r| r.end)
    }

    /// Thread `t` sits on a progress row (`# progress`).
    pub fn at_progress_row(&self, state: &State, t: usize) -> bool {
        self.current_row(state, t).is_some_and(|r| r.progress)
    }

    /// No thread can move, and some thread is neither done nor waiting at a valid end row.
    pub fn is_deadlock(&self, state: &State) -> bool {
        state.runnable().next().is_none()
            && (0..state.threads.len())
                .any(|t| state.threads[t].status != Status::Done && !self.at_end_row(state, t))
    }

    /// A state where no thread can move and every thread is done or waits at an end row.
    pub fn is_valid_end(&self, state: &State) -> bool {
        state.runnable().next().is_none() && !self.is_deadlock(state)
    }

    /// The state after the initialization block, with every thread at its first row.
    pub fn initial_state(&self) -> &State {
        &self.init
    }

    fn new_thread(&self, column: u32, index: u32) -> Thread {
        let entry = self.program.columns[column as usize].entry;
        let mut t = Thread {
            column,
            index,
            status: Status::Runnable,
            frames: vec![Frame {
                proc: NO_PROC,
                pc: entry,
                sub: 0,
                held: [Value::Unset; 2],
                locals: Vec::new(),
            }],
            attrs: vec![Value::Unset; self.program.self_attrs.len()],
        };
        if entry == END {
            t.frames.clear();
            t.status = Status::Done;
        }
        t
    }

    fn run_init(&self) -> Result<State, Fault> {
        let p = &self.program;
        let mut state = State {
            globals: vec![Value::Unset; p.globals.len()],
            heap: Vec::new(),
            threads: Vec::new(),
        };
        let mut init_thread = Thread {
            column: u32::MAX,
            index: 0,
            status: Status::Runnable,
            frames: vec![Frame {
                proc: NO_PROC,
                pc: p.init_entry,
                sub: 0,
                held: [Value::Unset; 2],
                locals: Vec::new(),
            }],
            attrs: vec![Value::Unset; p.self_attrs.len()],
        };
        if p.init_entry == END {
            init_thread.status = Status::Done;
        }
        let mut steps = 0;
        while init_thread.status == Status::Runnable {
            steps += 1;
            if steps > self.config.limits.max_init_steps {
                return Err(Fault {
                    kind: FaultKind::Error,
                    thread: None,
                    line: None,
                    message: format!(
                        "the initialization block did not finish within {} steps",
                        self.config.limits.max_init_steps
                    ),
                });
            }
            let mut chooser = Chooser::forbidding();
            let mut ex = Exec::new(self, state, init_thread, None, &mut chooser, None);
            let r = ex.step();
            let line = ex.line();
            state = ex.st;
            init_thread = ex.cur;
            if let Err(message) = r {
                let kind = if message.starts_with(ASSERT_PREFIX) {
                    FaultKind::Assertion
                } else {
                    FaultKind::Error
                };
                let message = message.trim_start_matches(ASSERT_PREFIX).to_string();
                return Err(Fault {
                    kind,
                    thread: None,
                    line,
                    message,
                });
            }
            if let Status::Blocked(obj) = init_thread.status {
                return Err(Fault {
                    kind: FaultKind::Error,
                    thread: None,
                    line,
                    message: format!(
                        "the initialization block cannot block (it waits on {})",
                        crate::describe::object_name(self, &state, obj)
                    ),
                });
            }
        }
        for (c, &n) in self.counts.iter().enumerate() {
            for i in 0..n {
                state.threads.push(Arc::new(self.new_thread(c as u32, i)));
            }
        }
        Ok(state)
    }

    /// Adds a thread at the top of `column` (Sync.py's "Create thread").
    pub fn spawn(&self, state: &State, column: u32) -> Result<State, String> {
        if column as usize >= self.program.columns.len() {
            return Err(format!("no column {}", column + 1));
        }
        if state.threads.len() >= self.config.limits.max_threads as usize {
            return Err(format!(
                "at most {} threads are supported",
                self.config.limits.max_threads
            ));
        }
        let index = state.threads.iter().filter(|t| t.column == column).count() as u32;
        let mut s = state.clone();
        s.threads.push(Arc::new(self.new_thread(column, index)));
        Ok(s)
    }

    /// Every enabled transition of `state` with its outcome, in a deterministic order: by
    /// thread, then by choice indices.
    pub fn successors(&self, state: &State, out: &mut Vec<(Transition, Result<State, Fault>)>) {
        for t in state.runnable() {
            self.thread_successors(state, t, out);
        }
    }

    /// The transitions of one runnable thread (one per combination of choices).
    pub fn thread_successors(
        &self,
        state: &State,
        t: usize,
        out: &mut Vec<(Transition, Result<State, Fault>)>,
    ) {
        let mut forced: Vec<u32> = Vec::new();
        loop {
            let mut chooser = Chooser::forced(&forced);
            let result = self.exec(state, t as u32, &mut chooser, None, true);
            let choices: Vec<u32> = chooser.made.iter().map(|c| c.0).collect();
            out.push((
                Transition {
                    thread: t as u32,
                    choices,
                },
                result,
            ));
            match chooser.next_forced() {
                Some(f) => forced = f,
                None => break,
            }
        }
    }

    /// Applies one transition, recording events. Errors if the transition is not enabled.
    pub fn apply(&self, state: &State, tr: &Transition) -> Result<Applied, String> {
        let t = tr.thread as usize;
        let Some(thread) = state.threads.get(t) else {
            return Err(format!("there is no thread {}", thread_name(t)));
        };
        match thread.status {
            Status::Runnable => {}
            Status::Done => return Err(format!("thread {} is done", self.thread_name(t as u32))),
            Status::Blocked(obj) => {
                return Err(format!(
                    "thread {} cannot move: it is blocked on {}",
                    self.thread_name(t as u32),
                    crate::describe::object_name(self, state, obj)
                ));
            }
        }
        let mut chooser = Chooser::forced(&tr.choices);
        let mut events = Vec::new();
        let outcome = self.exec(state, tr.thread, &mut chooser, Some(&mut events), false);
        if let Some(bad) = chooser.invalid {
            return Err(bad);
        }
        if chooser.made.len() < tr.choices.len() {
            return Err(format!(
                "the step of {} makes {} choice(s), not {}",
                self.thread_name(tr.thread),
                chooser.made.len(),
                tr.choices.len()
            ));
        }
        Ok(Applied { outcome, events })
    }

    /// The number of alternatives of each choice the step of `thread` makes when it takes
    /// the given (possibly partial) choices; used by interactive front ends to offer a pick.
    pub fn choice_arities(&self, state: &State, thread: u32, choices: &[u32]) -> Vec<u32> {
        let mut chooser = Chooser::forced(choices);
        let _ = self.exec(state, thread, &mut chooser, None, false);
        chooser.made.iter().map(|c| c.1).collect()
    }

    /// One step of thread `t`. When `state` is known to satisfy the invariants (`state_ok`,
    /// as every state the checker expands does), they are evaluated again only if the step
    /// changed data they read.
    fn exec(
        &self,
        state: &State,
        t: u32,
        chooser: &mut Chooser,
        events: Option<&mut Vec<Event>>,
        state_ok: bool,
    ) -> Result<State, Fault> {
        let mut st = state.clone();
        let cur = take_thread(&mut st, t as usize);
        let mut ex = Exec::new(self, st, cur, Some(t), chooser, events);
        let line = ex.line();
        match ex.step() {
            Ok(()) => {
                let mut st = ex.st;
                st.threads[t as usize] = Arc::new(ex.cur);
                if state_ok && self.invariant_inputs_equal(state, &st) {
                    return Ok(st);
                }
                self.check_invariants_owned(st)
            }
            Err(message) => {
                let kind = if message.starts_with(ASSERT_PREFIX) {
                    FaultKind::Assertion
                } else {
                    FaultKind::Error
                };
                Err(Fault {
                    kind,
                    thread: Some(t),
                    line,
                    message: message.trim_start_matches(ASSERT_PREFIX).to_string(),
                })
            }
        }
    }

    /// Whether the invariants read the same data in `a` and `b`: the globals they name, the
    /// objects reachable from those, and the number of threads.
    fn invariant_inputs_equal(&self, a: &State, b: &State) -> bool {
        if a.threads.len() != b.threads.len() {
            return false;
        }
        let mut todo: Vec<Value> = Vec::new();
        for &g in &self.invariant_globals {
            let (x, y) = (a.globals[g as usize], b.globals[g as usize]);
            if x != y {
                return false;
            }
            todo.push(x);
        }
        let mut seen: Vec<u32> = Vec::new();
        while let Some(v) = todo.pop() {
            let Value::Ref(r) = v else { continue };
            if seen.contains(&r) {
                continue;
            }
            seen.push(r);
            let (Some(x), Some(y)) = (a.object(r as usize), b.object(r as usize)) else {
                return false;
            };
            if x != y {
                return false;
            }
            match x {
                Object::List(items) => todo.extend(items.iter().copied()),
                Object::Lightswitch { mutex, .. } => todo.push(Value::Ref(*mutex)),
                Object::Semaphore { .. } | Object::Barrier { .. } => {}
            }
        }
        true
    }

    /// Checks every `## Invariant` line on a state.
    pub fn check_invariants(&self, state: &State) -> Result<(), Fault> {
        if self.program.invariants.is_empty() {
            return Ok(());
        }
        self.check_invariants_owned(state.clone()).map(drop)
    }

    /// Checks the invariants on a state it owns, and gives the state back unchanged.
    fn check_invariants_owned(&self, state: State) -> Result<State, Fault> {
        if self.program.invariants.is_empty() {
            return Ok(state);
        }
        let mut chooser = Chooser::forbidding();
        let cur = Thread::placeholder();
        let heap_len = state.heap.len();
        let mut ex = Exec::new(self, state, cur, None, &mut chooser, None);
        for inv in &self.program.invariants {
            // Read the verdict before dropping what the invariant built: the
            // value may be one of those objects (`done < 2 or [1]`).
            let result = ex.eval(&inv.expr).map(|v| ex.truthy(v));
            // Objects an invariant builds (a list literal) are not part of the state.
            ex.st.heap.truncate(heap_len);
            match result {
                Ok(true) => {}
                Ok(false) => {
                    return Err(Fault {
                        kind: FaultKind::Invariant,
                        thread: None,
                        line: Some(inv.line),
                        message: format!("invariant `{}` is violated", inv.text),
                    });
                }
                Err(message) => {
                    return Err(Fault {
                        kind: FaultKind::Error,
                        thread: None,
                        line: Some(inv.line),
                        message: format!("invariant `{}` cannot be evaluated: {message}", inv.text),
                    });
                }
            }
        }
        Ok(ex.st)
    }

    /// Formats a value for messages and displays (`repr` style: strings quoted).
    pub fn show(&self, state: &State, v: Value) -> String {
        crate::describe::show_value(self, state, v, true)
    }
}

const ASSERT_PREFIX: &str = "\u{0}assert:";

/// Supplies the indices of nondeterministic choices and records the alternatives seen.
struct Chooser {
    forced: Vec<u32>,
    made: Vec<(u32, u32)>,
    forbid: bool,
    invalid: Option<String>,
}

impl Chooser {
    fn forced(f: &[u32]) -> Self {
        Chooser {
            forced: f.to_vec(),
            made: Vec::new(),
            forbid: false,
            invalid: None,
        }
    }
    fn forbidding() -> Self {
        Chooser {
            forced: Vec::new(),
            made: Vec::new(),
            forbid: true,
            invalid: None,
        }
    }
    fn choose(&mut self, arity: u32) -> Result<u32, String> {
        if arity <= 1 {
            return Ok(0);
        }
        if self.forbid {
            return Err("nondeterministic choices are not allowed here (the initialization block and invariants must be deterministic)".into());
        }
        let k = self.made.len();
        let c = match self.forced.get(k) {
            Some(&c) if c < arity => c,
            Some(&c) => {
                self.invalid = Some(format!(
                    "choice {c} is out of range: this step has {arity} alternatives"
                ));
                0
            }
            None => 0,
        };
        self.made.push((c, arity));
        Ok(c)
    }
    /// The next choice vector in odometer order, or None when all have been produced.
    fn next_forced(&self) -> Option<Vec<u32>> {
        let k = self.made.iter().rposition(|&(c, a)| c + 1 < a)?;
        let mut f: Vec<u32> = self.made[..k].iter().map(|c| c.0).collect();
        f.push(self.made[k].0 + 1);
        Some(f)
    }
}

/// Outcome of executing a statement.
enum Flow {
    Next,
    Blocked,
    /// The row is not finished: more sub-steps follow (lightswitch).
    Stay,
    Jump(Pc),
    Return(Value),
    Call,
    Balk,
}

type R<T> = Result<T, String>;

/// Executes one step of one thread on a private copy of the state.
struct Exec<'a, 'c> {
    m: &'a Machine,
    st: State,
    /// The stepping thread, taken out of `st.threads`.
    cur: Thread,
    tid: Option<u32>,
    chooser: &'c mut Chooser,
    events: Option<&'c mut Vec<Event>>,
    comp: Vec<Value>,
    fn_locals: Vec<Vec<Value>>,
    depth: usize,
    /// Work done so far in this step (see [`crate::budget`]).
    work: u64,
}

impl<'a, 'c> Exec<'a, 'c> {
    fn new(
        m: &'a Machine,
        st: State,
        cur: Thread,
        tid: Option<u32>,
        chooser: &'c mut Chooser,
        events: Option<&'c mut Vec<Event>>,
    ) -> Self {
        Exec {
            m,
            st,
            cur,
            tid,
            chooser,
            events,
            comp: Vec::new(),
            fn_locals: Vec::new(),
            depth: 0,
            work: 0,
        }
    }
}

impl Exec<'_, '_> {
    fn p(&self) -> &Program {
        &self.m.program
    }

    fn line(&self) -> Option<u32> {
        let pc = self.cur.frames.last()?.pc;
        if pc == END {
            return None;
        }
        Some(self.m.program.row_of(pc).line)
    }

    fn event(&mut self, e: Event) {
        if let Some(ev) = self.events.as_deref_mut() {
            ev.push(e);
        }
    }

    fn show(&self, v: Value) -> String {
        crate::describe::show_value(self.m, &self.st, v, true)
    }

    /// Counts `units` of work against the step's budget, and polls the interrupt now and then.
    fn spend(&mut self, units: u64) -> R<()> {
        let before = self.work;
        self.work += units;
        let limit = self.m.config.limits.max_step_work;
        if self.work > limit {
            return Err(format!(
                "this step does more than {limit} operations (unbounded recursion, or a list too large to build in one step?)"
            ));
        }
        if before >> 10 != self.work >> 10 && crate::budget::interrupted() {
            return Err(crate::budget::INTERRUPTED.to_string());
        }
        Ok(())
    }

    fn alloc(&mut self, o: Object) -> R<Value> {
        if let Object::List(items) = &o {
            self.spend(items.len() as u64)?;
        }
        if self.st.heap.len() >= self.m.config.limits.max_objects {
            return Err(format!(
                "too many objects (the limit is {})",
                self.m.config.limits.max_objects
            ));
        }
        self.st.heap.push(Arc::new(o));
        Ok(Value::Ref((self.st.heap.len() - 1) as u32))
    }

    fn new_semaphore(&mut self, value: i64, fifo: bool) -> R<Value> {
        let fifo = fifo || self.m.config.semaphores == SemaphoreModel::Fifo;
        self.alloc(Object::Semaphore {
            value,
            fifo,
            queue: Vec::new(),
        })
    }

    fn step(&mut self) -> R<()> {
        let frame = self
            .cur
            .frames
            .last()
            .expect("a runnable thread has a frame");
        let pc = frame.pc;
        let m = self.m;
        let instr = m.program.instr(pc);
        match &instr.kind {
            InstrKind::Skip { target } => self.set_pc(*target),
            InstrKind::Test { cond, on_false } => {
                let v = self.eval(cond)?;
                let next = if self.truthy(v) {
                    instr.next
                } else {
                    *on_false
                };
                self.set_pc(next);
            }
            InstrKind::Exec(stmt) => match self.exec_stmt(stmt)? {
                Flow::Next => self.set_pc(instr.next),
                Flow::Jump(t) => self.set_pc(t),
                Flow::Blocked | Flow::Stay | Flow::Call => {}
                Flow::Return(v) => self.do_return(v)?,
                Flow::Balk => {
                    self.cur.frames.clear();
                    self.cur.status = Status::Done;
                    if let Some(t) = self.tid {
                        self.event(Event::Balked { thread: t });
                    }
                }
            },
        }
        self.finish_frames()
    }

    fn set_pc(&mut self, pc: Pc) {
        let f = self.cur.frames.last_mut().unwrap();
        f.pc = pc;
        f.sub = 0;
        f.held = [Value::Unset; 2];
    }

    /// Pops finished procedure frames and marks the thread done when its column ends.
    fn finish_frames(&mut self) -> R<()> {
        while let Some(f) = self.cur.frames.last() {
            if f.pc != END {
                return Ok(());
            }
            if self.cur.frames.len() == 1 {
                self.cur.frames.clear();
                self.cur.status = Status::Done;
                if let Some(t) = self.tid {
                    self.event(Event::Finished { thread: t });
                }
                return Ok(());
            }
            self.do_return(Value::None)?;
        }
        Ok(())
    }

    fn do_return(&mut self, v: Value) -> R<()> {
        let f = self.cur.frames.pop().expect("return from a frame");
        if let Some(t) = self.tid {
            let name = self.m.program.procs[f.proc as usize].name.clone();
            self.event(Event::Returned {
                thread: t,
                procedure: name,
            });
        }
        let caller_pc = self.cur.frames.last().expect("a procedure has a caller").pc;
        let m = self.m;
        let instr = m.program.instr(caller_pc);
        if let InstrKind::Exec(stmt) = &instr.kind {
            let call = match stmt {
                Stmt::IfInline(_, s) => &**s,
                s => s,
            };
            if let Stmt::Call {
                dest: Some(dest), ..
            } = call
            {
                self.assign(dest, v)?;
            }
        }
        self.set_pc(instr.next);
        self.finish_frames()
    }

    fn exec_stmt(&mut self, s: &Stmt) -> R<Flow> {
        match s {
            Stmt::Nop => Ok(Flow::Next),
            Stmt::Jump(t) => Ok(Flow::Jump(*t)),
            Stmt::Return(e) => {
                let v = match e {
                    Some(e) => self.eval(e)?,
                    None => Value::None,
                };
                Ok(Flow::Return(v))
            }
            Stmt::Assert(c, msg) => {
                let v = self.eval(c)?;
                if self.truthy(v) {
                    return Ok(Flow::Next);
                }
                let text = match msg {
                    Some(m) => {
                        let mv = self.eval(m)?;
                        crate::describe::show_value(self.m, &self.st, mv, false)
                    }
                    None => {
                        let row = self
                            .line()
                            .and_then(|l| self.p().source.lines().nth(l as usize - 1))
                            .unwrap_or("")
                            .trim()
                            .to_string();
                        format!("`{row}` failed")
                    }
                };
                Err(format!("{ASSERT_PREFIX}{text}"))
            }
            Stmt::IfInline(c, body) => {
                let v = self.eval(c)?;
                match &**body {
                    _ if !self.truthy(v) => Ok(Flow::Next),
                    // One step only: a lightswitch's multi-step `signal(sem)` is refused here
                    // (the condition would be re-evaluated between its sub-steps).
                    Stmt::Expr(e @ Expr::Method(_, Method::Signal, _)) => {
                        self.eval(e)?;
                        Ok(Flow::Next)
                    }
                    body => self.exec_stmt(body),
                }
            }
            Stmt::Assign(targets, e) => {
                let v = self.eval(e)?;
                for t in targets {
                    self.assign(t, v)?;
                }
                Ok(Flow::Next)
            }
            Stmt::AugAssign(t, op, e) => {
                let old = self.read_target(t)?;
                let rhs = self.eval(e)?;
                let v = self.binary(*op, old, rhs)?;
                self.assign(t, v)?;
                Ok(Flow::Next)
            }
            Stmt::Call {
                proc,
                args,
                dest: _,
            } => {
                let p = &self.m.program.procs[*proc as usize];
                let (entry, nlocals, name) = (p.entry, p.locals.len(), p.name.clone());
                let mut locals = Vec::with_capacity(nlocals);
                for a in args {
                    locals.push(self.eval(a)?);
                }
                locals.resize(nlocals, Value::Unset);
                if self.cur.frames.len() >= self.m.config.limits.max_call_depth {
                    return Err(format!(
                        "calls nest deeper than {} (unbounded recursion?)",
                        self.m.config.limits.max_call_depth
                    ));
                }
                self.cur.frames.push(Frame {
                    proc: *proc,
                    pc: entry,
                    sub: 0,
                    held: [Value::Unset; 2],
                    locals,
                });
                if let Some(t) = self.tid {
                    self.event(Event::Called {
                        thread: t,
                        procedure: name,
                    });
                }
                Ok(Flow::Call)
            }
            Stmt::Expr(Expr::Method(obj, method, args)) if method.runs_as_statement(args.len()) => {
                self.blocking_method(obj, *method, args)
            }
            Stmt::Expr(Expr::Builtin(Builtin::Balk, _)) => Ok(Flow::Balk),
            Stmt::Expr(e) => {
                self.eval(e)?;
                Ok(Flow::Next)
            }
        }
    }

    fn object(&self, v: Value, what: impl std::fmt::Display) -> R<u32> {
        match v {
            Value::Ref(r) => Ok(r),
            other => Err(format!(
                "{what} needs an object, but the value is {}",
                self.show(other)
            )),
        }
    }

    fn blocking_method(&mut self, obj: &Expr, method: Method, args: &[Expr]) -> R<Flow> {
        // A lightswitch call in progress continues with its stored operands.
        let held = self.cur.frames.last().unwrap().held;
        if held[0] != Value::Unset {
            let (ls, sem) = (self.object(held[0], "lock")?, self.object(held[1], "lock")?);
            return self.lightswitch_step(ls, sem, method);
        }
        let target = self.eval(obj)?;
        let r = self.object(target, format_args!("`{}`", method_name(method)))?;
        let argv = args.iter().map(|a| self.eval(a)).collect::<R<Vec<_>>>()?;
        match (&*self.st.heap[r as usize], method) {
            (Object::Semaphore { .. }, Method::Wait) => {
                if !argv.is_empty() {
                    return Err("`wait()` takes no arguments".into());
                }
                self.sem_wait(r)
            }
            (Object::Semaphore { .. }, Method::Signal) => {
                self.method(target, method, &argv)?;
                Ok(Flow::Next)
            }
            (Object::Barrier { .. }, Method::Wait) => {
                if !argv.is_empty() {
                    return Err("a barrier's `wait()` takes no arguments".into());
                }
                self.barrier_wait(r)
            }
            (
                Object::Lightswitch { .. },
                Method::Lock | Method::Unlock | Method::Wait | Method::Signal,
            ) => {
                let [sem] = argv[..] else {
                    return Err("a lightswitch's `lock`/`unlock` takes one semaphore".into());
                };
                let semr = self.object(sem, "lock")?;
                if !matches!(*self.st.heap[semr as usize], Object::Semaphore { .. }) {
                    return Err(format!(
                        "a lightswitch guards a semaphore, not {}",
                        self.show(sem)
                    ));
                }
                let f = self.cur.frames.last_mut().unwrap();
                f.held = [target, sem];
                f.sub = 0;
                let method = match method {
                    Method::Wait => Method::Lock,
                    Method::Signal => Method::Unlock,
                    m => m,
                };
                self.lightswitch_step(r, semr, method)
            }
            (o, m) => Err(format!("{} has no method `{}`", o.kind(), method_name(m))),
        }
    }

    /// One sub-step of the book's Lightswitch: 0 wait on its mutex, 1 update the counter,
    /// 2 first in waits on / last out signals the semaphore, 3 signal the mutex.
    fn lightswitch_step(&mut self, ls: u32, sem: u32, method: Method) -> R<Flow> {
        let sub = self.cur.frames.last().unwrap().sub;
        let Object::Lightswitch { counter, mutex } = *self.st.heap[ls as usize] else {
            return Err("lightswitch operands changed".into());
        };
        let lock = matches!(method, Method::Lock | Method::Wait);
        match sub {
            0 => match self.sem_wait(mutex)? {
                Flow::Blocked => Ok(Flow::Blocked),
                _ => {
                    self.cur.frames.last_mut().unwrap().sub = 1;
                    Ok(Flow::Stay)
                }
            },
            1 => {
                let c = if lock {
                    counter.checked_add(1)
                } else {
                    counter.checked_sub(1)
                }
                .ok_or("integer overflow")?;
                if let Object::Lightswitch { counter, .. } = self.st.object_mut(ls as usize) {
                    *counter = c;
                }
                self.cur.frames.last_mut().unwrap().sub = 2;
                Ok(Flow::Stay)
            }
            2 => {
                if lock && counter == 1 {
                    if let Flow::Blocked = self.sem_wait(sem)? {
                        return Ok(Flow::Blocked);
                    }
                } else if !lock && counter == 0 {
                    self.sem_signal(sem, 1)?;
                }
                self.cur.frames.last_mut().unwrap().sub = 3;
                Ok(Flow::Stay)
            }
            _ => {
                self.sem_signal(mutex, 1)?;
                Ok(Flow::Next)
            }
        }
    }

    fn sem_wait(&mut self, r: u32) -> R<Flow> {
        let tid = self.tid;
        let Object::Semaphore { value, fifo, queue } = self.st.object_mut(r as usize) else {
            unreachable!("checked by the caller")
        };
        *value = value.checked_sub(1).ok_or("integer overflow")?;
        if *value >= 0 {
            return Ok(Flow::Next);
        }
        let Some(t) = tid else {
            self.cur.status = Status::Blocked(r);
            return Ok(Flow::Blocked);
        };
        enqueue(queue, t, *fifo);
        Ok(self.block_on(r))
    }

    /// Marks the current thread blocked in the queue of `r` (it is already queued).
    fn block_on(&mut self, r: u32) -> Flow {
        self.cur.status = Status::Blocked(r);
        if let Some(t) = self.tid {
            self.event(Event::Blocked {
                thread: t,
                object: r,
            });
        }
        Flow::Blocked
    }

    fn sem_signal(&mut self, r: u32, k: i64) -> R<()> {
        if k < 0 {
            return Err(format!("cannot signal a negative number of times ({k})"));
        }
        let Object::Semaphore { value, fifo, queue } = self.st.object_mut(r as usize) else {
            unreachable!("checked by the caller")
        };
        *value = value.checked_add(k).ok_or("integer overflow")?;
        let wake = (k as usize).min(queue.len());
        if wake == 0 {
            return Ok(());
        }
        let woken: Vec<u32> = if *fifo {
            queue.drain(..wake).collect()
        } else {
            let n = queue.len();
            let arity = binomial(n, wake).min(u32::MAX as u64) as u32;
            let pick = self.chooser.choose(arity)?;
            let idx = nth_combination(n, wake, pick as u64);
            let Object::Semaphore { queue, .. } = self.st.object_mut(r as usize) else {
                unreachable!()
            };
            let chosen: Vec<u32> = idx.iter().map(|&i| queue[i]).collect();
            queue.retain(|q| !chosen.contains(q));
            chosen
        };
        for t in woken {
            self.wake(t, r)?;
        }
        Ok(())
    }

    fn barrier_wait(&mut self, r: u32) -> R<Flow> {
        let tid = self
            .tid
            .ok_or("the initialization block cannot wait on a barrier")?;
        let Object::Barrier { n, count, queue } = self.st.object_mut(r as usize) else {
            unreachable!()
        };
        *count += 1;
        if *count >= *n {
            *count = 0;
            let woken = std::mem::take(queue);
            for t in woken {
                self.wake(t, r)?;
            }
            return Ok(Flow::Next);
        }
        // The order of arrival at a barrier means nothing: keep the waiters as a sorted set.
        enqueue(queue, tid, false);
        Ok(self.block_on(r))
    }

    /// Moves a blocked thread past the operation it is blocked in.
    fn wake(&mut self, t: u32, obj: u32) -> R<()> {
        self.event(Event::Woke {
            thread: t,
            object: obj,
        });
        // Run the woken thread's bookkeeping as the current thread, then swap back.
        let other = take_thread(&mut self.st, t as usize);
        let me = std::mem::replace(&mut self.cur, other);
        let my_tid = self.tid.replace(t);
        let result = self.advance_woken();
        let woken = std::mem::replace(&mut self.cur, me);
        self.tid = my_tid;
        self.st.threads[t as usize] = Arc::new(woken);
        result
    }

    /// The current thread was just woken: it moves past the operation it blocked in.
    fn advance_woken(&mut self) -> R<()> {
        self.cur.status = Status::Runnable;
        let f = self
            .cur
            .frames
            .last_mut()
            .expect("a blocked thread has a frame");
        if f.held[0] != Value::Unset {
            f.sub += 1;
            Ok(())
        } else {
            let next = self.m.program.instr(f.pc).next;
            self.set_pc(next);
            self.finish_frames()
        }
    }

    fn local_slot(&mut self, i: u32) -> R<&mut Value> {
        let locals = match self.fn_locals.last_mut() {
            Some(l) => l,
            None => &mut self.cur.frames.last_mut().ok_or("no frame")?.locals,
        };
        locals
            .get_mut(i as usize)
            .ok_or_else(|| "bad local".to_string())
    }

    fn read_target(&mut self, t: &Target) -> R<Value> {
        match t {
            Target::Global(g) => self.read_global(*g),
            Target::Local(i) => self.read_local(*i),
            Target::SelfAttr(a) => self.read_attr(*a),
            Target::Index(l, i) => {
                let (r, idx) = self.index_place(l, i)?;
                let Object::List(items) = &*self.st.heap[r as usize] else {
                    unreachable!()
                };
                Ok(items[idx])
            }
        }
    }

    fn read_global(&self, g: u32) -> R<Value> {
        match self.st.globals[g as usize] {
            Value::Unset => Err(format!(
                "variable `{}` is used before it has a value",
                self.p().globals[g as usize]
            )),
            v => Ok(v),
        }
    }

    fn read_local(&mut self, i: u32) -> R<Value> {
        let v = *self.local_slot(i)?;
        if v == Value::Unset {
            let name = self
                .cur
                .frames
                .last()
                .and_then(|f| self.m.program.procs.get(f.proc as usize))
                .and_then(|p| p.locals.get(i as usize).cloned())
                .unwrap_or_else(|| "a local".into());
            return Err(format!(
                "local variable `{name}` is used before it has a value"
            ));
        }
        Ok(v)
    }

    fn read_attr(&self, a: u32) -> R<Value> {
        match self.cur.attrs.get(a as usize) {
            Some(Value::Unset) | None => Err(format!(
                "`self.{}` is used before it has a value",
                self.p().self_attrs[a as usize]
            )),
            Some(v) => Ok(*v),
        }
    }

    fn index_place(&mut self, l: &Expr, i: &Expr) -> R<(u32, usize)> {
        let lv = self.eval(l)?;
        let iv = self.eval(i)?;
        let r = match lv {
            Value::Ref(r) if matches!(*self.st.heap[r as usize], Object::List(_)) => r,
            other => {
                return Err(format!(
                    "only lists can be indexed, not {}",
                    self.show(other)
                ));
            }
        };
        let Object::List(items) = &*self.st.heap[r as usize] else {
            unreachable!()
        };
        let idx = self.list_index(iv, items.len())?;
        Ok((r, idx))
    }

    fn list_index(&self, iv: Value, len: usize) -> R<usize> {
        let Value::Int(i) = iv else {
            return Err(format!(
                "a list index must be an integer, not {}",
                self.show(iv)
            ));
        };
        let j = if i < 0 { i + len as i64 } else { i };
        if j < 0 || j >= len as i64 {
            return Err(format!("list index {i} out of range (length {len})"));
        }
        Ok(j as usize)
    }

    fn assign(&mut self, t: &Target, v: Value) -> R<()> {
        match t {
            Target::Global(g) => self.st.globals[*g as usize] = v,
            Target::Local(i) => *self.local_slot(*i)? = v,
            Target::SelfAttr(a) => self.cur.attrs[*a as usize] = v,
            Target::Index(l, i) => {
                let (r, idx) = self.index_place(l, i)?;
                let Object::List(items) = self.st.object_mut(r as usize) else {
                    unreachable!()
                };
                items[idx] = v;
            }
        }
        Ok(())
    }

    fn truthy(&self, v: Value) -> bool {
        match v {
            Value::Unset | Value::None => false,
            Value::Bool(b) => b,
            Value::Int(i) => i != 0,
            Value::Str(s) => !self.m.string(s).is_empty(),
            Value::Ref(r) => match &*self.st.heap[r as usize] {
                Object::List(items) => !items.is_empty(),
                _ => true,
            },
        }
    }

    fn int(&self, v: Value, what: impl std::fmt::Display) -> R<i64> {
        match v {
            Value::Int(i) => Ok(i),
            Value::Bool(b) => Ok(b as i64),
            other => Err(format!("{what} needs an integer, not {}", self.show(other))),
        }
    }

    fn list(&self, v: Value, what: impl std::fmt::Display) -> R<&Vec<Value>> {
        match v {
            Value::Ref(r) => match &*self.st.heap[r as usize] {
                Object::List(items) => Ok(items),
                o => Err(format!("{what} needs a list, not a {}", o.kind())),
            },
            other => Err(format!("{what} needs a list, not {}", self.show(other))),
        }
    }

    fn eval(&mut self, e: &Expr) -> R<Value> {
        self.spend(1)?;
        match e {
            Expr::Const(c) => Ok(match c {
                Const::None => Value::None,
                Const::Bool(b) => Value::Bool(*b),
                Const::Int(i) => Value::Int(*i),
                Const::Str(s) => Value::Str(*s),
            }),
            Expr::Global(g) => self.read_global(*g),
            Expr::Local(i) => self.read_local(*i),
            Expr::SelfAttr(a) => self.read_attr(*a),
            Expr::SelfIndex => Ok(Value::Int(self.cur.index as i64)),
            Expr::CompVar(d) => Ok(self.comp[self.comp.len() - 1 - *d as usize]),
            Expr::Index(l, i) => {
                let lv = self.eval(l)?;
                let iv = self.eval(i)?;
                if let Value::Str(s) = lv {
                    let text = self.m.string(s);
                    let idx = self.list_index(iv, text.chars().count())?;
                    let ch = text.chars().nth(idx).unwrap().to_string();
                    return self.string_value(&ch);
                }
                let items = self.list(lv, "indexing")?;
                let idx = self.list_index(iv, items.len())?;
                Ok(items[idx])
            }
            Expr::Unary(op, a) => {
                let v = self.eval(a)?;
                match op {
                    UnOp::Not => Ok(Value::Bool(!self.truthy(v))),
                    UnOp::Neg => Ok(Value::Int(
                        self.int(v, "`-`")?
                            .checked_neg()
                            .ok_or("integer overflow")?,
                    )),
                }
            }
            Expr::Binary(BinOp::And, a, b) => {
                let v = self.eval(a)?;
                if !self.truthy(v) { Ok(v) } else { self.eval(b) }
            }
            Expr::Binary(BinOp::Or, a, b) => {
                let v = self.eval(a)?;
                if self.truthy(v) { Ok(v) } else { self.eval(b) }
            }
            Expr::Binary(op, a, b) => {
                let x = self.eval(a)?;
                let y = self.eval(b)?;
                self.binary(*op, x, y)
            }
            Expr::List(items) => {
                let vals = items.iter().map(|x| self.eval(x)).collect::<R<Vec<_>>>()?;
                self.alloc(Object::List(vals))
            }
            Expr::Comp(elem, iter) => {
                let it = self.eval(iter)?;
                let items = self.list(it, "a list comprehension")?.clone();
                let mut out = Vec::with_capacity(items.len());
                for v in items {
                    self.comp.push(v);
                    let r = self.eval(elem);
                    self.comp.pop();
                    out.push(r?);
                }
                self.alloc(Object::List(out))
            }
            Expr::Builtin(b, args) => self.builtin(*b, args),
            Expr::Method(obj, m, args) => {
                let o = self.eval(obj)?;
                let argv = args.iter().map(|a| self.eval(a)).collect::<R<Vec<_>>>()?;
                self.method(o, *m, &argv)
            }
            Expr::Func(p, args) => {
                let argv = args.iter().map(|a| self.eval(a)).collect::<R<Vec<_>>>()?;
                let proc = &self.m.program.procs[*p as usize];
                let body = proc.inline.as_ref().expect("functions have an inline body");
                if self.depth >= self.m.config.limits.max_call_depth {
                    return Err(format!(
                        "calls nest deeper than {} (unbounded recursion?)",
                        self.m.config.limits.max_call_depth
                    ));
                }
                let mut locals = argv;
                locals.resize(proc.locals.len(), Value::Unset);
                self.depth += 1;
                self.fn_locals.push(locals);
                let saved = std::mem::take(&mut self.comp);
                let r = self.eval(body);
                self.comp = saved;
                self.fn_locals.pop();
                self.depth -= 1;
                r
            }
            Expr::Action(name, args) => {
                let argv = args.iter().map(|a| self.eval(a)).collect::<R<Vec<_>>>()?;
                if self.events.is_some() {
                    let args = argv.iter().map(|v| self.show(*v)).collect();
                    let name = self.m.string(*name).to_string();
                    self.event(Event::Action { name, args });
                }
                Ok(Value::None)
            }
        }
    }

    fn string_value(&self, s: &str) -> R<Value> {
        self.m.strings.iter().position(|x| x == s).map(|i| Value::Str(i as u32)).ok_or_else(|| {
            format!("the string {s:?} does not occur in the program (strings cannot be built at run time)")
        })
    }

    fn binary(&mut self, op: BinOp, x: Value, y: Value) -> R<Value> {
        use BinOp::*;
        let overflow = || {
            format!(
                "integer overflow in `{} {} {}`",
                self.show(x),
                op.symbol(),
                self.show(y)
            )
        };
        match op {
            Eq => Ok(Value::Bool(self.equal(x, y))),
            Ne => Ok(Value::Bool(!self.equal(x, y))),
            In | NotIn => {
                let len = self.list(y, format_args!("`{}`", op.symbol()))?.len();
                self.spend(len as u64)?;
                let items = self.list(y, format_args!("`{}`", op.symbol()))?;
                let found = items.iter().any(|&v| self.equal(v, x));
                Ok(Value::Bool(found == (op == In)))
            }
            Lt | Le | Gt | Ge => {
                let ord = match (x, y) {
                    (Value::Str(a), Value::Str(b)) => self.m.string(a).cmp(self.m.string(b)),
                    _ => self
                        .int(x, format_args!("`{}`", op.symbol()))?
                        .cmp(&self.int(y, format_args!("`{}`", op.symbol()))?),
                };
                Ok(Value::Bool(match op {
                    Lt => ord.is_lt(),
                    Le => ord.is_le(),
                    Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                }))
            }
            Mul if matches!(x, Value::Ref(_)) || matches!(y, Value::Ref(_)) => {
                let (l, n) = if matches!(x, Value::Ref(_)) {
                    (x, y)
                } else {
                    (y, x)
                };
                let n = self.int(n, "list repetition")?.max(0) as usize;
                let items = self.list(l, "`*`")?;
                if items.len().saturating_mul(n) > self.m.config.limits.max_list_len {
                    return Err(format!(
                        "a list longer than {} elements",
                        self.m.config.limits.max_list_len
                    ));
                }
                let out: Vec<Value> = items
                    .iter()
                    .copied()
                    .cycle()
                    .take(items.len() * n)
                    .collect();
                self.alloc(Object::List(out))
            }
            Add if matches!(x, Value::Ref(_)) => {
                let mut a = self.list(x, "`+`")?.clone();
                a.extend(self.list(y, "`+`")?.iter().copied());
                if a.len() > self.m.config.limits.max_list_len {
                    return Err(format!(
                        "a list longer than {} elements",
                        self.m.config.limits.max_list_len
                    ));
                }
                self.alloc(Object::List(a))
            }
            Add if matches!(x, Value::Str(_)) || matches!(y, Value::Str(_)) => {
                Err("strings cannot be concatenated in Sync (they are constants)".into())
            }
            Add | Sub | Mul | FloorDiv | Mod => {
                let a = self.int(x, format_args!("`{}`", op.symbol()))?;
                let b = self.int(y, format_args!("`{}`", op.symbol()))?;
                let r = match op {
                    Add => a.checked_add(b),
                    Sub => a.checked_sub(b),
                    Mul => a.checked_mul(b),
                    FloorDiv | Mod if b == 0 => {
                        return Err(format!("division by zero in `{a} {} {b}`", op.symbol()));
                    }
                    FloorDiv => a.checked_div(b).map(|q| {
                        if a % b != 0 && ((a < 0) != (b < 0)) {
                            q - 1
                        } else {
                            q
                        }
                    }),
                    _ => py_mod(a, b),
                };
                r.map(Value::Int).ok_or_else(overflow)
            }
            And | Or => unreachable!("short-circuit operators are evaluated by eval"),
        }
    }

    fn equal(&self, x: Value, y: Value) -> bool {
        match (x, y) {
            (Value::Int(a), Value::Bool(b)) | (Value::Bool(b), Value::Int(a)) => a == b as i64,
            (Value::Ref(a), Value::Ref(b)) if a != b => {
                match (&*self.st.heap[a as usize], &*self.st.heap[b as usize]) {
                    (Object::List(p), Object::List(q)) => {
                        p.len() == q.len() && p.iter().zip(q).all(|(u, v)| self.equal(*u, *v))
                    }
                    _ => false,
                }
            }
            _ => x == y,
        }
    }

    fn builtin(&mut self, b: Builtin, args: &[Expr]) -> R<Value> {
        let argv = args.iter().map(|a| self.eval(a)).collect::<R<Vec<_>>>()?;
        match b {
            Builtin::Semaphore | Builtin::FifoSemaphore => {
                let n = match argv.first() {
                    Some(v) => self.int(*v, "a semaphore's initial value")?,
                    None => 0,
                };
                self.new_semaphore(n, b == Builtin::FifoSemaphore)
            }
            Builtin::Lightswitch => {
                let Value::Ref(mutex) = self.new_semaphore(1, false)? else {
                    unreachable!()
                };
                self.alloc(Object::Lightswitch { counter: 0, mutex })
            }
            Builtin::Barrier => {
                let n = self.int(argv[0], "Barrier(n)")?;
                if n < 1 {
                    return Err(format!("a barrier needs at least one thread, not {n}"));
                }
                self.alloc(Object::Barrier {
                    n,
                    count: 0,
                    queue: Vec::new(),
                })
            }
            Builtin::Len => match argv[0] {
                Value::Str(s) => Ok(Value::Int(self.m.string(s).chars().count() as i64)),
                v => Ok(Value::Int(self.list(v, "len")?.len() as i64)),
            },
            Builtin::Abs => Ok(Value::Int(
                self.int(argv[0], "abs")?
                    .checked_abs()
                    .ok_or("integer overflow")?,
            )),
            Builtin::Min | Builtin::Max => {
                let vals: Vec<Value> = if argv.len() == 1 {
                    self.list(argv[0], "min/max of one argument")?.clone()
                } else {
                    argv
                };
                let mut ints = Vec::with_capacity(vals.len());
                for v in vals {
                    ints.push(self.int(v, "min/max")?);
                }
                let r = if b == Builtin::Min {
                    ints.iter().min()
                } else {
                    ints.iter().max()
                };
                r.map(|v| Value::Int(*v))
                    .ok_or_else(|| "min/max of an empty list".to_string())
            }
            Builtin::Range => {
                let (lo, hi) = match argv[..] {
                    [n] => (0, self.int(n, "range")?),
                    [a, z] => (self.int(a, "range")?, self.int(z, "range")?),
                    _ => unreachable!("arity checked"),
                };
                let len = (hi - lo).max(0);
                if len as usize > self.m.config.limits.max_list_len {
                    return Err(format!(
                        "range of {len} elements is longer than the limit {}",
                        self.m.config.limits.max_list_len
                    ));
                }
                self.alloc(Object::List((lo..hi).map(Value::Int).collect()))
            }
            Builtin::Print => {
                if self.events.is_some() {
                    let text = argv
                        .iter()
                        .map(|v| crate::describe::show_value(self.m, &self.st, *v, false))
                        .collect::<Vec<_>>()
                        .join(" ");
                    self.event(Event::Print { text });
                }
                Ok(Value::None)
            }
            Builtin::Pid => Ok(Value::Str(self.m.thread_name_id(self.tid))),
            Builtin::NumThreads => Ok(Value::Int(if self.tid.is_some() {
                self.st.threads.len() as i64
            } else {
                self.m.counts.iter().sum::<u32>() as i64
            })),
            Builtin::Balk => Err("`balk()` must be a statement of its own".into()),
            Builtin::Noop => Ok(Value::None),
            Builtin::Value => match argv[0] {
                Value::Ref(r) => match &*self.st.heap[r as usize] {
                    Object::Semaphore { value, .. } => Ok(Value::Int(*value)),
                    Object::Lightswitch { counter, .. } => Ok(Value::Int(*counter)),
                    Object::Barrier { count, .. } => Ok(Value::Int(*count)),
                    Object::List(_) => Err(
                        "`.value` of a list: only semaphores, lightswitches and barriers have one"
                            .into(),
                    ),
                },
                _ => Err(
                    "`.value` of something that is not a semaphore, lightswitch or barrier".into(),
                ),
            },
            Builtin::RandomChoice => {
                let items = self.list(argv[0], "random.choice")?.clone();
                if items.is_empty() {
                    return Err("random.choice of an empty list".into());
                }
                let c = self.chooser.choose(items.len() as u32)?;
                let v = items[c as usize];
                if self.events.is_some() {
                    let s = format!("random.choice gave {}", self.show(v));
                    self.event(Event::Chose { choice: s });
                }
                Ok(v)
            }
            Builtin::RandomInt => {
                let a = self.int(argv[0], "random.randint")?;
                let z = self.int(argv[1], "random.randint")?;
                if z < a {
                    return Err(format!("random.randint({a}, {z}): empty range"));
                }
                if z - a >= 10_000 {
                    return Err(format!(
                        "random.randint({a}, {z}): at most 10000 values can be explored"
                    ));
                }
                let c = self.chooser.choose((z - a + 1) as u32)?;
                let v = Value::Int(a + c as i64);
                if self.events.is_some() {
                    self.event(Event::Chose {
                        choice: format!("random.randint gave {}", a + c as i64),
                    });
                }
                Ok(v)
            }
        }
    }

    fn method(&mut self, o: Value, m: Method, argv: &[Value]) -> R<Value> {
        let r = self.object(o, format_args!("`.{}()`", method_name(m)))?;
        let max_len = self.m.config.limits.max_list_len;
        match (&*self.st.heap[r as usize], m) {
            (Object::Semaphore { .. }, Method::Signal) => {
                let k = match argv {
                    [] => 1,
                    [k] => self.int(*k, "signal(n)")?,
                    _ => return Err("`signal` takes at most one argument".into()),
                };
                self.sem_signal(r, k)?;
                Ok(Value::None)
            }
            (Object::Lightswitch { .. }, Method::Signal) => {
                Err("a lightswitch call (`unlock`) must be a row of its own".into())
            }
            (Object::List(_), _) => {
                let equal_pos = |s: &Self, items: &Vec<Value>, x: Value| {
                    items.iter().position(|v| s.equal(*v, x))
                };
                let Object::List(items) = &*self.st.heap[r as usize] else {
                    unreachable!()
                };
                let mut items = items.clone();
                let result = match (m, argv) {
                    (Method::Append, [x]) => {
                        if items.len() >= max_len {
                            return Err(format!("a list longer than {max_len} elements"));
                        }
                        items.push(*x);
                        Value::None
                    }
                    (Method::Pop, []) => items.pop().ok_or("pop from an empty list")?,
                    (Method::Pop, [i]) => {
                        if items.is_empty() {
                            return Err("pop from an empty list".into());
                        }
                        let idx = self.list_index(*i, items.len())?;
                        items.remove(idx)
                    }
                    (Method::Insert, [i, x]) => {
                        let i = self.int(*i, "insert")?;
                        let len = items.len() as i64;
                        let at = if i < 0 { (i + len).max(0) } else { i.min(len) };
                        items.insert(at as usize, *x);
                        Value::None
                    }
                    (Method::Remove, [x]) => {
                        let Some(pos) = equal_pos(self, &items, *x) else {
                            return Err(format!("remove: {} is not in the list", self.show(*x)));
                        };
                        items.remove(pos);
                        Value::None
                    }
                    (Method::Index, [x]) => match equal_pos(self, &items, *x) {
                        Some(p) => Value::Int(p as i64),
                        None => return Err(format!("index: {} is not in the list", self.show(*x))),
                    },
                    (Method::Count, [x]) => {
                        Value::Int(items.iter().filter(|v| self.equal(**v, *x)).count() as i64)
                    }
                    (m, args) => {
                        return Err(format!(
                            "list has no method `{}` taking {} argument(s)",
                            method_name(m),
                            args.len()
                        ));
                    }
                };
                self.st.heap[r as usize] = Arc::new(Object::List(items));
                Ok(result)
            }
            (obj, m) => Err(format!("{} has no method `{}`", obj.kind(), method_name(m))),
        }
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Wait => "wait",
        Method::Signal => "signal",
        Method::Lock => "lock",
        Method::Unlock => "unlock",
        Method::Append => "append",
        Method::Pop => "pop",
        Method::Insert => "insert",
        Method::Remove => "remove",
        Method::Index => "index",
        Method::Count => "count",
    }
}

/// Adds a waiter: FIFO queues keep arrival order; others are sets, kept sorted so that the
/// order of arrival does not make states differ.
fn enqueue(queue: &mut Vec<u32>, t: u32, fifo: bool) {
    if fifo {
        queue.push(t);
    } else {
        let pos = queue.partition_point(|&q| q < t);
        queue.insert(pos, t);
    }
}

/// Python's `%`: the result has the sign of the divisor.
/// Python's `%` (the result has the divisor's sign); None on overflow (`i64::MIN % -1`).
fn py_mod(a: i64, b: i64) -> Option<i64> {
    let r = a.checked_rem(b)?;
    Some(if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    })
}

/// The number of `k`-subsets of `n` things.
pub(crate) fn binomial(n: usize, k: usize) -> u64 {
    let mut r: u64 = 1;
    for i in 0..k {
        r = r * (n - i) as u64 / (i + 1) as u64;
    }
    r
}

/// The `index`-th k-subset of 0..n in lexicographic order.
fn nth_combination(n: usize, k: usize, index: u64) -> Vec<usize> {
    let mut out = Vec::with_capacity(k);
    each_of_nth_combination(n, k, index, |i| out.push(i));
    out
}

/// Calls `f` with each member, in increasing order, of the `index`-th k-subset of 0..n in
/// lexicographic order (the choice a weak semaphore's `signal(k)` makes; the compiled step
/// makes it without allocating).
pub(crate) fn each_of_nth_combination(
    n: usize,
    k: usize,
    mut index: u64,
    mut f: impl FnMut(usize),
) {
    let mut start = 0;
    for remaining in (1..=k).rev() {
        for i in start..n {
            let c = binomial(n - i - 1, remaining - 1);
            if index < c {
                f(i);
                start = i + 1;
                break;
            }
            index -= c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_enumerate_every_subset_once() {
        let all: Vec<Vec<usize>> = (0..binomial(4, 2))
            .map(|i| nth_combination(4, 2, i))
            .collect();
        assert_eq!(
            all,
            vec![
                vec![0, 1],
                vec![0, 2],
                vec![0, 3],
                vec![1, 2],
                vec![1, 3],
                vec![2, 3]
            ]
        );
        assert_eq!(nth_combination(3, 1, 2), vec![2]);
        assert_eq!(binomial(5, 5), 1);
    }

    #[test]
    fn python_modulo_and_names() {
        assert_eq!(py_mod(-1, 5), Some(4));
        assert_eq!(py_mod(7, -3), Some(-2));
        assert_eq!(py_mod(i64::MIN, -1), None);
        assert_eq!(thread_name(0), "A");
        assert_eq!(thread_name(25), "Z");
        assert_eq!(thread_name(26), "AA");
    }
}
