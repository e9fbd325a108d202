//! Partial-order reduction for thread-local steps. A step is *local* when it reads and writes
//! only the stepping thread's own data (its position, `self.x` attributes, procedure locals):
//! comment rows, `pass`, `else:` skips, `break`, assignments to `self.x` or locals from local
//! values, actions and prints of local values. Such a step commutes with every step of every
//! other thread, cannot be disabled by them, and is invisible to invariants, assertions and
//! deadlock; so from a state where some thread's next step is local, exploring that step alone
//! (an ample set of one) reaches the same verdicts.
//!
//! Loop headers (`while`/`if` tests) are never local, so every cycle of the reduced graph passes
//! through a non-local step and no thread's local steps can postpone the others forever (the
//! cycle proviso).

use lbos_lang::program::{Builtin, Expr, InstrKind, Program, Stmt, Target};

use crate::machine::{Fault, Machine, Transition};
use crate::state::{State, Status, Value};

fn local_expr(e: &Expr) -> bool {
    match e {
        Expr::Const(_)
        | Expr::Local(_)
        | Expr::SelfAttr(_)
        | Expr::SelfIndex
        | Expr::CompVar(_) => true,
        Expr::Unary(_, a) => local_expr(a),
        Expr::Binary(_, a, b) => local_expr(a) && local_expr(b),
        Expr::Builtin(
            Builtin::Pid | Builtin::NumThreads | Builtin::Print | Builtin::Noop | Builtin::Abs,
            args,
        ) => args.iter().all(local_expr),
        Expr::Action(_, args) => args.iter().all(local_expr),
        // Globals and the heap are shared; list literals allocate in the shared heap; functions
        // may read globals; random choices branch.
        _ => false,
    }
}

fn local_target(t: &Target) -> bool {
    matches!(t, Target::Local(_) | Target::SelfAttr(_))
}

fn local_stmt(s: &Stmt) -> bool {
    match s {
        Stmt::Nop | Stmt::Jump(_) => true,
        Stmt::Assign(ts, e) => ts.iter().all(local_target) && local_expr(e),
        Stmt::AugAssign(t, _, e) => local_target(t) && local_expr(e),
        Stmt::Expr(e) => local_expr(e),
        Stmt::IfInline(c, s) => local_expr(c) && local_stmt(s),
        Stmt::Assert(..) | Stmt::Return(_) | Stmt::Call { .. } => false,
    }
}

/// For every instruction, whether executing it is a local step.
pub fn local_instructions(p: &Program) -> Vec<bool> {
    p.code
        .iter()
        .map(|i| match &i.kind {
            InstrKind::Skip { .. } => true,
            InstrKind::Exec(s) => local_stmt(s),
            InstrKind::Test { .. } => false,
        })
        .collect()
}

impl Machine {
    /// Like [`Machine::successors`], but when some thread's next step is local, only that
    /// thread's step (see the module documentation).
    pub fn reduced_successors(
        &self,
        local: &[bool],
        state: &State,
        out: &mut Vec<(Transition, Result<State, Fault>)>,
    ) {
        let ample = state.threads.iter().position(|t| {
            t.status == Status::Runnable
                && t.frames
                    .last()
                    .is_some_and(|f| f.held[0] == Value::Unset && local[f.pc as usize])
        });
        match ample {
            Some(t) => self.thread_successors(state, t, out),
            None => self.successors(state, out),
        }
    }
}
