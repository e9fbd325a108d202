//! Ring symmetry: the threads of one column that index a ring (dining philosophers:
//! `forks[self.index]`, `forks[(self.index + 1) % n]`) are interchangeable up to rotation.
//! Rotating by `k` renumbers instance `j` as `(j + k) % n`, moves element `j` of every list the
//! ring indexes to position `(j + k) % n`, and adds `k` (mod n) to every local variable that
//! holds a ring position. States that differ by a rotation are one state: the canonical form
//! is the least encoding among the `n` rotations.
//!
//! Detected only when the rotation is provably an automorphism of the program, by a type
//! analysis of every expression a thread or an invariant evaluates:
//!
//! - a *ring* value is `self.index` (in the ring column's code), `(r + c) % n` or `(r - c) % n`
//!   for a ring value `r` and a constant `c`, a procedure parameter or local that only ever
//!   holds ring values, or what an inline function returns from ring arguments;
//! - ring values may only index a *ring list* (a global that the threads never reassign and
//!   whose initial value is a list of length `n` referred to by no other variable or object),
//!   be compared with `==` / `!=` to ring values, feed the forms above, or be passed to
//!   procedures, functions and actions; any other use (`i == 0`, `i < j`, `i + 1` without `% n`,
//!   storing one in a global, a list or `self.x`) rejects the ring;
//! - ring lists may only be indexed (or measured with `len`, counted with `.count(x)`, searched
//!   with `in`), by ring values in thread code and by constants in invariants; `pid()` rejects
//!   the ring;
//! - the initial state must be its own rotation, and the set of invariant lines, with constant
//!   sub-expressions folded, must be closed under rotating their constant ring-list indices.
//!
//! Then a rotated state behaves exactly as the rotated original (every plain value is equal in
//! both, every ring value is rotated), so reachability, deadlocks, assertion failures and
//! invariant violations are preserved. Reflection (`i -> -i`) is not offered: it is not an
//! automorphism of programs that take their two forks in a fixed order (right then left), such
//! as the footman solution, and the analysis above does not establish it for any program.

use std::ops::Range;
use std::sync::Arc;

use lbos_lang::program::{
    BinOp, Block, Builtin, Const, Expr, InstrKind, Method, Program, Stmt, Target, UnOp,
};

use crate::heap::canonicalize_heap;
use crate::machine::Machine;
use crate::state::{NO_PROC, Object, State, Value};

/// The rotation group of one column's threads (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ring {
    /// The ring column's threads in the thread vector; their number is the ring's size.
    pub threads: Range<usize>,
    /// Globals holding the lists the ring indexes (their elements rotate).
    pub lists: Vec<u32>,
    /// Per procedure: which local slots hold ring positions (their values rotate).
    pub slots: Vec<Vec<bool>>,
}

/// What an expression's value is, for the rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    /// Not known yet (a local no assignment has typed so far).
    Unknown,
    /// The same in a state and in its rotation.
    Plain,
    /// A ring position: rotated by `k` in the rotated state.
    Ring,
    /// A ring position plus a constant, before `% n` brings it back to the ring.
    Offset,
}

/// Constant offsets added to ring positions stay far from overflow.
const MAX_OFFSET: i64 = 1 << 31;

struct Analysis<'a> {
    p: &'a Program,
    n: i64,
    ring_column: u32,
    /// Globals that hold the same integer in every reachable state.
    consts: Vec<Option<i64>>,
    ring_list: Vec<bool>,
    slots: Vec<Vec<Ty>>,
    returns: Vec<Ty>,
    changed: bool,
    /// In the last pass, unknown types read as plain and every check applies.
    strict: bool,
    /// Inline functions being typed, one inside the other.
    func_depth: u32,
}

/// Where an expression is evaluated.
#[derive(Clone, Copy)]
enum Env<'e> {
    /// A column's code (`self_ok`: the ring column, where `self.index` is a ring position).
    Column {
        self_ok: bool,
    },
    /// A multi-row procedure's body.
    Proc(u32),
    /// An inline function's body, with its arguments' types.
    Func {
        args: &'e [Ty],
        self_ok: bool,
    },
    Invariant,
}

impl Env<'_> {
    fn self_ok(self) -> bool {
        matches!(
            self,
            Env::Column { self_ok: true } | Env::Func { self_ok: true, .. }
        )
    }
}

type R<T> = Result<T, String>;

impl Analysis<'_> {
    fn fold(&self, e: &Expr) -> Option<i64> {
        fold_int(e, &self.consts)
    }

    fn is_ring_list(&self, e: &Expr) -> bool {
        matches!(e, Expr::Global(g) if self.ring_list[*g as usize])
    }

    fn local(&self, env: Env, i: u32) -> Ty {
        let t = match env {
            Env::Proc(p) => self.slots[p as usize][i as usize],
            Env::Func { args, .. } => args.get(i as usize).copied().unwrap_or(Ty::Plain),
            _ => Ty::Plain,
        };
        if self.strict && t == Ty::Unknown {
            Ty::Plain
        } else {
            t
        }
    }

    fn plain(&mut self, env: Env, e: &Expr, what: &str) -> R<()> {
        match self.expr(env, e)? {
            Ty::Plain | Ty::Unknown => Ok(()),
            _ => Err(format!("a ring position is used {what}")),
        }
    }

    fn expr(&mut self, env: Env, e: &Expr) -> R<Ty> {
        use Ty::*;
        Ok(match e {
            Expr::Const(_) | Expr::SelfAttr(_) | Expr::CompVar(_) => Plain,
            Expr::Global(g) => {
                if self.ring_list[*g as usize] {
                    return Err(format!(
                        "the ring list `{}` is used other than by indexing it",
                        self.p.globals[*g as usize]
                    ));
                }
                Plain
            }
            Expr::Local(i) => self.local(env, *i),
            Expr::SelfIndex => {
                if !env.self_ok() {
                    return Err("`self.index` outside the ring column's own code".into());
                }
                Ring
            }
            Expr::Index(base, idx) if self.is_ring_list(base) => {
                if matches!(env, Env::Invariant) {
                    if self.fold(idx).is_none() {
                        return Err("an invariant indexes a ring list with a non-constant".into());
                    }
                } else {
                    match self.expr(env, idx)? {
                        Ring | Unknown => {}
                        _ => {
                            return Err(
                                "a ring list is indexed by other than a ring position".into()
                            );
                        }
                    }
                }
                Plain
            }
            Expr::Index(base, idx) => {
                self.plain(env, base, "as a list")?;
                self.plain(env, idx, "to index a list the ring does not rotate")?;
                Plain
            }
            Expr::Unary(_, a) => {
                self.plain(env, a, "in `not` or `-`")?;
                Plain
            }
            // Neither does membership.
            Expr::Binary(BinOp::In | BinOp::NotIn, a, b) if self.is_ring_list(b) => {
                self.plain(env, a, "in `in`")?;
                Plain
            }
            Expr::Binary(op, a, b) => {
                let (x, y) = (self.expr(env, a)?, self.expr(env, b)?);
                if x == Unknown || y == Unknown {
                    return Ok(Unknown);
                }
                let small = |e: &Expr| self.fold(e).is_some_and(|c| c.abs() <= MAX_OFFSET);
                match (op, x, y) {
                    (_, Plain, Plain) => Plain,
                    (BinOp::Add | BinOp::Sub, Ring | Offset, Plain) if small(b) => Offset,
                    (BinOp::Add, Plain, Ring | Offset) if small(a) => Offset,
                    (BinOp::Mod, Ring | Offset, Plain) if self.fold(b) == Some(self.n) => Ring,
                    (BinOp::Eq | BinOp::Ne, Ring, Ring) => Plain,
                    _ => {
                        return Err(format!(
                            "a ring position is used as a number (in `{}`)",
                            op.symbol()
                        ));
                    }
                }
            }
            Expr::List(items) => {
                for x in items {
                    self.plain(env, x, "in a list")?;
                }
                Plain
            }
            Expr::Comp(elem, iter) => {
                self.plain(env, iter, "in a comprehension")?;
                self.plain(env, elem, "in a comprehension")?;
                Plain
            }
            Expr::Builtin(Builtin::Pid, _) => return Err("`pid()`".into()),
            Expr::Builtin(Builtin::Len, args) if args.len() == 1 && self.is_ring_list(&args[0]) => {
                Plain
            }
            // Printing changes no state.
            Expr::Builtin(Builtin::Print | Builtin::Noop, args) | Expr::Action(_, args) => {
                for x in args {
                    self.expr(env, x)?;
                }
                Plain
            }
            Expr::Builtin(_, args) => {
                for x in args {
                    self.plain(env, x, "as a built-in's argument")?;
                }
                Plain
            }
            // Counting a value of a ring list does not see the order of its elements.
            Expr::Method(obj, Method::Count, args) if self.is_ring_list(obj) => {
                for x in args {
                    self.plain(env, x, "as a method's argument")?;
                }
                Plain
            }
            Expr::Method(obj, _, args) => {
                self.plain(env, obj, "as an object")?;
                for x in args {
                    self.plain(env, x, "as a method's argument")?;
                }
                Plain
            }
            Expr::Func(f, args) => {
                let tys = args
                    .iter()
                    .map(|a| self.expr(env, a))
                    .collect::<R<Vec<_>>>()?;
                if tys.contains(&Offset) {
                    return Err("a ring position plus a constant is passed without `% n`".into());
                }
                let Some(body) = self.p.procs[*f as usize].inline.as_ref() else {
                    return Err("a call of a procedure without an inline body".into());
                };
                // Functions are typed at each call: bound their nesting (and recursion).
                if self.func_depth >= 8 {
                    return Err("functions nest too deeply to analyse".into());
                }
                let self_ok = env.self_ok();
                self.func_depth += 1;
                let t = self.expr(
                    Env::Func {
                        args: &tys,
                        self_ok,
                    },
                    body,
                );
                self.func_depth -= 1;
                let t = t?;
                if t == Offset {
                    return Err("a function returns a ring position plus a constant".into());
                }
                t
            }
        })
    }

    /// Records that a local slot of `proc` receives a value of type `t`.
    fn unify_slot(&mut self, proc: u32, slot: u32, t: Ty) -> R<()> {
        let cur = &mut self.slots[proc as usize][slot as usize];
        match (*cur, t) {
            (_, Ty::Unknown) => Ok(()),
            (_, Ty::Offset) => {
                Err("a ring position plus a constant is stored without `% n`".into())
            }
            (Ty::Unknown, t) => {
                *cur = t;
                self.changed = true;
                Ok(())
            }
            (a, b) if a == b => Ok(()),
            _ => Err(format!(
                "the local `{}` of `{}` holds both ring positions and other values",
                self.p.procs[proc as usize].locals[slot as usize], self.p.procs[proc as usize].name
            )),
        }
    }

    fn assign(&mut self, env: Env, target: &Target, t: Ty) -> R<()> {
        match target {
            Target::Local(i) => match env {
                Env::Proc(p) => self.unify_slot(p, *i, t),
                _ => Err("a local outside a procedure".into()),
            },
            Target::Global(_) | Target::SelfAttr(_) => match t {
                Ty::Plain | Ty::Unknown => Ok(()),
                _ => Err("a ring position is stored in a global or `self` attribute".into()),
            },
            Target::Index(base, idx) => {
                if !matches!(t, Ty::Plain | Ty::Unknown) {
                    return Err("a ring position is stored in a list".into());
                }
                self.expr(
                    env,
                    &Expr::Index(Box::new(base.clone()), Box::new(idx.clone())),
                )
                .map(drop)
            }
        }
    }

    fn stmt(&mut self, env: Env, s: &Stmt) -> R<()> {
        match s {
            Stmt::Nop | Stmt::Jump(_) | Stmt::Return(None) => Ok(()),
            Stmt::Expr(e) => self.expr(env, e).map(drop),
            Stmt::Assign(targets, e) => {
                let t = self.expr(env, e)?;
                for target in targets {
                    self.assign(env, target, t)?;
                }
                Ok(())
            }
            Stmt::AugAssign(target, _, e) => {
                self.plain(env, e, "in an augmented assignment")?;
                if let (Target::Local(i), Env::Proc(p)) = (target, env)
                    && self.slots[p as usize][*i as usize] == Ty::Ring
                {
                    return Err("a ring position is changed by an augmented assignment".into());
                }
                self.assign(env, target, Ty::Plain)
            }
            Stmt::Assert(c, m) => {
                self.plain(env, c, "as a condition")?;
                if let Some(m) = m {
                    self.plain(env, m, "in an assertion's message")?;
                }
                Ok(())
            }
            Stmt::IfInline(c, body) => {
                self.plain(env, c, "as a condition")?;
                self.stmt(env, body)
            }
            Stmt::Return(Some(e)) => {
                let Env::Proc(p) = env else {
                    return Err("`return` outside a procedure".into());
                };
                let t = self.expr(env, e)?;
                let cur = &mut self.returns[p as usize];
                match (*cur, t) {
                    (_, Ty::Unknown) => Ok(()),
                    (_, Ty::Offset) => {
                        Err("a procedure returns a ring position plus a constant".into())
                    }
                    (Ty::Unknown, t) => {
                        *cur = t;
                        self.changed = true;
                        Ok(())
                    }
                    (a, b) if a == b => Ok(()),
                    _ => Err("a procedure returns both ring positions and other values".into()),
                }
            }
            Stmt::Call { proc, args, dest } => {
                for (i, a) in args.iter().enumerate() {
                    let t = self.expr(env, a)?;
                    self.unify_slot(*proc, i as u32, t)?;
                }
                if let Some(d) = dest {
                    let mut t = self.returns[*proc as usize];
                    if self.strict && t == Ty::Unknown {
                        t = Ty::Plain;
                    }
                    self.assign(env, d, t)?;
                }
                Ok(())
            }
        }
    }

    /// Types every instruction of the threads' code and procedures (not the initialization
    /// block, which the rotated initial state checks), and every invariant.
    fn pass(&mut self) -> R<()> {
        let p = self.p;
        for instr in &p.code {
            let env = match p.rows[instr.row as usize].block {
                Block::Init => continue,
                Block::Column(c) => Env::Column {
                    self_ok: c == self.ring_column,
                },
                Block::Proc(q) => Env::Proc(q),
            };
            match &instr.kind {
                InstrKind::Exec(s) => self.stmt(env, s)?,
                InstrKind::Test { cond, .. } => self.plain(env, cond, "as a condition")?,
                InstrKind::Skip { .. } => {}
            }
        }
        for inv in &p.invariants {
            self.plain(Env::Invariant, &inv.expr, "as an invariant")?;
        }
        Ok(())
    }
}

/// The integer `e` always evaluates to, when it is built from integer constants, constant
/// globals and `+ - * %`.
fn fold_int(e: &Expr, consts: &[Option<i64>]) -> Option<i64> {
    match e {
        Expr::Const(Const::Int(i)) => Some(*i),
        Expr::Global(g) => consts[*g as usize],
        Expr::Unary(UnOp::Neg, a) => fold_int(a, consts)?.checked_neg(),
        Expr::Binary(op, a, b) => {
            let (x, y) = (fold_int(a, consts)?, fold_int(b, consts)?);
            match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                BinOp::Mod if y != 0 => {
                    let r = x.checked_rem(y)?;
                    Some(if r != 0 && ((r < 0) != (y < 0)) {
                        r + y
                    } else {
                        r
                    })
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `e` with constant sub-expressions folded (integer arithmetic and comparisons, `not`, and
/// `and` / `or` whose left operand is a constant, as Python evaluates them), and with constant
/// indices of ring lists reduced to `0..n`. Evaluates exactly as `e` does in every state.
fn fold_expr(e: &Expr, a: &Analysis) -> Expr {
    let int = |x: &Expr| match x {
        Expr::Const(Const::Int(i)) => Some(*i),
        _ => None,
    };
    let truthy = |x: &Expr| match x {
        Expr::Const(Const::Int(i)) => Some(*i != 0),
        Expr::Const(Const::Bool(b)) => Some(*b),
        Expr::Const(Const::None) => Some(false),
        _ => None,
    };
    if let Some(i) = a.fold(e) {
        return Expr::Const(Const::Int(i));
    }
    match e {
        Expr::Index(base, idx) if a.is_ring_list(base) => {
            let idx = match a.fold(idx) {
                Some(c) => Expr::Const(Const::Int(c.rem_euclid(a.n))),
                None => fold_expr(idx, a),
            };
            Expr::Index(base.clone(), Box::new(idx))
        }
        Expr::Index(base, idx) => {
            Expr::Index(Box::new(fold_expr(base, a)), Box::new(fold_expr(idx, a)))
        }
        Expr::Unary(UnOp::Not, x) => {
            let x = fold_expr(x, a);
            match truthy(&x) {
                Some(t) => Expr::Const(Const::Bool(!t)),
                None => Expr::Unary(UnOp::Not, Box::new(x)),
            }
        }
        Expr::Unary(op, x) => Expr::Unary(*op, Box::new(fold_expr(x, a))),
        Expr::Binary(op @ (BinOp::And | BinOp::Or), x, y) => {
            let (x, y) = (fold_expr(x, a), fold_expr(y, a));
            match (op, truthy(&x)) {
                (BinOp::Or, Some(true)) | (BinOp::And, Some(false)) => x,
                (BinOp::Or, Some(false)) | (BinOp::And, Some(true)) => y,
                _ => Expr::Binary(*op, Box::new(x), Box::new(y)),
            }
        }
        Expr::Binary(op, x, y) => {
            let (x, y) = (fold_expr(x, a), fold_expr(y, a));
            let cmp = match (int(&x), int(&y)) {
                (Some(p), Some(q)) => match op {
                    BinOp::Eq => Some(p == q),
                    BinOp::Ne => Some(p != q),
                    BinOp::Lt => Some(p < q),
                    BinOp::Le => Some(p <= q),
                    BinOp::Gt => Some(p > q),
                    BinOp::Ge => Some(p >= q),
                    _ => None,
                },
                _ => None,
            };
            match cmp {
                Some(b) => Expr::Const(Const::Bool(b)),
                None => Expr::Binary(*op, Box::new(x), Box::new(y)),
            }
        }
        Expr::List(items) => Expr::List(items.iter().map(|x| fold_expr(x, a)).collect()),
        Expr::Builtin(b, args) => Expr::Builtin(*b, args.iter().map(|x| fold_expr(x, a)).collect()),
        Expr::Method(o, m, args) => Expr::Method(
            Box::new(fold_expr(o, a)),
            *m,
            args.iter().map(|x| fold_expr(x, a)).collect(),
        ),
        other => other.clone(),
    }
}

/// `e` (folded) with every constant ring-list index `c` replaced by `(c + 1) % n`.
fn rotate_expr(e: &Expr, a: &Analysis) -> Expr {
    let r = |x: &Expr| Box::new(rotate_expr(x, a));
    match e {
        Expr::Index(base, idx) if a.is_ring_list(base) => match &**idx {
            Expr::Const(Const::Int(c)) => Expr::Index(
                base.clone(),
                Box::new(Expr::Const(Const::Int((c + 1).rem_euclid(a.n)))),
            ),
            other => Expr::Index(base.clone(), r(other)),
        },
        Expr::Index(x, y) => Expr::Index(r(x), r(y)),
        Expr::Unary(op, x) => Expr::Unary(*op, r(x)),
        Expr::Binary(op, x, y) => Expr::Binary(*op, r(x), r(y)),
        Expr::Comp(x, y) => Expr::Comp(r(x), r(y)),
        Expr::List(items) => Expr::List(items.iter().map(|x| rotate_expr(x, a)).collect()),
        Expr::Builtin(b, args) => {
            Expr::Builtin(*b, args.iter().map(|x| rotate_expr(x, a)).collect())
        }
        Expr::Method(o, m, args) => {
            Expr::Method(r(o), *m, args.iter().map(|x| rotate_expr(x, a)).collect())
        }
        Expr::Func(f, args) => Expr::Func(*f, args.iter().map(|x| rotate_expr(x, a)).collect()),
        Expr::Action(s, args) => Expr::Action(*s, args.iter().map(|x| rotate_expr(x, a)).collect()),
        other => other.clone(),
    }
}

impl Machine {
    /// The ring symmetry of this program, or why it has none.
    pub fn ring(&self) -> Result<Ring, String> {
        let p = &*self.program;
        let init = self.initial_state();
        let mut uses_self = vec![false; p.columns.len()];
        let mut pid = false;
        for instr in &p.code {
            let block = p.rows[instr.row as usize].block;
            let mut visit = |e: &Expr| match e {
                Expr::SelfIndex => {
                    if let Block::Column(c) = block {
                        uses_self[c as usize] = true;
                    }
                }
                Expr::Builtin(Builtin::Pid, _) => pid = true,
                _ => {}
            };
            match &instr.kind {
                InstrKind::Exec(s) => s.visit_exprs(&mut visit),
                InstrKind::Test { cond, .. } => cond.visit(&mut visit),
                InstrKind::Skip { .. } => {}
            }
        }
        if pid {
            return Err("the program uses `pid()`".into());
        }
        let mut columns = uses_self.iter().enumerate().filter(|(_, u)| **u);
        let ring_column = match (columns.next(), columns.next()) {
            (Some((c, _)), None) => c as u32,
            (None, _) => return Err("no column uses `self.index`".into()),
            _ => return Err("several columns use `self.index`".into()),
        };
        let start = init
            .threads
            .iter()
            .position(|t| t.column == ring_column)
            .ok_or("the ring column has no threads")?;
        let len = init.threads[start..]
            .iter()
            .take_while(|t| t.column == ring_column)
            .count();
        if len < 2
            || init
                .threads
                .iter()
                .filter(|t| t.column == ring_column)
                .count()
                != len
        {
            return Err("the ring column needs two or more threads, listed together".into());
        }
        let n = len as i64;

        // Globals the threads or procedures assign may change; the others keep their initial
        // value.
        let assigned = p.globals_assigned_after_init();
        let consts: Vec<Option<i64>> = (0..p.globals.len())
            .map(|g| match init.globals[g] {
                Value::Int(i) if !assigned[g] => Some(i),
                _ => None,
            })
            .collect();
        // Ring lists: fixed globals holding a list of length n that some thread code indexes
        // by a non-constant.
        let mut indexed = vec![false; p.globals.len()];
        for instr in &p.code {
            if p.rows[instr.row as usize].block == Block::Init {
                continue;
            }
            let mut visit = |e: &Expr| {
                if let Expr::Index(base, idx) = e
                    && let Expr::Global(g) = **base
                    && fold_int(idx, &consts).is_none()
                {
                    indexed[g as usize] = true;
                }
            };
            match &instr.kind {
                InstrKind::Exec(s) => {
                    s.visit_exprs(&mut visit);
                    s.visit_targets(&mut |t| {
                        if let Target::Index(base, idx) = t {
                            visit(&Expr::Index(Box::new(base.clone()), Box::new(idx.clone())));
                        }
                    });
                }
                InstrKind::Test { cond, .. } => cond.visit(&mut visit),
                InstrKind::Skip { .. } => {}
            }
        }
        let ring_list: Vec<bool> = (0..p.globals.len())
            .map(|g| {
                indexed[g]
                    && !assigned[g]
                    && matches!(init.globals[g], Value::Ref(r)
                        if matches!(init.object(r as usize), Some(Object::List(items)) if items.len() == len))
            })
            .collect();
        let lists: Vec<u32> = (0..p.globals.len() as u32)
            .filter(|&g| ring_list[g as usize])
            .collect();
        if lists.is_empty() {
            return Err("no list is indexed by the ring".into());
        }
        // A ring list must be reachable only through its global(s): another path to it would
        // see its elements move.
        let ring_objects: Vec<u32> = lists
            .iter()
            .filter_map(|&g| match init.globals[g as usize] {
                Value::Ref(r) => Some(r),
                _ => None,
            })
            .collect();
        for (g, v) in init.globals.iter().enumerate() {
            if let Value::Ref(r) = v
                && ring_objects.contains(r)
                && !ring_list[g]
            {
                return Err(format!(
                    "the ring list `{}` is also the value of `{}`",
                    p.globals[lists[ring_objects.iter().position(|x| x == r).unwrap()] as usize],
                    p.globals[g]
                ));
            }
        }
        for o in &init.heap {
            let inner = match &**o {
                Object::List(items) => items
                    .iter()
                    .any(|v| matches!(v, Value::Ref(r) if ring_objects.contains(r))),
                Object::Lightswitch { mutex, .. } => ring_objects.contains(mutex),
                _ => false,
            };
            if inner {
                return Err("a ring list is an element of another list".into());
            }
        }

        let mut a = Analysis {
            p,
            n,
            ring_column,
            consts,
            ring_list,
            slots: p
                .procs
                .iter()
                .map(|q| vec![Ty::Unknown; q.locals.len()])
                .collect(),
            returns: vec![Ty::Unknown; p.procs.len()],
            changed: true,
            strict: false,
            func_depth: 0,
        };
        let mut rounds = 0;
        while a.changed {
            a.changed = false;
            a.pass()?;
            rounds += 1;
            if rounds > 4 * (p.procs.len() + 2) {
                return Err("the analysis did not settle".into());
            }
        }
        // What no pass typed holds no ring position (never assigned, or only from such).
        a.strict = true;
        for t in a.slots.iter_mut().flatten().chain(a.returns.iter_mut()) {
            if *t == Ty::Unknown {
                *t = Ty::Plain;
            }
        }
        a.changed = false;
        a.pass()?;
        if a.changed {
            return Err("the analysis did not settle".into());
        }

        // The invariants, as a set, must be their own rotation.
        let mut invariants: Vec<Expr> = Vec::new();
        for inv in &p.invariants {
            let folded = fold_expr(&inv.expr, &a);
            if matches!(folded, Expr::Const(Const::Bool(true))) {
                continue;
            }
            if !invariants.contains(&folded) {
                invariants.push(folded);
            }
        }
        for inv in &invariants {
            if !invariants.contains(&rotate_expr(inv, &a)) {
                return Err("the invariants are not the same for every rotation".into());
            }
        }

        let ring = Ring {
            threads: start..start + len,
            lists,
            slots: a
                .slots
                .iter()
                .map(|s| s.iter().map(|t| *t == Ty::Ring).collect())
                .collect(),
        };
        let mut rotated = init.clone();
        ring.rotate(&mut rotated, 1);
        let mut original = init.clone();
        canonicalize_heap(&mut original);
        canonicalize_heap(&mut rotated);
        if rotated != original {
            return Err("the initial state is not its own rotation".into());
        }
        Ok(ring)
    }
}

impl Ring {
    fn len(&self) -> usize {
        self.threads.len()
    }

    /// Rotates `state` by `k`: instance `j` becomes instance `(j + k) % n` (see the module doc).
    /// The heap is left in whatever numbering the rotation gives.
    pub fn rotate(&self, state: &mut State, k: usize) {
        let n = self.len();
        let k = k % n;
        if k == 0 {
            return;
        }
        let start = self.threads.start;
        let tid = |t: u32| -> u32 {
            let t = t as usize;
            if self.threads.contains(&t) {
                (start + (t - start + k) % n) as u32
            } else {
                t as u32
            }
        };
        let old: Vec<_> = state.threads[self.threads.clone()].to_vec();
        for (j, t) in old.into_iter().enumerate() {
            let new = (j + k) % n;
            let mut t = t;
            let th = Arc::make_mut(&mut t);
            th.index = new as u32;
            for f in &mut th.frames {
                if f.proc == NO_PROC {
                    continue;
                }
                let ring_slots = &self.slots[f.proc as usize];
                for (v, &is_ring) in f.locals.iter_mut().zip(ring_slots) {
                    if is_ring && let Value::Int(i) = v {
                        *i = (*i + k as i64).rem_euclid(n as i64);
                    }
                }
            }
            state.threads[start + new] = t;
        }
        let mut done: Vec<u32> = Vec::new();
        for &g in &self.lists {
            let Value::Ref(r) = state.globals[g as usize] else {
                continue;
            };
            if done.contains(&r) {
                continue;
            }
            done.push(r);
            if let Object::List(items) = state.object_mut(r as usize)
                && items.len() == n
            {
                items.rotate_right(k);
            }
        }
        for o in &mut state.heap {
            let touches = match &**o {
                Object::Semaphore { queue, .. } | Object::Barrier { queue, .. } => {
                    queue.iter().any(|&q| tid(q) != q)
                }
                _ => false,
            };
            if !touches {
                continue;
            }
            match Arc::make_mut(o) {
                Object::Semaphore { fifo, queue, .. } => {
                    queue.iter_mut().for_each(|q| *q = tid(*q));
                    if !*fifo {
                        queue.sort_unstable();
                    }
                }
                Object::Barrier { queue, .. } => {
                    queue.iter_mut().for_each(|q| *q = tid(*q));
                    queue.sort_unstable();
                }
                _ => {}
            }
        }
    }

    /// Rewrites `state` into the canonical one of its `n` rotations, heap canonical: among the
    /// rotations that put the threads' positions (call stacks, running or blocked or done) in
    /// the least order, the one with the least encoding. Both steps depend only on the
    /// rotation class, so every member of a class gets the same form; the first step is cheap
    /// and usually leaves one rotation, so few states are rotated and encoded.
    pub fn canonicalize(&self, state: &mut State) {
        let n = self.len();
        let mut sig = [0u64; 64];
        let sig: &mut [u64] = if n <= 64 {
            &mut sig[..n]
        } else {
            &mut vec![0u64; n][..]
        };
        for (j, t) in state.threads[self.threads.clone()].iter().enumerate() {
            let mut h = match t.status {
                crate::state::Status::Runnable => 1u64,
                crate::state::Status::Blocked(_) => 2,
                crate::state::Status::Done => 3,
            };
            for f in &t.frames {
                for x in [f.proc as u64, f.pc as u64, f.sub as u64] {
                    h = (h ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
                }
            }
            sig[j] = h;
        }
        // Rotation k puts old thread (j - k) mod n at slot j.
        let at = |k: usize, j: usize| sig[(j + n - k) % n];
        let mut best: Vec<usize> = vec![0];
        for k in 1..n {
            let b = best[0];
            match (0..n).map(|j| at(k, j)).cmp((0..n).map(|j| at(b, j))) {
                std::cmp::Ordering::Less => {
                    best.clear();
                    best.push(k);
                }
                std::cmp::Ordering::Equal => best.push(k),
                std::cmp::Ordering::Greater => {}
            }
        }
        if let [k] = best[..] {
            self.rotate(state, k);
            canonicalize_heap(state);
            return;
        }
        let mut chosen: Option<(Vec<u8>, State)> = None;
        let mut enc = Vec::new();
        for k in best {
            let mut c = state.clone();
            self.rotate(&mut c, k);
            canonicalize_heap(&mut c);
            enc.clear();
            crate::codec::encode(&c, &mut enc);
            if chosen.as_ref().is_none_or(|(b, _)| enc < *b) {
                chosen = Some((std::mem::take(&mut enc), c));
            }
        }
        if let Some((_, c)) = chosen {
            *state = c;
        }
    }
}
