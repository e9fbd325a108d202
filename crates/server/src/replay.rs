//! Replays a list of moves through the vm and turns the result into the view the page draws.
//! Nothing here decides what a step does (`Machine::apply` and `Machine::spawn`) or says it
//! (`lbos_vm::present`): this lays the program and a state out for the page.

use std::sync::Arc;

use lbos_lang::Program;
use lbos_lang::program::Block;
use lbos_vm::describe::{self, StepReport};
use lbos_vm::present;
use lbos_vm::{Config, Fault, Machine, Object, SemaphoreModel, State, Status, ThreadSpec};
use serde::{Deserialize, Serialize};

/// One move of a schedule: the vm's path type.
pub use lbos_vm::present::PathStep as Move;

/// The program and its configuration, as every stepping request carries them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProgramInput {
    /// The program's name, for people (a check's result names it).
    #[serde(default)]
    pub name: Option<String>,
    pub source: String,
    #[serde(default)]
    pub threads: Vec<String>,
    #[serde(default)]
    pub semaphores: Option<String>,
}

/// Why a program cannot be run.
#[derive(Debug, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum LoadError {
    /// Compile errors, each with its line and column.
    Compile {
        diagnostics: Vec<lbos_lang::Diagnostic>,
        text: String,
    },
    /// A bad configuration or a failing initialization block.
    Setup { message: String, line: Option<u32> },
}

pub fn load(input: &ProgramInput) -> Result<Machine, LoadError> {
    let program = lbos_lang::compile(&input.source).map_err(|d| LoadError::Compile {
        text: d.render("program.sync", &input.source),
        diagnostics: d.0.clone(),
    })?;
    let mut threads = Vec::new();
    for t in &input.threads {
        let spec: ThreadSpec = t.parse().map_err(|message| LoadError::Setup {
            message,
            line: None,
        })?;
        threads.push(spec);
    }
    let semaphores = match input.semaphores.as_deref() {
        None | Some("") => SemaphoreModel::Weak,
        Some(s) => s.parse().map_err(|message| LoadError::Setup {
            message,
            line: None,
        })?,
    };
    let config = Config {
        threads,
        semaphores,
        ..Config::default()
    };
    Machine::new(Arc::new(program), config).map_err(|e| {
        let line = match &e {
            lbos_vm::SetupError::Init(f) => f.line,
            _ => None,
        };
        LoadError::Setup {
            message: e.to_string(),
            line,
        }
    })
}

/// One move explained: the vm's explanation, as `lbos run` and `lbos check` show it.
pub type StepView = StepReport;

/// The result of replaying moves: one report per move, and the states needed for the view.
pub struct Replay {
    pub steps: Vec<StepView>,
    pub moves: Vec<Move>,
    /// Why the replay stopped before the end of the given moves.
    pub warning: Option<String>,
    /// The state after `at` moves (for a faulty last move: the state before it).
    pub state: State,
    pub at: usize,
    pub fault_at: Option<(usize, Fault)>,
    pub initial_fault: Option<Fault>,
}

/// Counts the bytes of a serialization without keeping them.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn json_len(v: &impl Serialize) -> usize {
    let mut n = ByteCount(0);
    let _ = serde_json::to_writer(&mut n, v);
    n.0
}

/// Replays `moves` and explains each. The explained steps are kept to half of `max_bytes` (as
/// JSON): the moves after that are dropped with a warning, so a schedule of thousands of steps
/// that each change a long list cannot make an answer of hundreds of megabytes.
pub fn replay(m: &Machine, moves: &[Move], at: Option<usize>, max_bytes: usize) -> Replay {
    let budget = max_bytes / 2;
    let mut used = 0;
    let mut state = m.initial_state().clone();
    let initial_fault = m.check_invariants(&state).err();
    let at = at.unwrap_or(moves.len()).min(moves.len());
    let mut steps = Vec::with_capacity(moves.len());
    let mut kept = Vec::with_capacity(moves.len());
    let mut shown = None;
    let mut warning = None;
    let mut fault_at = None;
    if initial_fault.is_none() {
        for (i, mv) in moves.iter().enumerate() {
            if i == at {
                shown = Some(state.clone());
            }
            let step = step_once(m, &state, mv, i);
            if let Ok((view, _)) = &step {
                used += json_len(view);
                if used > budget {
                    warning = Some(format!(
                        "the view is limited to {} MiB: move {} and the {} after it were dropped",
                        max_bytes >> 20,
                        i + 1,
                        moves.len() - i - 1
                    ));
                    break;
                }
            }
            match step {
                Ok((view, Ok(next))) => {
                    steps.push(view);
                    kept.push(mv.clone());
                    state = next;
                }
                Ok((view, Err(fault))) => {
                    steps.push(view);
                    kept.push(mv.clone());
                    fault_at = Some((i, fault));
                    if i + 1 < moves.len() {
                        warning = Some(format!(
                            "the schedule stops at step {} ({}); {} later move(s) were dropped",
                            i + 1,
                            fault_at
                                .as_ref()
                                .map(|f| f.1.message.as_str())
                                .unwrap_or(""),
                            moves.len() - i - 1
                        ));
                    }
                    break;
                }
                Err(e) => {
                    warning = Some(format!(
                        "move {} cannot be made ({e}); it and the {} after it were dropped",
                        i + 1,
                        moves.len() - i - 1
                    ));
                    break;
                }
            }
        }
    } else if !moves.is_empty() {
        warning = Some("the initial state already violates an invariant".into());
    }
    let at = at.min(kept.len());
    let state = match shown {
        Some(s) if at < kept.len() => s,
        _ => state,
    };
    Replay {
        steps,
        moves: kept,
        warning,
        state,
        at,
        fault_at,
        initial_fault,
    }
}

/// Applies one move and explains it.
pub fn step_once(
    m: &Machine,
    state: &State,
    mv: &Move,
    index: usize,
) -> Result<(StepView, Result<State, Fault>), String> {
    present::explain_move(m, state, mv, index)
}

/// The program as the page lays it out.
#[derive(Serialize)]
pub struct ProgramView {
    pub rows: Vec<RowView>,
    pub columns: Vec<ColumnView>,
    pub procs: Vec<ProcView>,
    pub globals: Vec<String>,
    pub invariants: Vec<InvariantView>,
}

#[derive(Serialize)]
pub struct RowView {
    pub line: u32,
    /// `init`, `column` or `proc`.
    pub block: &'static str,
    /// Column or procedure index.
    pub index: u32,
    pub text: String,
    pub is_step: bool,
    /// The global this row assigns (initialization rows only), to show its value beside it.
    pub assigns: Option<String>,
}

#[derive(Serialize)]
pub struct ColumnView {
    pub label: String,
    pub header_line: u32,
    pub threads: u32,
}

#[derive(Serialize)]
pub struct ProcView {
    pub name: String,
    pub line: u32,
}

#[derive(Serialize)]
pub struct InvariantView {
    pub line: u32,
    pub text: String,
}

pub fn program_view(m: &Machine) -> ProgramView {
    let p: &Program = &m.program;
    let rows = p
        .rows
        .iter()
        .map(|r| {
            let (block, index) = match r.block {
                Block::Init => ("init", 0),
                Block::Column(i) => ("column", i),
                Block::Proc(i) => ("proc", i),
            };
            let assigns = if block == "init" {
                assigned_name(&r.text).filter(|n| p.globals.iter().any(|g| g == n))
            } else {
                None
            };
            RowView {
                line: r.line,
                block,
                index,
                text: r.text.clone(),
                is_step: r.is_step,
                assigns,
            }
        })
        .collect();
    ProgramView {
        rows,
        columns: (0..p.columns.len())
            .map(|i| ColumnView {
                label: p.column_label(i),
                header_line: p.columns[i].header_line,
                threads: m.counts[i],
            })
            .collect(),
        procs: p
            .procs
            .iter()
            .map(|pr| ProcView {
                name: pr.name.clone(),
                line: pr.line,
            })
            .collect(),
        globals: p.globals.clone(),
        invariants: p
            .invariants
            .iter()
            .map(|i| InvariantView {
                line: i.line,
                text: i.text.clone(),
            })
            .collect(),
    }
}

/// `count = 0` → `count`; `a, b = 1, 2` → `a`. Display only.
fn assigned_name(text: &str) -> Option<String> {
    let t = text.trim_start();
    let end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(t.len());
    if end == 0 {
        return None;
    }
    let rest = t[end..].trim_start();
    if rest.starts_with('=') && !rest.starts_with("==") || rest.starts_with(',') {
        Some(t[..end].to_string())
    } else {
        None
    }
}

#[derive(Serialize)]
pub struct StateView {
    pub globals: Vec<GlobalView>,
    /// The first [`MAX_OBJECTS_SHOWN`] semaphores, lightswitches and barriers.
    pub objects: Vec<ObjectView>,
    /// How many more there are.
    pub objects_omitted: usize,
    pub threads: Vec<ThreadView>,
}

/// The most objects a view lists: far more than a page can show, far fewer than the vm allows.
pub const MAX_OBJECTS_SHOWN: usize = 1000;

#[derive(Serialize)]
pub struct GlobalView {
    pub name: String,
    pub value: String,
}

#[derive(Serialize)]
pub struct ObjectView {
    pub id: u32,
    pub name: String,
    pub kind: &'static str,
    pub summary: String,
    /// Semaphore value, lightswitch counter, or barrier count.
    pub value: i64,
    /// Waiting threads (semaphores and barriers).
    pub queue: Vec<u32>,
}

#[derive(Serialize)]
pub struct ThreadView {
    pub id: u32,
    pub name: String,
    pub column: u32,
    pub status: &'static str,
    pub blocked_on: Option<u32>,
    pub blocked_on_name: Option<String>,
    pub line: Option<u32>,
    pub substep: Option<u8>,
    pub calls: Vec<String>,
    /// Number of alternatives of each choice its next step makes (empty: none).
    pub arities: Vec<u32>,
    pub attrs: Vec<GlobalView>,
}

pub fn state_view(m: &Machine, st: &State) -> StateView {
    let p = &m.program;
    let globals = p
        .globals
        .iter()
        .zip(&st.globals)
        .map(|(n, v)| GlobalView {
            name: n.clone(),
            value: present::value_text(m, st, *v),
        })
        .collect();
    let names = describe::ObjectNames::new(m, st);
    let mut objects: Vec<ObjectView> = st
        .heap
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            let i = i as u32;
            let (value, queue) = match &**o {
                Object::List(_) => return None,
                Object::Semaphore { value, queue, .. } => (*value, queue.clone()),
                Object::Lightswitch { counter, .. } => (*counter, Vec::new()),
                Object::Barrier { count, queue, .. } => (*count, queue.clone()),
            };
            Some((i, o.kind(), value, queue))
        })
        .take(MAX_OBJECTS_SHOWN + 1)
        .map(|(i, kind, value, queue)| ObjectView {
            id: i,
            name: names.name(st, i),
            kind,
            summary: describe::object_summary(m, st, i),
            value,
            queue,
        })
        .collect();
    let objects_omitted = if objects.len() > MAX_OBJECTS_SHOWN {
        objects.truncate(MAX_OBJECTS_SHOWN);
        st.heap
            .iter()
            .filter(|o| !matches!(***o, Object::List(_)))
            .count()
            - MAX_OBJECTS_SHOWN
    } else {
        0
    };
    let threads = (0..st.threads.len() as u32)
        .map(|t| {
            let th = &st.threads[t as usize];
            let pos = describe::position(m, st, t);
            let blocked_on = match th.status {
                Status::Blocked(o) => Some(o),
                _ => None,
            };
            let arities = if th.status == Status::Runnable {
                m.choice_arities(st, t, &[])
            } else {
                Vec::new()
            };
            ThreadView {
                id: t,
                name: pos.thread,
                column: th.column,
                status: describe::status_word(th.status),
                blocked_on,
                blocked_on_name: pos.blocked_on,
                line: pos.line,
                substep: pos.substep,
                calls: pos.calls,
                arities,
                attrs: th
                    .attrs
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| **v != lbos_vm::Value::Unset)
                    .map(|(a, v)| GlobalView {
                        name: p.self_attrs[a].clone(),
                        value: m.show(st, *v),
                    })
                    .collect(),
            }
        })
        .collect();
    StateView {
        globals,
        objects,
        objects_omitted,
        threads,
    }
}
