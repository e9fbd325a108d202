//! The checked program: what the interpreter runs. Names are resolved to slots, blocks are
//! compiled to instructions with explicit successors, and every instruction knows its row.

use serde::Serialize;

pub use crate::ast::{BinOp, UnOp};

/// Index into [`Program::code`].
pub type Pc = u32;
/// The successor of the last instruction of a block: the thread (or procedure) is done.
pub const END: Pc = u32::MAX;

/// A string constant, index into [`Program::strings`].
pub type StrId = u32;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Const {
    None,
    Bool(bool),
    Int(i64),
    Str(StrId),
}

/// Built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Builtin {
    Semaphore,
    FifoSemaphore,
    Lightswitch,
    Barrier,
    Len,
    Min,
    Max,
    Abs,
    Range,
    Print,
    Pid,
    NumThreads,
    Balk,
    RandomChoice,
    RandomInt,
    Noop,
    /// `s.value` in an `## Invariant` line: a semaphore's value (negative: minus the number
    /// of waiters), a lightswitch's counter, or the number of threads waiting at a barrier.
    /// Thread code cannot read it, so it has no name to call.
    Value,
}

impl Builtin {
    pub fn lookup(name: &str) -> Option<Builtin> {
        Some(match name {
            "Semaphore" => Builtin::Semaphore,
            "FifoSemaphore" => Builtin::FifoSemaphore,
            "Lightswitch" => Builtin::Lightswitch,
            "Barrier" => Builtin::Barrier,
            "len" => Builtin::Len,
            "min" => Builtin::Min,
            "max" => Builtin::Max,
            "abs" => Builtin::Abs,
            "range" => Builtin::Range,
            "print" => Builtin::Print,
            "pid" => Builtin::Pid,
            "num_threads" => Builtin::NumThreads,
            "balk" => Builtin::Balk,
            "noop" => Builtin::Noop,
            _ => return None,
        })
    }

    /// Allowed argument counts (inclusive).
    pub fn arity(self) -> (usize, usize) {
        match self {
            Builtin::Semaphore | Builtin::FifoSemaphore => (0, 1),
            Builtin::Lightswitch => (0, 0),
            Builtin::Barrier => (1, 1),
            Builtin::Len | Builtin::Abs | Builtin::Value => (1, 1),
            Builtin::Min | Builtin::Max => (1, 8),
            Builtin::Range => (1, 2),
            Builtin::Print | Builtin::Noop => (0, 16),
            Builtin::Pid | Builtin::NumThreads | Builtin::Balk => (0, 0),
            Builtin::RandomChoice => (1, 1),
            Builtin::RandomInt => (2, 2),
        }
    }
}

/// Methods on objects (semaphores, lightswitches, barriers, lists). Checked against the
/// object's kind at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Method {
    /// `wait`, `P`, `decrement` (also `Barrier.wait`).
    Wait,
    /// `signal`, `V`, `increment`.
    Signal,
    /// `Lightswitch.lock(sem)`.
    Lock,
    /// `Lightswitch.unlock(sem)`.
    Unlock,
    Append,
    Pop,
    Insert,
    Remove,
    Index,
    Count,
}

impl Method {
    pub fn lookup(name: &str) -> Option<Method> {
        Some(match name {
            "wait" | "P" | "decrement" => Method::Wait,
            "signal" | "V" | "increment" => Method::Signal,
            "lock" => Method::Lock,
            "unlock" => Method::Unlock,
            "append" => Method::Append,
            "pop" => Method::Pop,
            "insert" => Method::Insert,
            "remove" => Method::Remove,
            "index" => Method::Index,
            "count" => Method::Count,
            _ => return None,
        })
    }

    /// Methods that may block the calling thread, and so must be a whole statement.
    pub fn may_block(self) -> bool {
        matches!(self, Method::Wait | Method::Lock | Method::Unlock)
    }

    /// Whether a statement calling this method with `args` arguments runs as a statement
    /// step (possibly several sub-steps) rather than as an expression: the blocking methods,
    /// and `x.signal(y)`, which is `Lightswitch.unlock(y)` when `x` is a lightswitch (the
    /// book's 6.1 names) and `Semaphore.signal(n)` otherwise; only the object tells.
    pub fn runs_as_statement(self, args: usize) -> bool {
        self.may_block() || (self == Method::Signal && args == 1)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Expr {
    Const(Const),
    Global(u32),
    Local(u32),
    SelfAttr(u32),
    SelfIndex,
    /// The variable of the `depth`-th enclosing list comprehension (0 = innermost).
    CompVar(u32),
    Index(Box<Expr>, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    List(Vec<Expr>),
    Comp(Box<Expr>, Box<Expr>),
    Builtin(Builtin, Vec<Expr>),
    Method(Box<Expr>, Method, Vec<Expr>),
    /// A call of a one-line procedure `def f(x): return e` (evaluated atomically).
    Func(u32, Vec<Expr>),
    /// A call of an undefined name: a no-op event recorded in traces. Evaluates to None.
    Action(StrId, Vec<Expr>),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Target {
    Global(u32),
    Local(u32),
    SelfAttr(u32),
    Index(Expr, Expr),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Stmt {
    Nop,
    Expr(Expr),
    Assign(Vec<Target>, Expr),
    AugAssign(Target, BinOp, Expr),
    Assert(Expr, Option<Expr>),
    /// `if c: stmt` on one row.
    IfInline(Expr, Box<Stmt>),
    /// `break`: continue at the loop's exit.
    Jump(Pc),
    Return(Option<Expr>),
    /// A call of a multi-row procedure; the value it returns goes to `dest`.
    Call {
        proc: u32,
        args: Vec<Expr>,
        dest: Option<Target>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum InstrKind {
    /// Run a statement, then go to `next`.
    Exec(Stmt),
    /// Evaluate `cond`: go to `next` if it is true, else to `on_false`.
    Test { cond: Expr, on_false: Pc },
    /// A step that goes to `target` (an `else:` or `elif` row after a taken branch).
    Skip { target: Pc },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Instr {
    pub kind: InstrKind,
    pub next: Pc,
    /// Index into [`Program::rows`].
    pub row: u32,
}

/// Where a row lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Block {
    Init,
    Column(u32),
    Proc(u32),
}

/// A source row as shown to users.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub line: u32,
    pub block: Block,
    /// The row's text, without its trailing comment-free whitespace; indentation kept.
    pub text: String,
    /// True for rows that are executable steps in thread code (used for dead-row reports).
    pub is_step: bool,
    /// A valid end row (SPIN's `end` label): a thread waiting here when no thread can move
    /// is not deadlocked. Marked by a `# end` comment or a `server` thread header.
    pub end: bool,
    /// A progress row (SPIN's `progress` label), marked by a `# progress` comment: for a
    /// looping thread, passing it is what counts as progress in the liveness check.
    pub progress: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Column {
    /// The text after `## Thread` (without a trailing `xN`), may be empty.
    pub name: String,
    pub header_line: u32,
    /// Instances from the header's `xN` (1 by default).
    pub instances: u32,
    /// A `server` header: the thread loops forever, so waiting at the top of its outermost
    /// loop is a valid end.
    pub server: bool,
    pub entry: Pc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Proc {
    pub name: String,
    pub line: u32,
    pub params: u32,
    /// Parameters first, then the other locals.
    pub locals: Vec<String>,
    /// For `def f(x): return e`: the expression (such procedures are functions).
    pub inline: Option<Expr>,
    pub entry: Pc,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Invariant {
    pub line: u32,
    pub text: String,
    pub expr: Expr,
}

/// A checked Sync program.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Program {
    pub source: String,
    pub globals: Vec<String>,
    pub self_attrs: Vec<String>,
    pub strings: Vec<String>,
    pub code: Vec<Instr>,
    pub rows: Vec<Row>,
    pub init_entry: Pc,
    pub columns: Vec<Column>,
    pub procs: Vec<Proc>,
    pub invariants: Vec<Invariant>,
}

impl Program {
    pub fn instr(&self, pc: Pc) -> &Instr {
        &self.code[pc as usize]
    }

    pub fn row_of(&self, pc: Pc) -> &Row {
        &self.rows[self.code[pc as usize].row as usize]
    }

    /// The column's display name: its header text, or `Thread N` (1-based) when the header names none.
    pub fn column_label(&self, column: usize) -> String {
        let c = &self.columns[column];
        if c.name.is_empty() {
            format!("Thread {}", column + 1)
        } else {
            c.name.clone()
        }
    }

    pub fn string_id(&self, s: &str) -> Option<StrId> {
        self.strings.iter().position(|x| x == s).map(|i| i as StrId)
    }
}

impl Expr {
    /// Calls `f` on this expression and every sub-expression.
    pub fn visit(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Index(a, b) | Expr::Binary(_, a, b) | Expr::Comp(a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Expr::Unary(_, a) => a.visit(f),
            Expr::List(items)
            | Expr::Builtin(_, items)
            | Expr::Func(_, items)
            | Expr::Action(_, items) => items.iter().for_each(|x| x.visit(f)),
            Expr::Method(o, _, args) => {
                o.visit(f);
                args.iter().for_each(|x| x.visit(f));
            }
            _ => {}
        }
    }
}

impl Target {
    fn visit(&self, f: &mut impl FnMut(&Expr)) {
        if let Target::Index(a, b) = self {
            a.visit(f);
            b.visit(f);
        }
    }
}

impl Stmt {
    /// Calls `f` on every expression of the statement (including those inside its targets).
    pub fn visit_exprs(&self, f: &mut impl FnMut(&Expr)) {
        self.visit(f)
    }

    /// Calls `f` on every target the statement assigns (`dest` of a call included).
    pub fn visit_targets(&self, f: &mut impl FnMut(&Target)) {
        match self {
            Stmt::Assign(ts, _) => ts.iter().for_each(&mut *f),
            Stmt::AugAssign(t, _, _) => f(t),
            Stmt::IfInline(_, s) => s.visit_targets(f),
            Stmt::Call { dest: Some(d), .. } => f(d),
            _ => {}
        }
    }

    fn visit(&self, f: &mut impl FnMut(&Expr)) {
        match self {
            Stmt::Expr(e) | Stmt::Return(Some(e)) => e.visit(f),
            Stmt::Assign(ts, e) => {
                ts.iter().for_each(|t| t.visit(f));
                e.visit(f);
            }
            Stmt::AugAssign(t, _, e) => {
                t.visit(f);
                e.visit(f);
            }
            Stmt::Assert(c, m) => {
                c.visit(f);
                if let Some(m) = m {
                    m.visit(f);
                }
            }
            Stmt::IfInline(c, s) => {
                c.visit(f);
                s.visit(f);
            }
            Stmt::Call { args, dest, .. } => {
                args.iter().for_each(|a| a.visit(f));
                if let Some(d) = dest {
                    d.visit(f);
                }
            }
            Stmt::Nop | Stmt::Jump(_) | Stmt::Return(None) => {}
        }
    }
}

impl Program {
    /// Calls `f` on every expression of the program (code, functions, invariants).
    pub fn visit_exprs(&self, f: &mut impl FnMut(&Expr)) {
        for i in &self.code {
            match &i.kind {
                InstrKind::Exec(s) => s.visit(f),
                InstrKind::Test { cond, .. } => cond.visit(f),
                InstrKind::Skip { .. } => {}
            }
        }
        for p in &self.procs {
            if let Some(e) = &p.inline {
                e.visit(f);
            }
        }
        for inv in &self.invariants {
            inv.expr.visit(f);
        }
    }

    /// For each global, whether code outside the initialization block assigns it (the others
    /// keep their initial value for good).
    pub fn globals_assigned_after_init(&self) -> Vec<bool> {
        let mut assigned = vec![false; self.globals.len()];
        for i in &self.code {
            if self.rows[i.row as usize].block == Block::Init {
                continue;
            }
            if let InstrKind::Exec(s) = &i.kind {
                s.visit_targets(&mut |t| {
                    if let Target::Global(g) = t {
                        assigned[*g as usize] = true;
                    }
                });
            }
        }
        assigned
    }

    /// Whether threads can tell themselves apart (`pid()` or `self.index`), which rules out
    /// treating identical instances of a column as interchangeable.
    pub fn uses_thread_identity(&self) -> bool {
        let mut found = false;
        self.visit_exprs(&mut |e| {
            if matches!(e, Expr::SelfIndex | Expr::Builtin(Builtin::Pid, _)) {
                found = true;
            }
        });
        found
    }
}
