//! Partial-order reduction for thread-local steps. A step is *local* when it reads and writes
//! only the stepping thread's own data (its position and call stack, `self.x` attributes,
//! procedure locals) and globals that no thread ever assigns (constants set up by the
//! initialization block): comment rows, `pass`, `else:` skips, `break`, tests and assignments
//! over such values, actions, calls of procedures with such arguments, and returns when no call
//! sends a returned value to shared data. Such a step commutes with every step of every other
//! thread, cannot be disabled by them, and is invisible to invariants, assertions and
//! deadlock; so from a state where some thread's next step is local, exploring that step alone
//! (an ample set of one) reaches the same verdicts.
//!
//! Local steps are also merged into the move before them, as SPIN merges local statements:
//! a thread's step is followed at once by the same thread's local steps, and the states in
//! between are not stored ([`Machine::reduced_moves`]); they are invisible and every other
//! thread's step commutes with them.
//!
//! The cycle proviso: no cycle of the control-flow graph may consist of local steps only
//! (otherwise a thread could loop locally for ever while the others are never explored). After
//! classifying steps, every loop made only of local steps gets its header made non-local.

use lbos_lang::program::{Block, Builtin, END, Expr, Instr, InstrKind, Pc, Program, Stmt, Target};

use crate::machine::{Fault, Machine, Transition};
use crate::state::{State, Status, Value};

struct Locality<'p> {
    p: &'p Program,
    /// Globals that only the initialization block assigns.
    constant: Vec<bool>,
}

impl Locality<'_> {
    fn expr(&self, e: &Expr, depth: u32) -> bool {
        match e {
            Expr::Const(_)
            | Expr::Local(_)
            | Expr::SelfAttr(_)
            | Expr::SelfIndex
            | Expr::CompVar(_) => true,
            Expr::Global(g) => self.constant[*g as usize],
            Expr::Unary(_, a) => self.expr(a, depth),
            Expr::Binary(_, a, b) => self.expr(a, depth) && self.expr(b, depth),
            Expr::Builtin(
                Builtin::Pid | Builtin::NumThreads | Builtin::Print | Builtin::Noop | Builtin::Abs,
                args,
            )
            | Expr::Action(_, args) => args.iter().all(|a| self.expr(a, depth)),
            // A one-line function is local if its body is (its parameters are locals); the
            // depth bound stops recursive functions.
            Expr::Func(f, args) => {
                depth < 8
                    && args.iter().all(|a| self.expr(a, depth))
                    && self.p.procs[*f as usize]
                        .inline
                        .as_ref()
                        .is_some_and(|body| self.expr(body, depth + 1))
            }
            // The heap is shared; list literals allocate in it; random choices branch.
            _ => false,
        }
    }

    fn stmt(&self, s: &Stmt) -> bool {
        match s {
            Stmt::Nop | Stmt::Jump(_) => true,
            Stmt::Assign(ts, e) => ts.iter().all(local_target) && self.expr(e, 0),
            Stmt::AugAssign(t, _, e) => local_target(t) && self.expr(e, 0),
            Stmt::Expr(e) => self.expr(e, 0),
            Stmt::IfInline(c, s) => self.expr(c, 0) && self.stmt(s),
            // The call step evaluates the arguments and pushes a frame; the value comes back
            // (and goes to `dest`) on the return step.
            Stmt::Call { args, .. } => args.iter().all(|a| self.expr(a, 0)),
            Stmt::Return(e) => e.as_ref().is_none_or(|e| self.expr(e, 0)),
            Stmt::Assert(..) => false,
        }
    }
}

fn local_target(t: &Target) -> bool {
    matches!(t, Target::Local(_) | Target::SelfAttr(_))
}

fn assigned_globals(s: &Stmt, out: &mut [bool]) {
    let mut mark = |t: &Target| {
        if let Target::Global(g) = t {
            out[*g as usize] = true;
        }
    };
    match s {
        Stmt::Assign(ts, _) => ts.iter().for_each(mark),
        Stmt::AugAssign(t, ..) => mark(t),
        Stmt::Call { dest: Some(t), .. } => mark(t),
        Stmt::IfInline(_, s) => assigned_globals(s, out),
        _ => {}
    }
}

fn calls_with_shared_dest(s: &Stmt) -> bool {
    match s {
        Stmt::Call { dest: Some(t), .. } => !local_target(t),
        Stmt::IfInline(_, s) => calls_with_shared_dest(s),
        _ => false,
    }
}

/// Where control can go after an instruction, within its own code (a call goes to the
/// procedure's entry and, after the return, to the next row).
fn control_successors(p: &Program, i: &Instr) -> Vec<Pc> {
    let mut out = vec![i.next];
    match &i.kind {
        InstrKind::Test { on_false, .. } => out.push(*on_false),
        InstrKind::Skip { target } => out.push(*target),
        InstrKind::Exec(s) => {
            let mut s = s;
            if let Stmt::IfInline(_, inner) = s {
                s = inner;
            }
            match s {
                Stmt::Jump(t) => out.push(*t),
                Stmt::Call { proc, .. } => out.push(p.procs[*proc as usize].entry),
                _ => {}
            }
        }
    }
    out.retain(|&pc| pc != END);
    out
}

/// Whether executing `i` may return from a procedure (explicitly or by falling off its end).
fn may_return(p: &Program, i: &Instr) -> bool {
    matches!(p.rows[i.row as usize].block, Block::Proc(_))
        && (matches!(&i.kind, InstrKind::Exec(Stmt::Return(_)))
            || i.next == END
            || matches!(&i.kind, InstrKind::Test { on_false, .. } if *on_false == END)
            || matches!(&i.kind, InstrKind::Skip { target } if *target == END)
            || matches!(&i.kind, InstrKind::Exec(Stmt::Jump(t)) if *t == END))
}

/// Makes the header of every cycle of local instructions non-local (the cycle proviso).
fn break_local_cycles(p: &Program, local: &mut [bool]) {
    // 0 = unvisited, 1 = on the depth-first stack, 2 = done.
    let mut mark = vec![0u8; p.code.len()];
    for root in 0..p.code.len() {
        if mark[root] != 0 || !local[root] {
            continue;
        }
        let mut stack: Vec<(usize, Vec<Pc>)> = vec![(root, control_successors(p, &p.code[root]))];
        mark[root] = 1;
        while let Some((node, succ)) = stack.last_mut() {
            let node = *node;
            match succ.pop() {
                Some(next) => {
                    let next = next as usize;
                    if !local[next] || !local[node] {
                        continue;
                    }
                    match mark[next] {
                        // A back edge: `next` heads a loop of local steps.
                        1 => local[next] = false,
                        0 => {
                            mark[next] = 1;
                            stack.push((next, control_successors(p, &p.code[next])));
                        }
                        _ => {}
                    }
                }
                None => {
                    mark[node] = 2;
                    stack.pop();
                }
            }
        }
    }
}

/// For every instruction, whether executing it is a local step.
pub fn local_instructions(p: &Program) -> Vec<bool> {
    let mut assigned = vec![false; p.globals.len()];
    let mut shared_returns = false;
    for i in &p.code {
        if let InstrKind::Exec(s) = &i.kind {
            if p.rows[i.row as usize].block != Block::Init {
                assigned_globals(s, &mut assigned);
            }
            shared_returns |= calls_with_shared_dest(s);
        }
    }
    let ctx = Locality {
        p,
        constant: assigned.iter().map(|a| !a).collect(),
    };
    let mut local: Vec<bool> = p
        .code
        .iter()
        .map(|i| {
            let own = match &i.kind {
                InstrKind::Skip { .. } => true,
                InstrKind::Exec(s) => ctx.stmt(s),
                InstrKind::Test { cond, .. } => ctx.expr(cond, 0),
            };
            // A return may store the value into shared data (`x = f()` with a global `x`).
            own && !(shared_returns && may_return(p, i))
        })
        .collect();
    break_local_cycles(p, &mut local);
    local
}

/// A step taken by one thread, followed by the same thread's local steps, if any.
pub struct Move {
    /// The transitions taken, in order (at least one).
    pub transitions: Vec<Transition>,
    /// The state reached, or the fault of the last transition.
    pub outcome: Result<State, Fault>,
}

/// Local steps a move takes at most (a loop of local steps cannot exist, see the module
/// documentation; this only bounds a deep recursion before the call-depth limit stops it).
const MAX_LOCAL_RUN: usize = 10_000;

impl Machine {
    fn next_is_local(local: &[bool], state: &State, t: usize) -> bool {
        let th = &state.threads[t];
        th.status == Status::Runnable
            && th
                .frames
                .last()
                .is_some_and(|f| f.held[0] == Value::Unset && local[f.pc as usize])
    }

    /// The threads whose next step is local.
    pub fn local_threads<'a>(
        &self,
        local: &'a [bool],
        state: &'a State,
    ) -> impl Iterator<Item = usize> + 'a {
        (0..state.threads.len()).filter(move |&t| Self::next_is_local(local, state, t))
    }

    /// Continues a move of thread `t` with its local steps, as long as its next step is local.
    /// `visit` sees every state passed through (the states between the steps of a move are not
    /// stored, but their rows are reached).
    pub fn run_local_steps(
        &self,
        local: &[bool],
        t: usize,
        mut mv: Move,
        visit: &mut impl FnMut(&State),
    ) -> Move {
        let mut succ = Vec::with_capacity(1);
        while let Ok(state) = &mv.outcome {
            if mv.transitions.len() > MAX_LOCAL_RUN || !Self::next_is_local(local, state, t) {
                break;
            }
            visit(state);
            succ.clear();
            self.thread_successors(state, t, &mut succ);
            // A local step makes no choices: one successor.
            let Some((tr, outcome)) = succ.pop() else {
                break;
            };
            mv.transitions.push(tr);
            mv.outcome = outcome;
        }
        mv
    }

    /// The reduced successors of `state` (see the module documentation). When some thread's
    /// next step is local, the only move is that thread's run of local steps; otherwise every
    /// step of every thread, each followed by the same thread's local steps.
    pub fn reduced_moves(
        &self,
        local: &[bool],
        state: &State,
        out: &mut Vec<Move>,
        visit: &mut impl FnMut(&State),
    ) {
        let mut succ = Vec::new();
        match self.local_threads(local, state).next() {
            Some(t) => self.thread_successors(state, t, &mut succ),
            None => self.successors(state, &mut succ),
        }
        for (tr, outcome) in succ {
            let t = tr.thread as usize;
            let mv = Move {
                transitions: vec![tr],
                outcome,
            };
            out.push(self.run_local_steps(local, t, mv, visit));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local_rows(src: &str) -> Vec<String> {
        let p = lbos_lang::compile(src).unwrap();
        let local = local_instructions(&p);
        let mut rows: Vec<(u32, String)> = p
            .code
            .iter()
            .zip(&local)
            .filter(|(i, l)| **l && p.rows[i.row as usize].block != Block::Init)
            .map(|(i, _)| p.rows[i.row as usize].line)
            .map(|line| {
                (
                    line,
                    p.source
                        .lines()
                        .nth(line as usize - 1)
                        .unwrap()
                        .trim()
                        .to_string(),
                )
            })
            .collect();
        rows.sort();
        rows.dedup();
        rows.into_iter().map(|(_, text)| text).collect()
    }

    #[test]
    fn constants_calls_and_local_tests_are_local_and_loops_keep_a_non_local_step() {
        let src = "n = 3\nx = 0\ndef right(i): return (i + 1) % n\ndef f(i):\n    x = i\n    self.y = right(i)\n## Thread\nwhile True:\n    # think\n    f(self.index)\n    if n > 2:\n        pass\n    x = n\n";
        let rows = local_rows(src);
        // `while True` would be local, but then the loop body must hold a non-local step:
        // `x = n` is one (x is assigned by threads), so the header stays local.
        assert_eq!(
            rows,
            [
                "self.y = right(i)",
                "while True:",
                "# think",
                "f(self.index)",
                "if n > 2:",
                "pass"
            ]
        );
        // `x = i` inside `f` assigns the global x (no `global` needed in Sync): not local.
        // A loop of local steps only gets its header made non-local.
        let rows = local_rows("## Thread\nwhile True:\n    self.k = 1\n");
        assert_eq!(rows, ["self.k = 1"]);
        // A returned value that goes to a global makes returns non-local (the call is local:
        // the value is stored when it comes back).
        let rows = local_rows("x = 0\ndef g():\n    # a\n    return 1\n## Thread\nx = g()\n");
        assert_eq!(rows, ["# a", "x = g()"]);
        let rows = local_rows("x = 0\ndef g():\n    # a\n    return 1\n## Thread\nself.v = g()\n");
        assert_eq!(rows, ["# a", "return 1", "self.v = g()"]);
    }
}
