//! Words for states: value formatting, object names (`mutex`, `forks[2]`, `C.sem`), what a
//! step changed, where each thread is, and one step explained ([`explain`]). The layer above
//! ([`crate::present`]: paths, endings, schedules) builds on these; every front end uses both.

use lbos_lang::program::{Block, END};
use serde::Serialize;

use crate::machine::{Event, Machine};
use crate::state::{NO_PROC, Object, State, Status, Value};

/// The longest a shown value gets, in bytes (about as many characters): past it a list ends in
/// `... (N more)` and a string in `...`. Every value a person reads (a step's changes, the
/// variables, a printed counterexample, the server's views) goes through [`show_value`], so a
/// list of 10,000 elements, or lists of lists sharing it, cannot make one line megabytes long.
pub const MAX_SHOWN_LEN: usize = 1000;

/// Formats a value; `repr` quotes strings (as Python's repr does). At most about
/// [`MAX_SHOWN_LEN`] bytes: longer values are cut with `...`.
pub fn show_value(m: &Machine, st: &State, v: Value, repr: bool) -> String {
    show_bounded(m, st, v, repr).0
}

/// The shown value and whether it was cut.
fn show_bounded(m: &Machine, st: &State, v: Value, repr: bool) -> (String, bool) {
    let mut out = String::new();
    let cut = show_into(m, st, v, repr, 0, &mut out);
    (out, cut)
}

/// Appends the value to `out`; true if it had to be cut at [`MAX_SHOWN_LEN`].
fn show_into(
    m: &Machine,
    st: &State,
    v: Value,
    repr: bool,
    depth: usize,
    out: &mut String,
) -> bool {
    let text = match v {
        Value::Unset => "<unset>",
        Value::None => "None",
        Value::Bool(true) => "True",
        Value::Bool(false) => "False",
        Value::Int(i) => {
            out.push_str(&i.to_string());
            return false;
        }
        Value::Str(s) => {
            let room = MAX_SHOWN_LEN.saturating_sub(out.len());
            let text = m.string(s);
            let (shown, cut) = match text.char_indices().nth(room) {
                Some((at, _)) => (&text[..at], true),
                None => (text, false),
            };
            if repr {
                out.push('\'');
            }
            out.push_str(shown);
            if cut {
                out.push_str("...");
            }
            if repr {
                out.push('\'');
            }
            return cut;
        }
        Value::Ref(r) => match st.object(r as usize) {
            Some(Object::List(items)) if depth < 3 => {
                out.push('[');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if out.len() >= MAX_SHOWN_LEN {
                        out.push_str(&format!("... ({} more)]", items.len() - i));
                        return true;
                    }
                    if show_into(m, st, *x, true, depth + 1, out) {
                        if i + 1 < items.len() {
                            out.push_str(&format!(", ... ({} more)", items.len() - i - 1));
                        }
                        out.push(']');
                        return true;
                    }
                }
                out.push(']');
                return false;
            }
            Some(Object::List(_)) => "[...]",
            Some(_) => {
                out.push_str(&object_name(m, st, r));
                return false;
            }
            None => {
                out.push_str(&format!("<object {r}>"));
                return false;
            }
        },
    };
    out.push_str(text);
    false
}

/// Whether two values, shown alike because both were cut, differ: the same deep comparison
/// as the display (lists three levels deep), each pair of objects compared once.
fn differs(before: &State, a: Value, after: &State, b: Value) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut todo = vec![(a, b, 0usize)];
    while let Some((a, b, depth)) = todo.pop() {
        match (a, b) {
            (Value::Ref(x), Value::Ref(y)) => {
                let (ox, oy) = (before.heap.get(x as usize), after.heap.get(y as usize));
                let (Some(ox), Some(oy)) = (ox, oy) else {
                    return ox.is_some() != oy.is_some();
                };
                if std::sync::Arc::ptr_eq(ox, oy) || !seen.insert((x, y)) {
                    continue;
                }
                match (&**ox, &**oy) {
                    (Object::List(xs), Object::List(ys)) if depth < 3 => {
                        if xs.len() != ys.len() {
                            return true;
                        }
                        todo.extend(xs.iter().zip(ys).map(|(p, q)| (*p, *q, depth + 1)));
                    }
                    (Object::List(_), Object::List(_)) => {}
                    _ if x != y => return true,
                    _ => {}
                }
            }
            (a, b) if a != b => return true,
            _ => {}
        }
    }
    false
}

/// A name for an object by the path that reaches it: a global (`mutex`), a list element
/// (`forks[2]`), a thread attribute (`C.sem`), a lightswitch's mutex (`readSwitch.mutex`).
pub fn object_name(m: &Machine, st: &State, obj: u32) -> String {
    let p = &m.program;
    for (g, v) in st.globals.iter().enumerate() {
        if *v == Value::Ref(obj) {
            return p.globals[g].clone();
        }
    }
    for (t, th) in st.threads.iter().enumerate() {
        for (a, v) in th.attrs.iter().enumerate() {
            if *v == Value::Ref(obj) {
                return format!("{}.{}", m.thread_name(t as u32), p.self_attrs[a]);
            }
        }
    }
    for (g, v) in st.globals.iter().enumerate() {
        if let Value::Ref(r) = v {
            match st.object(*r as usize) {
                Some(Object::List(items)) => {
                    if let Some(i) = items.iter().position(|x| *x == Value::Ref(obj)) {
                        return format!("{}[{i}]", p.globals[g]);
                    }
                }
                Some(Object::Lightswitch { mutex, .. }) if *mutex == obj => {
                    return format!("{}.mutex", p.globals[g]);
                }
                _ => {}
            }
        }
    }
    for (t, th) in st.threads.iter().enumerate() {
        for f in &th.frames {
            if f.proc != NO_PROC {
                for (i, v) in f.locals.iter().enumerate() {
                    if *v == Value::Ref(obj) {
                        return format!(
                            "{}'s {}",
                            m.thread_name(t as u32),
                            p.procs[f.proc as usize].locals[i]
                        );
                    }
                }
            }
        }
    }
    match st.object(obj as usize) {
        Some(o) => format!("{} #{obj}", o.kind()),
        None => format!("object #{obj}"),
    }
}

/// The names of every object of a state at once, as [`object_name`] gives them one by one.
/// Naming each of many objects separately takes time proportional to their number squared
/// (each search scans the globals and the lists); this takes one pass.
pub struct ObjectNames {
    names: Vec<Option<String>>,
}

impl ObjectNames {
    pub fn new(m: &Machine, st: &State) -> ObjectNames {
        let p = &m.program;
        let mut names: Vec<Option<String>> = vec![None; st.heap.len()];
        let mut give = |obj: u32, name: &dyn Fn() -> String| {
            if let Some(slot @ None) = names.get_mut(obj as usize) {
                *slot = Some(name());
            }
        };
        // The same order of preference as `object_name`.
        for (g, v) in st.globals.iter().enumerate() {
            if let Value::Ref(r) = v {
                give(*r, &|| p.globals[g].clone());
            }
        }
        for (t, th) in st.threads.iter().enumerate() {
            for (a, v) in th.attrs.iter().enumerate() {
                if let Value::Ref(r) = v {
                    give(*r, &|| {
                        format!("{}.{}", m.thread_name(t as u32), p.self_attrs[a])
                    });
                }
            }
        }
        for (g, v) in st.globals.iter().enumerate() {
            if let Value::Ref(r) = v {
                match st.object(*r as usize) {
                    Some(Object::List(items)) => {
                        for (i, x) in items.iter().enumerate() {
                            if let Value::Ref(o) = x {
                                give(*o, &|| format!("{}[{i}]", p.globals[g]));
                            }
                        }
                    }
                    Some(Object::Lightswitch { mutex, .. }) => {
                        give(*mutex, &|| format!("{}.mutex", p.globals[g]));
                    }
                    _ => {}
                }
            }
        }
        for (t, th) in st.threads.iter().enumerate() {
            for f in th.frames.iter().filter(|f| f.proc != NO_PROC) {
                for (i, v) in f.locals.iter().enumerate() {
                    if let Value::Ref(r) = v {
                        give(*r, &|| {
                            format!(
                                "{}'s {}",
                                m.thread_name(t as u32),
                                p.procs[f.proc as usize].locals[i]
                            )
                        });
                    }
                }
            }
        }
        ObjectNames { names }
    }

    /// The name of object `obj`: the same as `object_name(m, st, obj)` for the state given
    /// to [`ObjectNames::new`].
    pub fn name(&self, st: &State, obj: u32) -> String {
        match self.names.get(obj as usize) {
            Some(Some(n)) => n.clone(),
            _ => match st.object(obj as usize) {
                Some(o) => format!("{} #{obj}", o.kind()),
                None => format!("object #{obj}"),
            },
        }
    }
}

/// A one-line summary of an object's state: `1`, `-1 [B C]`, `counter 2`, `2/3 [A B]`.
pub fn object_summary(m: &Machine, st: &State, obj: u32) -> String {
    let names = |q: &Vec<u32>| {
        q.iter()
            .map(|t| m.thread_name(*t).to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    match &*st.heap[obj as usize] {
        Object::Semaphore { value, queue, .. } if queue.is_empty() => value.to_string(),
        Object::Semaphore { value, queue, .. } => format!("{value} [{}]", names(queue)),
        Object::Lightswitch { counter, .. } => format!("counter {counter}"),
        Object::Barrier { n, count, queue } if queue.is_empty() => format!("{count}/{n}"),
        Object::Barrier { n, count, queue } => format!("{count}/{n} [{}]", names(queue)),
        Object::List(_) => show_value(m, st, Value::Ref(obj), true),
    }
}

/// One visible change made by a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub what: String,
    pub before: String,
    pub after: String,
}

/// Everything visible that differs between two states: globals, objects (by name), and the
/// stepping thread's attributes and locals.
pub fn changes(m: &Machine, before: &State, after: &State, thread: Option<u32>) -> Vec<Change> {
    let p = &m.program;
    let mut out = Vec::new();
    let mut named_objects = std::collections::BTreeSet::new();
    // Named only if some object changed, then all at once (a step may create thousands).
    let mut names: Option<ObjectNames> = None;
    for (g, (a, b)) in before.globals.iter().zip(&after.globals).enumerate() {
        let ((sa, cut_a), (sb, cut_b)) = (
            show_bounded(m, before, *a, true),
            show_bounded(m, after, *b, true),
        );
        // Semaphores and other objects are reported with the heap below; a global changes
        // when it shows differently (a new value, or a list whose contents changed), or, when
        // both displays were cut, when it differs past the cut.
        let holds_object = matches!(b, Value::Ref(r) if !matches!(after.object(*r as usize), Some(Object::List(_))));
        let changed = sa != sb || (cut_a && cut_b && differs(before, *a, after, *b));
        if changed && !(holds_object && a == b) {
            out.push(Change {
                what: p.globals[g].clone(),
                before: sa,
                after: sb,
            });
        }
        if let Value::Ref(r) = b {
            named_objects.insert(*r);
        }
    }
    for (r, ob) in before.heap.iter().enumerate() {
        let (ob, oa) = (&**ob, &*after.heap[r]);
        if ob == oa || matches!(ob, Object::List(_)) && named_objects.contains(&(r as u32)) {
            continue;
        }
        let ((sa, cut_a), (sb, cut_b)) = match ob {
            Object::List(_) => (
                show_bounded(m, before, Value::Ref(r as u32), true),
                show_bounded(m, after, Value::Ref(r as u32), true),
            ),
            _ => (
                (object_summary(m, before, r as u32), false),
                (object_summary(m, after, r as u32), false),
            ),
        };
        // The objects differ (`ob != oa`): lists cut alike may differ past the cut.
        if sa != sb || (cut_a && cut_b) {
            let what = names
                .get_or_insert_with(|| ObjectNames::new(m, after))
                .name(after, r as u32);
            out.push(Change {
                what,
                before: sa,
                after: sb,
            });
        }
    }
    for r in before.heap.len()..after.heap.len() {
        if let Object::List(_) = *after.heap[r] {
            continue;
        }
        out.push(Change {
            what: names
                .get_or_insert_with(|| ObjectNames::new(m, after))
                .name(after, r as u32),
            before: "new".into(),
            after: object_summary(m, after, r as u32),
        });
    }
    if let Some(t) = thread {
        let (ta, tb) = (&before.threads[t as usize], &after.threads[t as usize]);
        for (a, (x, y)) in ta.attrs.iter().zip(&tb.attrs).enumerate() {
            if x != y {
                out.push(Change {
                    what: format!("{}.{}", m.thread_name(t), p.self_attrs[a]),
                    before: show_value(m, before, *x, true),
                    after: show_value(m, after, *y, true),
                });
            }
        }
        if let (Some(fa), Some(fb)) = (ta.frames.last(), tb.frames.last())
            && fa.proc == fb.proc
            && ta.frames.len() == tb.frames.len()
            && fa.proc != NO_PROC
        {
            for (i, (x, y)) in fa.locals.iter().zip(&fb.locals).enumerate() {
                if x != y {
                    out.push(Change {
                        what: p.procs[fa.proc as usize].locals[i].clone(),
                        before: show_value(m, before, *x, true),
                        after: show_value(m, after, *y, true),
                    });
                }
            }
        }
    }
    out
}

/// Renders an event as a short phrase: `B blocks on barrier`, `wakes C`.
pub fn event_text(m: &Machine, st: &State, e: &Event) -> String {
    match e {
        Event::Blocked { thread, object } => format!(
            "{} blocks on {}",
            m.thread_name(*thread),
            object_name(m, st, *object)
        ),
        Event::Woke { thread, object } => format!(
            "{} wakes {}",
            object_name(m, st, *object),
            m.thread_name(*thread)
        ),
        Event::Print { text } => format!("prints {text:?}"),
        Event::Action { name, args } => format!("{name}({})", args.join(", ")),
        Event::Chose { choice } => choice.clone(),
        Event::Balked { thread } => format!("{} balks and leaves", m.thread_name(*thread)),
        Event::Finished { thread } => format!("{} finishes", m.thread_name(*thread)),
        Event::Called { procedure, .. } => format!("calls {procedure}"),
        Event::Returned { procedure, .. } => format!("returns from {procedure}"),
    }
}

/// Where a thread is, in words: `line 7 (mutex.wait())`, `done`, and what it waits for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    pub thread: String,
    pub column: String,
    pub line: Option<u32>,
    pub source: String,
    /// Sub-step of a lightswitch call (1-based, of 4) if one is in progress.
    pub substep: Option<u8>,
    pub status: String,
    pub blocked_on: Option<String>,
    /// Procedure names from the outermost call to the innermost.
    pub calls: Vec<String>,
}

pub fn position(m: &Machine, st: &State, t: u32) -> Position {
    let th = &st.threads[t as usize];
    let p = &m.program;
    let frame = th.frames.last();
    let pc = frame.map(|f| f.pc).filter(|pc| *pc != END);
    let (line, source) = match pc {
        Some(pc) => {
            let row = p.row_of(pc);
            (Some(row.line), row.text.trim().to_string())
        }
        None => (None, String::new()),
    };
    let substep = frame
        .filter(|f| f.held[0] != Value::Unset)
        .map(|f| f.sub + 1);
    let status = status_word(th.status).to_string();
    let blocked_on = match th.status {
        Status::Blocked(o) => Some(object_name(m, st, o)),
        _ => None,
    };
    let calls = th
        .frames
        .iter()
        .filter(|f| f.proc != NO_PROC)
        .map(|f| p.procs[f.proc as usize].name.clone())
        .collect();
    Position {
        thread: m.thread_name(t).to_string(),
        column: p.column_label(th.column as usize),
        line,
        source,
        substep,
        status,
        blocked_on,
        calls,
    }
}

/// The rows of thread code (columns and procedures) that no thread stands on in `visited`.
pub fn dead_rows(m: &Machine, visited_rows: &[bool]) -> Vec<u32> {
    m.program
        .rows
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            r.is_step && matches!(r.block, Block::Column(_) | Block::Proc(_)) && !visited_rows[*i]
        })
        .filter(|(_, r)| match r.block {
            Block::Column(c) => m.counts[c as usize] > 0,
            _ => true,
        })
        .map(|(_, r)| r.line)
        .collect()
}

/// A wake-up or a block, for drawing: which thread, on which object (the browser's trace
/// diagram draws these as arrows).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Arrow {
    /// `blocked` or `woke`.
    pub kind: &'static str,
    pub thread: u32,
    pub object: String,
}

/// One move of an execution, explained: the row it ran and what it changed. The one
/// explanation `lbos run`, `lbos check`, the server and the browser show (see [`crate::present`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepReport {
    /// Where the move stands in its path, from 0 (as paths are indexed).
    pub index: usize,
    /// Its number as people count steps, from 1.
    pub step: usize,
    /// `step` (a thread ran a row) or `spawn` (a thread was created).
    pub kind: &'static str,
    /// The thread's number.
    pub thread: u32,
    /// The thread's name (`A`, `reader 2`).
    pub name: String,
    pub line: Option<u32>,
    pub source: String,
    /// Sub-step of a lightswitch call (1-based, of 4) when the row runs in several steps.
    pub substep: Option<u8>,
    pub changes: Vec<Change>,
    pub events: Vec<String>,
    pub arrows: Vec<Arrow>,
    /// The fault the move ran into (the state is then the one before it).
    pub fault: Option<crate::Fault>,
    /// The stepping thread's status after the move (`runnable`, `blocked`, `done`).
    pub after: &'static str,
    /// The move itself, as paths (trace files, URLs, the server's API) write it.
    #[serde(rename = "move")]
    pub path_step: crate::present::PathStep,
}

impl StepReport {
    /// `mutex 1→0, count 2→3, B blocks on barrier`
    pub fn effects_text(&self) -> String {
        let mut parts: Vec<String> = self
            .changes
            .iter()
            .map(|c| format!("{} {}→{}", c.what, c.before, c.after))
            .collect();
        parts.extend(self.events.iter().cloned());
        parts.join(", ")
    }
}

/// `runnable`, `blocked` or `done`.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Runnable => "runnable",
        Status::Blocked(_) => "blocked",
        Status::Done => "done",
    }
}

/// An error unless `state` has a thread number `t`: which numbers there are.
pub fn thread_exists(state: &State, t: u32) -> Result<(), String> {
    if (t as usize) < state.threads.len() {
        return Ok(());
    }
    Err(format!(
        "there is no thread number {t} (the threads are numbered 0 to {})",
        state.threads.len().saturating_sub(1)
    ))
}

/// Applies `tr` to `before` and explains it as step number `step` (from 1). The outcome is the
/// next state or the fault.
pub fn explain(
    m: &Machine,
    before: &State,
    tr: &crate::Transition,
    step: usize,
) -> Result<(StepReport, Result<State, crate::Fault>), String> {
    // `apply` says there is no such thread; `position` would index out of bounds first.
    thread_exists(before, tr.thread)?;
    let pos = position(m, before, tr.thread);
    let applied = m.apply(before, tr)?;
    let names_in = applied.outcome.as_ref().unwrap_or(before);
    let mut events = Vec::new();
    let mut arrows = Vec::new();
    for e in &applied.events {
        match e {
            Event::Blocked { thread, object } | Event::Woke { thread, object } => {
                arrows.push(Arrow {
                    kind: if matches!(e, Event::Blocked { .. }) {
                        "blocked"
                    } else {
                        "woke"
                    },
                    thread: *thread,
                    object: object_name(m, names_in, *object),
                })
            }
            _ => {}
        }
        if !matches!(
            e,
            Event::Finished { .. } | Event::Called { .. } | Event::Returned { .. }
        ) {
            events.push(event_text(m, names_in, e));
        }
    }
    let (changes, after, fault) = match &applied.outcome {
        Ok(next) => (
            changes(m, before, next, Some(tr.thread)),
            status_word(next.threads[tr.thread as usize].status),
            None,
        ),
        Err(f) => (Vec::new(), "runnable", Some(f.clone())),
    };
    let report = StepReport {
        index: step.saturating_sub(1),
        step,
        kind: "step",
        thread: tr.thread,
        name: pos.thread,
        line: pos.line,
        source: pos.source,
        substep: pos.substep,
        changes,
        events,
        arrows,
        fault,
        after,
        path_step: crate::present::PathStep::from(tr),
    };
    Ok((report, applied.outcome))
}
