//! One step of one thread on the flat state: the interpreter's `Exec` (crates/vm/src/
//! machine.rs) restricted to what the layout holds, statement for statement, with every
//! fault and every case outside the layout a [`Bail`].

use lbos_lang::program::{
    BinOp, Builtin, Const, END, Expr, InstrKind, Method, Pc, Stmt, Target, UnOp,
};

use super::{Bail, Compiled, DONE, Flat, Obj, RUNNABLE, int};
use crate::machine::{binomial, each_of_nth_combination};
use crate::state::Value;

type B<T> = Result<T, Bail>;

enum Flow {
    Next,
    Blocked,
    Stay,
    Jump(Pc),
    Return(Value),
    Call,
    Balk,
}

struct Run<'a> {
    c: &'a Compiled,
    f: &'a mut Flat,
    /// The thread whose data `self.x`, locals and frames refer to (a woken thread while its
    /// bookkeeping runs); None while invariants are evaluated.
    cur: Option<u32>,
    work: u64,
    depth: usize,
    /// The slot base of the current thread's innermost frame ([`NO_TOP`] if it has none, or
    /// there is no current thread): kept up to date where the frame count or `cur` changes,
    /// since nearly every statement reads it.
    top: u32,
}

const NO_TOP: u32 = u32::MAX;

/// Runs one step of thread `t` with the flat state's forced choices, then the invariants if
/// the shared data changed.
pub(super) fn run_step(c: &Compiled, f: &mut Flat, t: u32) -> B<()> {
    f.fn_locals.clear();
    f.fn_bases.clear();
    let mark = f.undo.len();
    let mut run = Run {
        c,
        f,
        cur: Some(t),
        work: 0,
        depth: 0,
        top: NO_TOP,
    };
    run.retop();
    run.step()?;
    // The invariants hold still unless the step wrote a slot they read.
    if !c.invariants.is_empty()
        && run.f.undo[mark..]
            .iter()
            .any(|&(i, _)| c.watched[i as usize])
    {
        // As the interpreter: one evaluation context (and work budget) for all invariants.
        let mut inv = Run {
            c,
            f: run.f,
            cur: None,
            work: 0,
            depth: 0,
            top: NO_TOP,
        };
        for e in &c.invariants {
            let v = inv.eval(e)?;
            if !inv.truthy(v)? {
                return Err(Bail);
            }
        }
    }
    Ok(())
}

impl Run<'_> {
    /// Writes slot `i`, logging its old value if it changes (the log is all the bookkeeping:
    /// what was written, for the invariants and [`Flat::dirty`], is read from it).
    #[inline]
    fn set(&mut self, i: u32, v: Value) {
        let w = &mut self.f.words[i as usize];
        let old = *w;
        if old != v {
            *w = v;
            self.f.undo.push((i, old));
        }
    }

    /// Sets the current thread's frame count (and the cached top frame).
    fn set_frames(&mut self, t: u32, n: u32) {
        self.set(self.c.thread_base(t) + 1, Value::Int(i64::from(n)));
        self.top = if n == 0 {
            NO_TOP
        } else {
            self.c.frame_base(t, n - 1)
        };
    }

    fn retop(&mut self) {
        self.top = match self.cur {
            Some(t) => match self.frames(t) {
                0 => NO_TOP,
                n => self.c.frame_base(t, n - 1),
            },
            None => NO_TOP,
        };
    }

    fn word(&self, i: u32) -> Value {
        self.f.words[i as usize]
    }

    fn tid(&self) -> B<u32> {
        self.cur.ok_or(Bail)
    }

    fn frames(&self, t: u32) -> u32 {
        int(self.word(self.c.thread_base(t) + 1)) as u32
    }

    /// The slot base of the current thread's innermost frame.
    #[inline]
    fn top(&self) -> B<u32> {
        if self.top == NO_TOP {
            return Err(Bail);
        }
        Ok(self.top)
    }

    fn spend(&mut self) -> B<()> {
        self.work += 1;
        if self.work > self.c.work_cap {
            return Err(Bail);
        }
        Ok(())
    }

    fn step(&mut self) -> B<()> {
        let top = self.top()?;
        let pc = int(self.word(top + 1)) as u32;
        if pc == END {
            return Err(Bail);
        }
        let c = self.c;
        let instr = &c.program.code[pc as usize];
        match &instr.kind {
            InstrKind::Skip { target } => self.set_pc(*target)?,
            InstrKind::Test { cond, on_false } => {
                let v = self.eval(cond)?;
                let next = if self.truthy(v)? {
                    instr.next
                } else {
                    *on_false
                };
                self.set_pc(next)?;
            }
            InstrKind::Exec(stmt) => match self.exec_stmt(stmt)? {
                Flow::Next => self.set_pc(instr.next)?,
                Flow::Jump(t) => self.set_pc(t)?,
                Flow::Blocked | Flow::Stay | Flow::Call => {}
                Flow::Return(v) => self.do_return(v)?,
                Flow::Balk => {
                    let t = self.tid()?;
                    self.set_frames(t, 0);
                    self.set(c.thread_base(t), DONE);
                }
            },
        }
        self.finish_frames()
    }

    #[inline]
    fn set_pc(&mut self, pc: Pc) -> B<()> {
        let f = self.top()?;
        self.set(f + 1, Value::Int(i64::from(pc)));
        if self.c.lightswitches {
            self.set(f + 2, Value::Int(0));
            self.set(f + 3, Value::Unset);
            self.set(f + 4, Value::Unset);
        }
        Ok(())
    }

    /// Returns from (or ends) the frames whose pc is END; nearly always none.
    #[inline]
    fn finish_frames(&mut self) -> B<()> {
        if self.cur.is_some() && (self.top == NO_TOP || int(self.word(self.top + 1)) as u32 != END)
        {
            return Ok(());
        }
        self.finish_ended_frames()
    }

    #[inline(never)]
    fn finish_ended_frames(&mut self) -> B<()> {
        loop {
            let t = self.tid()?;
            if self.top == NO_TOP {
                return Ok(());
            }
            if int(self.word(self.top + 1)) as u32 != END {
                return Ok(());
            }
            if self.frames(t) == 1 {
                self.set_frames(t, 0);
                self.set(self.c.thread_base(t), DONE);
                return Ok(());
            }
            self.do_return(Value::None)?;
        }
    }

    fn do_return(&mut self, v: Value) -> B<()> {
        let t = self.tid()?;
        let n = self.frames(t);
        if n < 2 {
            return Err(Bail);
        }
        self.set_frames(t, n - 1);
        let caller_pc = int(self.word(self.top + 1)) as u32;
        if caller_pc == END {
            return Err(Bail);
        }
        let c = self.c;
        let instr = &c.program.code[caller_pc as usize];
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
        self.set_pc(instr.next)?;
        self.finish_frames()
    }

    fn exec_stmt(&mut self, s: &Stmt) -> B<Flow> {
        match s {
            Stmt::Nop => Ok(Flow::Next),
            Stmt::Jump(t) => Ok(Flow::Jump(*t)),
            Stmt::Return(e) => Ok(Flow::Return(match e {
                Some(e) => self.eval(e)?,
                None => Value::None,
            })),
            Stmt::Assert(cond, _) => {
                let v = self.eval(cond)?;
                if self.truthy(v)? {
                    Ok(Flow::Next)
                } else {
                    Err(Bail)
                }
            }
            Stmt::IfInline(cond, body) => {
                let v = self.eval(cond)?;
                match &**body {
                    _ if !self.truthy(v)? => Ok(Flow::Next),
                    // One step only, as the interpreter: `signal` runs as an expression here.
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
            Stmt::Call { proc, args, .. } => {
                let c = self.c;
                let p = &c.program.procs[*proc as usize];
                let nlocals = p.locals.len();
                // Arguments are evaluated before the frame exists, in the caller's context.
                let mark = self.f.fn_locals.len();
                for a in args {
                    let v = self.eval(a)?;
                    self.f.fn_locals.push(v);
                }
                let t = self.tid()?;
                let n = self.frames(t);
                if n as usize >= c.max_call_depth || n >= c.max_frames {
                    return Err(Bail);
                }
                let fb = c.frame_base(t, n);
                self.set(fb, Value::Int(i64::from(*proc)));
                self.set(fb + 1, Value::Int(i64::from(p.entry)));
                self.set(fb + 2, Value::Int(0));
                self.set(fb + 3, Value::Unset);
                self.set(fb + 4, Value::Unset);
                for i in 0..nlocals {
                    let v = self
                        .f
                        .fn_locals
                        .get(mark + i)
                        .copied()
                        .unwrap_or(Value::Unset);
                    self.set(fb + 5 + i as u32, v);
                }
                self.f.fn_locals.truncate(mark);
                self.set_frames(t, n + 1);
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

    fn blocking_method(&mut self, obj: &Expr, method: Method, args: &[Expr]) -> B<Flow> {
        let top = self.top()?;
        let held = [self.word(top + 3), self.word(top + 4)];
        // (Never held without lightswitches.)
        if self.c.lightswitches && held[0] != Value::Unset {
            let (Value::Ref(ls), Value::Ref(sem)) = (held[0], held[1]) else {
                return Err(Bail);
            };
            return self.lightswitch_step(ls, sem, method);
        }
        let target = self.eval(obj)?;
        let Value::Ref(r) = target else {
            return Err(Bail);
        };
        let mut first = None;
        for a in args {
            let v = self.eval(a)?;
            first.get_or_insert(v);
        }
        match (self.c.objects[r as usize], method) {
            (Obj::Sem { .. }, Method::Wait) if args.is_empty() => self.sem_wait(r),
            (Obj::Barrier { .. }, Method::Wait) if args.is_empty() => self.barrier_wait(r),
            (Obj::Sem { .. }, Method::Signal) if args.len() == 1 => {
                let k = as_int(first.ok_or(Bail)?)?;
                self.sem_signal_n(r, k)?;
                Ok(Flow::Next)
            }
            (
                Obj::Lightswitch { .. },
                Method::Lock | Method::Unlock | Method::Wait | Method::Signal,
            ) if args.len() == 1 => {
                let Some(sem @ Value::Ref(semr)) = first else {
                    return Err(Bail);
                };
                if !matches!(self.c.objects[semr as usize], Obj::Sem { .. }) {
                    return Err(Bail);
                }
                self.set(top + 3, target);
                self.set(top + 4, sem);
                self.set(top + 2, Value::Int(0));
                let method = match method {
                    Method::Wait => Method::Lock,
                    Method::Signal => Method::Unlock,
                    m => m,
                };
                self.lightswitch_step(r, semr, method)
            }
            _ => Err(Bail),
        }
    }

    fn lightswitch_step(&mut self, ls: u32, sem: u32, method: Method) -> B<Flow> {
        let top = self.top()?;
        let sub = int(self.word(top + 2));
        let Some(&Obj::Lightswitch { base, mutex }) = self.c.objects.get(ls as usize) else {
            return Err(Bail);
        };
        if !matches!(self.c.objects.get(sem as usize), Some(Obj::Sem { .. })) {
            return Err(Bail);
        }
        let counter = int(self.word(base));
        let lock = matches!(method, Method::Lock | Method::Wait);
        match sub {
            0 => match self.sem_wait(mutex)? {
                Flow::Blocked => Ok(Flow::Blocked),
                _ => {
                    self.set(top + 2, Value::Int(1));
                    Ok(Flow::Stay)
                }
            },
            1 => {
                let c = if lock {
                    counter.checked_add(1)
                } else {
                    counter.checked_sub(1)
                }
                .ok_or(Bail)?;
                self.set(base, Value::Int(c));
                self.set(top + 2, Value::Int(2));
                Ok(Flow::Stay)
            }
            2 => {
                if lock && counter == 1 {
                    if let Flow::Blocked = self.sem_wait(sem)? {
                        return Ok(Flow::Blocked);
                    }
                } else if !lock && counter == 0 {
                    self.sem_signal(sem)?;
                }
                self.set(top + 2, Value::Int(3));
                Ok(Flow::Stay)
            }
            _ => {
                self.sem_signal(mutex)?;
                Ok(Flow::Next)
            }
        }
    }

    fn sem_wait(&mut self, r: u32) -> B<Flow> {
        let Obj::Sem { base, fifo } = self.c.objects[r as usize] else {
            return Err(Bail);
        };
        let t = self.tid()?;
        let v = int(self.word(base)).checked_sub(1).ok_or(Bail)?;
        self.set(base, Value::Int(v));
        if v >= 0 {
            return Ok(Flow::Next);
        }
        self.block_in_queue(r, base, t, !fifo)
    }

    /// Thread `t` joins the queue of object `r` (its length at `base + 1`, its entries from
    /// `base + 2`) and blocks there. A `sorted` queue is a set kept in thread order (a weak
    /// semaphore's, a barrier's), any other keeps arrival order (as the interpreter's
    /// `enqueue`).
    fn block_in_queue(&mut self, r: u32, base: u32, t: u32, sorted: bool) -> B<Flow> {
        let n = int(self.word(base + 1)) as u32;
        if n >= self.c.threads {
            return Err(Bail);
        }
        let mut at = n;
        if sorted {
            while at > 0 && int(self.word(base + 2 + at - 1)) > i64::from(t) {
                let prev = self.word(base + 2 + at - 1);
                self.set(base + 2 + at, prev);
                at -= 1;
            }
        }
        self.set(base + 2 + at, Value::Int(i64::from(t)));
        self.set(base + 1, Value::Int(i64::from(n + 1)));
        self.set(self.c.thread_base(t), Value::Ref(r));
        Ok(Flow::Blocked)
    }

    /// `signal()` of one: the value goes up and one waiter (the first of a FIFO queue, any of
    /// a weak one: a choice) moves on.
    fn sem_signal(&mut self, r: u32) -> B<()> {
        let Obj::Sem { base, fifo } = self.c.objects[r as usize] else {
            return Err(Bail);
        };
        let v = int(self.word(base)).checked_add(1).ok_or(Bail)?;
        self.set(base, Value::Int(v));
        let n = int(self.word(base + 1)) as u32;
        if n == 0 {
            return Ok(());
        }
        let pick = if fifo { 0 } else { self.choose(n)? };
        let woken = int(self.word(base + 2 + pick)) as u32;
        for k in pick..n - 1 {
            let next = self.word(base + 2 + k + 1);
            self.set(base + 2 + k, next);
        }
        self.set(base + 1 + n, Value::Int(0));
        self.set(base + 1, Value::Int(i64::from(n - 1)));
        self.wake(woken)
    }

    /// `signal(k)` (as the interpreter's `sem_signal`): the value goes up by `k` and
    /// min(k, waiters) of them move on, the first ones of a FIFO queue, any subset of a weak
    /// one (a choice among the subsets in lexicographic order), woken in queue order.
    fn sem_signal_n(&mut self, r: u32, k: i64) -> B<()> {
        let Obj::Sem { base, fifo } = self.c.objects[r as usize] else {
            return Err(Bail);
        };
        if k < 0 {
            return Err(Bail);
        }
        let v = int(self.word(base)).checked_add(k).ok_or(Bail)?;
        self.set(base, Value::Int(v));
        let n = int(self.word(base + 1)) as u32;
        let wake = k.min(i64::from(n)) as u32;
        if wake == 0 {
            return Ok(());
        }
        // Positions in the queue of the woken threads, as a mask; small queues only (the
        // subsets' count must stay small).
        if n > 20 {
            return Err(Bail);
        }
        let chosen = if fifo {
            (1u64 << wake) - 1
        } else {
            // n <= 20: at most C(20, 10) subsets.
            let pick = self.choose(binomial(n as usize, wake as usize) as u32)?;
            let mut mask = 0;
            each_of_nth_combination(n as usize, wake as usize, u64::from(pick), |i| {
                mask |= 1 << i;
            });
            mask
        };
        let mut woken = [0u32; 20];
        let (mut w, mut kept) = (0, 0);
        for i in 0..n {
            let id = self.word(base + 2 + i);
            if chosen & (1 << i) != 0 {
                woken[w] = int(id) as u32;
                w += 1;
            } else {
                self.set(base + 2 + kept, id);
                kept += 1;
            }
        }
        for i in kept..n {
            self.set(base + 2 + i, Value::Int(0));
        }
        self.set(base + 1, Value::Int(i64::from(kept)));
        for &t in &woken[..w] {
            self.wake(t)?;
        }
        Ok(())
    }

    /// A barrier's `wait()` (as the interpreter's `barrier_wait`): the n-th arrival resets the
    /// count and wakes every waiter in queue order, then moves on; the others join the queue
    /// (a sorted set) and block.
    fn barrier_wait(&mut self, r: u32) -> B<Flow> {
        let Obj::Barrier { base, n } = self.c.objects[r as usize] else {
            return Err(Bail);
        };
        let t = self.tid()?;
        let count = int(self.word(base)).checked_add(1).ok_or(Bail)?;
        let len = int(self.word(base + 1)) as u32;
        if count >= n {
            self.set(base, Value::Int(0));
            self.set(base + 1, Value::Int(0));
            // Waking runs only the woken thread's bookkeeping, which cannot write the queue:
            // its entries are read in place.
            for k in 0..len {
                let woken = int(self.word(base + 2 + k)) as u32;
                self.set(base + 2 + k, Value::Int(0));
                self.wake(woken)?;
            }
            return Ok(Flow::Next);
        }
        self.set(base, Value::Int(count));
        self.block_in_queue(r, base, t, true)
    }

    fn choose(&mut self, arity: u32) -> B<u32> {
        if arity <= 1 {
            return Ok(0);
        }
        let k = self.f.made.len();
        let c = match self.f.forced.get(k) {
            Some(&c) if c < arity => c,
            Some(_) => return Err(Bail),
            None => 0,
        };
        self.f.made.push((c, arity));
        Ok(c)
    }

    /// Moves a blocked thread past the operation it is blocked in (as the interpreter's
    /// `advance_woken`, run as that thread).
    fn wake(&mut self, t: u32) -> B<()> {
        let me = self.cur.replace(t);
        self.retop();
        let result = self.advance_woken(t);
        self.cur = me;
        self.retop();
        result
    }

    fn advance_woken(&mut self, t: u32) -> B<()> {
        self.set(self.c.thread_base(t), RUNNABLE);
        let top = self.top()?;
        if self.word(top + 3) != Value::Unset {
            let sub = int(self.word(top + 2));
            if sub >= 255 {
                return Err(Bail);
            }
            self.set(top + 2, Value::Int(sub + 1));
            Ok(())
        } else {
            let pc = int(self.word(top + 1)) as u32;
            if pc == END {
                return Err(Bail);
            }
            let next = self.c.program.code[pc as usize].next;
            self.set_pc(next)?;
            self.finish_frames()
        }
    }

    /// The slot of local `i`: of the one-line function being evaluated, else of the current
    /// thread's innermost frame. None for a slot the interpreter would not find.
    fn local_slot(&self, i: u32) -> B<LocalSlot> {
        if let Some(&(base, len)) = self.f.fn_bases.last() {
            let at = base + i as usize;
            return if (i as usize) < len {
                Ok(LocalSlot::Fn(at))
            } else {
                Err(Bail)
            };
        }
        let top = self.top()?;
        let proc = int(self.word(top)) as u32;
        if i >= self.c.locals_of(proc) {
            return Err(Bail);
        }
        Ok(LocalSlot::Frame(top + 5 + i))
    }

    fn read_local(&self, i: u32) -> B<Value> {
        let v = match self.local_slot(i)? {
            LocalSlot::Fn(at) => self.f.fn_locals[at],
            LocalSlot::Frame(s) => self.word(s),
        };
        if v == Value::Unset {
            return Err(Bail);
        }
        Ok(v)
    }

    fn read_global(&self, g: u32) -> B<Value> {
        match self.word(g) {
            Value::Unset => Err(Bail),
            v => Ok(v),
        }
    }

    fn read_attr(&self, a: u32) -> B<Value> {
        let t = self.tid()?;
        if a >= self.c.attrs {
            return Err(Bail);
        }
        match self.word(self.c.thread_base(t) + 2 + a) {
            Value::Unset => Err(Bail),
            v => Ok(v),
        }
    }

    fn read_target(&mut self, t: &Target) -> B<Value> {
        match t {
            Target::Global(g) => self.read_global(*g),
            Target::Local(i) => self.read_local(*i),
            Target::SelfAttr(a) => self.read_attr(*a),
            Target::Index(l, i) => {
                let slot = self.index_place(l, i)?;
                Ok(self.word(slot))
            }
        }
    }

    /// The slot of list item `l[i]`.
    fn index_place(&mut self, l: &Expr, i: &Expr) -> B<u32> {
        let lv = self.eval(l)?;
        let iv = self.eval(i)?;
        let (base, len) = self.list(lv)?;
        Ok(base + list_index(iv, len)?)
    }

    fn list(&self, v: Value) -> B<(u32, u32)> {
        match v {
            Value::Ref(r) => match self.c.objects[r as usize] {
                Obj::List { base, len } => Ok((base, len)),
                _ => Err(Bail),
            },
            _ => Err(Bail),
        }
    }

    /// Writes a shared slot (a global or a list item): references there never change, so the
    /// objects the globals reach, and their numbering, stay those of the layout.
    fn set_shared(&mut self, slot: u32, v: Value) -> B<()> {
        let ok = match (self.c.fixed[slot as usize], v) {
            (Some(r), Value::Ref(s)) => r == s,
            (Some(_), _) | (None, Value::Ref(_)) => false,
            (None, _) => true,
        };
        if !ok {
            return Err(Bail);
        }
        self.set(slot, v);
        Ok(())
    }

    fn assign(&mut self, t: &Target, v: Value) -> B<()> {
        match t {
            Target::Global(g) => self.set_shared(*g, v),
            Target::Local(i) => match self.local_slot(*i)? {
                LocalSlot::Fn(at) => {
                    self.f.fn_locals[at] = v;
                    Ok(())
                }
                LocalSlot::Frame(s) => {
                    self.set(s, v);
                    Ok(())
                }
            },
            Target::SelfAttr(a) => {
                let t = self.tid()?;
                if *a >= self.c.attrs {
                    return Err(Bail);
                }
                self.set(self.c.thread_base(t) + 2 + a, v);
                Ok(())
            }
            Target::Index(l, i) => {
                let slot = self.index_place(l, i)?;
                self.set_shared(slot, v)
            }
        }
    }

    fn truthy(&self, v: Value) -> B<bool> {
        Ok(match v {
            Value::Unset | Value::None => false,
            Value::Bool(b) => b,
            Value::Int(i) => i != 0,
            Value::Str(s) => !self
                .c
                .empty_string
                .get(s as usize)
                .copied()
                .unwrap_or(false),
            Value::Ref(r) => match self.c.objects[r as usize] {
                Obj::List { len, .. } => len > 0,
                _ => true,
            },
        })
    }

    /// Evaluates `e`: the leaves (about half of all evaluations) here, inlined into each
    /// caller, the rest in [`Run::eval_node`] (a recursive call per leaf was the larger
    /// part of their cost).
    #[inline(always)]
    fn eval(&mut self, e: &Expr) -> B<Value> {
        self.spend()?;
        match e {
            Expr::Const(c) => Ok(const_value(c)),
            Expr::Global(g) => self.read_global(*g),
            Expr::Local(i) => self.read_local(*i),
            Expr::SelfAttr(a) => self.read_attr(*a),
            _ => self.eval_node(e),
        }
    }

    /// [`Run::eval`] of `e`, its work spent.
    #[inline(never)]
    fn eval_node(&mut self, e: &Expr) -> B<Value> {
        match e {
            Expr::Const(c) => Ok(const_value(c)),
            Expr::Global(g) => self.read_global(*g),
            Expr::Local(i) => self.read_local(*i),
            Expr::SelfAttr(a) => self.read_attr(*a),
            Expr::SelfIndex => Ok(Value::Int(match self.cur {
                Some(t) => i64::from(self.c.ids[t as usize].1),
                None => 0,
            })),
            Expr::Index(l, i) => {
                let lv = self.eval(l)?;
                let iv = self.eval(i)?;
                let (base, len) = self.list(lv)?;
                Ok(self.word(base + list_index(iv, len)?))
            }
            Expr::Unary(op, a) => {
                let v = self.eval(a)?;
                match op {
                    UnOp::Not => Ok(Value::Bool(!self.truthy(v)?)),
                    UnOp::Neg => Ok(Value::Int(as_int(v)?.checked_neg().ok_or(Bail)?)),
                }
            }
            Expr::Binary(BinOp::And, a, b) => {
                let v = self.eval(a)?;
                if !self.truthy(v)? {
                    Ok(v)
                } else {
                    self.eval(b)
                }
            }
            Expr::Binary(BinOp::Or, a, b) => {
                let v = self.eval(a)?;
                if self.truthy(v)? { Ok(v) } else { self.eval(b) }
            }
            Expr::Binary(op, a, b) => {
                let x = self.eval(a)?;
                let y = self.eval(b)?;
                self.binary(*op, x, y)
            }
            Expr::Builtin(b, args) => {
                // Every builtin evaluates its arguments first.
                let (mut n, mut first) = (0usize, Value::Unset);
                let (mut lo, mut hi) = (i64::MAX, i64::MIN);
                let mut all_int = true;
                for a in args {
                    let v = self.eval(a)?;
                    if n == 0 {
                        first = v;
                    }
                    n += 1;
                    match as_int(v) {
                        Ok(i) => {
                            lo = lo.min(i);
                            hi = hi.max(i);
                        }
                        Err(_) => all_int = false,
                    }
                }
                match b {
                    Builtin::Len => {
                        let (_, len) = self.list(first)?;
                        Ok(Value::Int(i64::from(len)))
                    }
                    Builtin::Abs => Ok(Value::Int(as_int(first)?.checked_abs().ok_or(Bail)?)),
                    Builtin::Min | Builtin::Max if n >= 2 && all_int => {
                        Ok(Value::Int(if *b == Builtin::Min { lo } else { hi }))
                    }
                    Builtin::Print | Builtin::Noop => Ok(Value::None),
                    // `s.value` (invariants only): the count slot of a semaphore, lightswitch or
                    // barrier.
                    Builtin::Value => match first {
                        Value::Ref(r) => match self.c.objects[r as usize] {
                            Obj::Sem { base, .. }
                            | Obj::Lightswitch { base, .. }
                            | Obj::Barrier { base, .. } => Ok(self.word(base)),
                            Obj::List { .. } => Err(Bail),
                        },
                        _ => Err(Bail),
                    },
                    Builtin::Pid => Ok(Value::Str(
                        self.c.program.strings.len() as u32 + self.cur.map_or(0, |t| t + 1),
                    )),
                    Builtin::NumThreads => Ok(Value::Int(match self.cur {
                        Some(_) => i64::from(self.c.threads),
                        None => self.c.total_threads,
                    })),
                    _ => Err(Bail),
                }
            }
            Expr::Method(obj, m, args) => {
                let o = self.eval(obj)?;
                for a in args {
                    self.eval(a)?;
                }
                // A method called by an invariant changes the state it checks: interpreter.
                let Value::Ref(r) = o else {
                    return Err(Bail);
                };
                match (self.c.objects[r as usize], m) {
                    (Obj::Sem { .. }, Method::Signal) if args.is_empty() && self.cur.is_some() => {
                        self.sem_signal(r)?;
                        Ok(Value::None)
                    }
                    _ => Err(Bail),
                }
            }
            Expr::Func(p, args) => {
                let c = self.c;
                let proc = &c.program.procs[*p as usize];
                let body = proc.inline.as_ref().ok_or(Bail)?;
                let mark = self.f.fn_locals.len();
                for a in args {
                    let v = self.eval(a)?;
                    self.f.fn_locals.push(v);
                }
                if self.depth >= c.max_call_depth {
                    return Err(Bail);
                }
                self.f
                    .fn_locals
                    .resize(mark + proc.locals.len(), Value::Unset);
                self.depth += 1;
                self.f.fn_bases.push((mark, proc.locals.len()));
                let r = self.eval(body);
                self.f.fn_bases.pop();
                self.f.fn_locals.truncate(mark);
                self.depth -= 1;
                r
            }
            Expr::Action(_, args) => {
                for a in args {
                    self.eval(a)?;
                }
                Ok(Value::None)
            }
            Expr::CompVar(_) | Expr::List(_) | Expr::Comp(..) => Err(Bail),
        }
    }

    fn binary(&mut self, op: BinOp, x: Value, y: Value) -> B<Value> {
        use BinOp::*;
        match op {
            Eq | Ne => {
                let eq = match (x, y) {
                    (Value::Int(a), Value::Bool(b)) | (Value::Bool(b), Value::Int(a)) => {
                        a == b as i64
                    }
                    // Two lists compare by content: not worth it here.
                    (Value::Ref(a), Value::Ref(b)) if a != b => {
                        if matches!(self.c.objects[a as usize], Obj::List { .. })
                            && matches!(self.c.objects[b as usize], Obj::List { .. })
                        {
                            return Err(Bail);
                        }
                        false
                    }
                    _ => x == y,
                };
                Ok(Value::Bool(eq == (op == Eq)))
            }
            Lt | Le | Gt | Ge => {
                if matches!((x, y), (Value::Str(_), Value::Str(_))) {
                    return Err(Bail);
                }
                let ord = as_int(x)?.cmp(&as_int(y)?);
                Ok(Value::Bool(match op {
                    Lt => ord.is_lt(),
                    Le => ord.is_le(),
                    Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                }))
            }
            Add | Sub | Mul | FloorDiv | Mod => {
                let (a, b) = (as_int(x)?, as_int(y)?);
                let r = match op {
                    Add => a.checked_add(b),
                    Sub => a.checked_sub(b),
                    Mul => a.checked_mul(b),
                    _ if b == 0 => None,
                    FloorDiv => a.checked_div(b).map(|q| {
                        if a % b != 0 && ((a < 0) != (b < 0)) {
                            q - 1
                        } else {
                            q
                        }
                    }),
                    _ => a.checked_rem(b).map(|r| {
                        if r != 0 && ((r < 0) != (b < 0)) {
                            r + b
                        } else {
                            r
                        }
                    }),
                };
                r.map(Value::Int).ok_or(Bail)
            }
            In | NotIn | And | Or => Err(Bail),
        }
    }
}

fn const_value(c: &Const) -> Value {
    match c {
        Const::None => Value::None,
        Const::Bool(b) => Value::Bool(*b),
        Const::Int(i) => Value::Int(*i),
        Const::Str(s) => Value::Str(*s),
    }
}

enum LocalSlot {
    Fn(usize),
    Frame(u32),
}

/// An integer operand (booleans count as 0 and 1, as in Python).
fn as_int(v: Value) -> B<i64> {
    match v {
        Value::Int(i) => Ok(i),
        Value::Bool(b) => Ok(b as i64),
        _ => Err(Bail),
    }
}

fn list_index(iv: Value, len: u32) -> B<u32> {
    let Value::Int(i) = iv else {
        return Err(Bail);
    };
    let j = if i < 0 { i + i64::from(len) } else { i };
    if j < 0 || j >= i64::from(len) {
        return Err(Bail);
    }
    Ok(j as u32)
}
