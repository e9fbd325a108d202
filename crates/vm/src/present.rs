//! The presentation layer every front end shares: the path type ([`PathStep`]: a step of a
//! thread or the creation of one, as trace files, the server's API and the browser's URLs
//! write it), moves explained whatever their kind ([`explain_move`]), how an execution ends
//! in words ([`ending`], [`fault_text`]), the variables of a state ([`variables`]), thread
//! labels, and schedules ([`Scheduler`]: round-robin, random, named threads, a replayed path or
//! lasso, each drawing its choices from one seeded generator) with the loop that runs one
//! ([`run`]). `lbos run`, `lbos check` and `lbos serve` print or send what this returns and
//! decide nothing of it themselves, so the terminal and the browser cannot tell two stories.
//!
//! The check report's JSON and the trace file use the checker's types and live one crate up,
//! in `lbos_check::present`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::describe::{self, StepReport};
use crate::machine::{Fault, FaultKind, Machine, Transition};
use crate::random::SplitMix64;
use crate::state::{Object, State, Status, Value};

/// One move of a path: a step of thread `t` with the indices `c` of the choices it makes
/// (which waiter wakes, which value `random.choice` gives), or the creation of a thread in
/// column `spawn`. JSON `{"t":0}`, `{"t":1,"c":[1]}`, `{"spawn":0}`; text `0`, `1c1`, `s0`
/// (see [`path_text`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PathStep {
    Spawn {
        spawn: u32,
    },
    Step {
        t: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        c: Vec<u32>,
    },
}

impl From<&Transition> for PathStep {
    fn from(tr: &Transition) -> PathStep {
        PathStep::Step {
            t: tr.thread,
            c: tr.choices.clone(),
        }
    }
}

impl PathStep {
    /// The transition of a step (none for a spawn).
    pub fn transition(&self) -> Option<Transition> {
        match self {
            PathStep::Step { t, c } => Some(Transition {
                thread: *t,
                choices: c.clone(),
            }),
            PathStep::Spawn { .. } => None,
        }
    }
}

impl fmt::Display for PathStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathStep::Spawn { spawn } => write!(f, "s{spawn}"),
            PathStep::Step { t, c } => {
                write!(f, "{t}")?;
                c.iter().try_for_each(|c| write!(f, "c{c}"))
            }
        }
    }
}

impl FromStr for PathStep {
    type Err = String;
    fn from_str(s: &str) -> Result<PathStep, String> {
        let number = |n: &str| {
            n.parse::<u32>()
                .map_err(|_| format!("`{s}` is not a move (expected e.g. `0`, `1c1` or `s0`)"))
        };
        if let Some(col) = s.strip_prefix('s') {
            return Ok(PathStep::Spawn {
                spawn: number(col)?,
            });
        }
        let mut parts = s.split('c');
        let t = number(parts.next().unwrap_or(""))?;
        let c = parts.map(number).collect::<Result<_, _>>()?;
        Ok(PathStep::Step { t, c })
    }
}

/// A path as the browser's URLs write it: moves joined by `_` (`0_1c1_s0`).
pub fn path_text(path: &[PathStep]) -> String {
    path.iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join("_")
}

/// Reads [`path_text`]; an error names the move that is not one, by its number.
pub fn parse_path_text(text: &str) -> Result<Vec<PathStep>, String> {
    text.split('_')
        .filter(|p| !p.is_empty())
        .enumerate()
        .map(|(i, p)| p.parse().map_err(|e| format!("move {}: {e}", i + 1)))
        .collect()
}

/// Makes a move of a path and explains it as move `index` (from 0): a step through
/// [`describe::explain`], a spawn through [`Machine::spawn`]. The outcome is the next state or
/// the fault the step ran into; an error says why the move cannot be made at all.
pub fn explain_move(
    m: &Machine,
    state: &State,
    mv: &PathStep,
    index: usize,
) -> Result<(StepReport, Result<State, Fault>), String> {
    match mv {
        PathStep::Step { t, c } => {
            let tr = Transition {
                thread: *t,
                choices: c.clone(),
            };
            describe::explain(m, state, &tr, index + 1)
        }
        PathStep::Spawn { spawn } => {
            let next = m.spawn(state, *spawn)?;
            let t = (next.threads.len() - 1) as u32;
            let pos = describe::position(m, &next, t);
            let report = StepReport {
                index,
                step: index + 1,
                kind: "spawn",
                thread: t,
                name: pos.thread.clone(),
                line: m
                    .program
                    .columns
                    .get(*spawn as usize)
                    .map(|c| c.header_line),
                source: format!("new thread {} in {}", pos.thread, pos.column),
                substep: None,
                changes: Vec::new(),
                events: vec![format!("creates thread {} in {}", pos.thread, pos.column)],
                arrows: Vec::new(),
                fault: None,
                after: "runnable",
                path_step: mv.clone(),
            };
            Ok((report, Ok(next)))
        }
    }
}

/// Replays a path from the initial state without explaining it: the state it reaches, or
/// the fault of its last move, or why move `i` (from 0) cannot be made.
pub fn replay_path(m: &Machine, path: &[PathStep]) -> Result<(State, Option<Fault>), String> {
    let mut state = m.initial_state().clone();
    for (i, mv) in path.iter().enumerate() {
        let next = match mv {
            PathStep::Spawn { spawn } => m.spawn(&state, *spawn).map(Ok),
            PathStep::Step { t, c } => describe::thread_exists(&state, *t).and_then(|()| {
                let tr = Transition {
                    thread: *t,
                    choices: c.clone(),
                };
                m.apply(&state, &tr).map(|a| a.outcome)
            }),
        };
        match next.map_err(|e| format!("move {} cannot be made: {e}", i + 1))? {
            Ok(s) => state = s,
            Err(f) if i + 1 == path.len() => return Ok((state, Some(f))),
            Err(f) => {
                return Err(format!(
                    "move {} runs into a fault ({}) before the path ends",
                    i + 1,
                    f.message
                ));
            }
        }
    }
    Ok((state, None))
}

impl FaultKind {
    /// `assertion`, `invariant` or `error`: the verdict word of a fault.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Assertion => "assertion",
            FaultKind::Invariant => "invariant",
            FaultKind::Error => "error",
        }
    }
}

/// A fault in words: `assertion failed (thread A, line 7): ...`, `invariant ... (line 3)`,
/// `runtime error (thread B, line 9): ...`.
pub fn fault_text(m: &Machine, f: &Fault) -> String {
    let who = f
        .thread
        .map(|t| format!("thread {}", m.thread_name(t)))
        .unwrap_or_default();
    let at = f.line.map(|l| format!("line {l}")).unwrap_or_default();
    let place = [who, at]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    match f.kind {
        FaultKind::Assertion => format!("assertion failed ({place}): {}", f.message),
        FaultKind::Invariant => format!("{} (line {})", f.message, f.line.unwrap_or(0)),
        FaultKind::Error => format!("runtime error ({place}): {}", f.message),
    }
}

/// The threads a fault involves: the one that stepped; for an invariant, which names no
/// thread, the one whose move broke it.
pub fn fault_threads(f: &Fault, last_move: Option<&PathStep>) -> Vec<u32> {
    f.thread
        .or(match last_move {
            Some(PathStep::Step { t, .. }) => Some(*t),
            _ => None,
        })
        .into_iter()
        .collect()
}

/// How a state ends an execution when no thread can or needs to move.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ending {
    /// `done` (every thread finished, or waits at an end row) or `deadlock`.
    pub kind: &'static str,
    pub message: String,
    /// The blocked threads of a deadlock.
    pub threads: Vec<u32>,
}

/// Whether `st` ends every execution, and how, in words; `None` while some thread can move.
pub fn ending(m: &Machine, st: &State) -> Option<Ending> {
    if m.is_valid_end(st) {
        let message = if st.all_done() {
            "every thread is done"
        } else {
            "every thread is done or waits at an end row"
        };
        return Some(Ending {
            kind: "done",
            message: message.into(),
            threads: Vec::new(),
        });
    }
    if !m.is_deadlock(st) {
        return None;
    }
    let threads: Vec<u32> = (0..st.threads.len() as u32)
        .filter(|&t| matches!(st.threads[t as usize].status, Status::Blocked(_)))
        .collect();
    let on: Vec<String> = threads
        .iter()
        .map(|&t| {
            let p = describe::position(m, st, t);
            format!("{} on {}", p.thread, p.blocked_on.unwrap_or_default())
        })
        .collect();
    Some(Ending {
        kind: "deadlock",
        message: format!("deadlock: no thread can move ({})", on.join(", ")),
        threads,
    })
}

/// A value as a variable shows it: a semaphore its value and queue, a lightswitch its
/// counter, a barrier its count; anything else as Python prints it.
pub fn value_text(m: &Machine, st: &State, v: Value) -> String {
    match v {
        Value::Ref(r) if !matches!(st.object(r as usize), Some(Object::List(_)) | None) => {
            describe::object_summary(m, st, r)
        }
        _ => m.show(st, v),
    }
}

/// The globals that have a value, each with its [`value_text`].
pub fn variables(m: &Machine, st: &State) -> Vec<(String, String)> {
    m.program
        .globals
        .iter()
        .zip(&st.globals)
        .filter(|(_, v)| **v != Value::Unset)
        .map(|(name, v)| (name.clone(), value_text(m, st, *v)))
        .collect()
}

/// `A (reader)`: a thread's name and its column.
pub fn thread_label(m: &Machine, st: &State, t: u32) -> String {
    format!(
        "{} ({})",
        m.thread_name(t),
        m.program
            .column_label(st.threads[t as usize].column as usize)
    )
}

/// The labels of the initial state's threads.
pub fn thread_labels(m: &Machine) -> Vec<String> {
    let st = m.initial_state();
    (0..st.threads.len() as u32)
        .map(|t| thread_label(m, st, t))
        .collect()
}

/// Which thread moves next, and how choices are drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Sync.py's Step: each runnable thread in turn, in creation order.
    RoundRobin,
    /// A runnable thread drawn at random.
    Random,
    /// The named threads, in this order (names as [`Machine::thread_name`] gives them, in any
    /// case).
    Threads(Vec<String>),
    /// A recorded path. For a lasso (`cycle_start`), the moves from there on lead back to the
    /// state before them: they are played `cycles` times.
    Path {
        path: Vec<PathStep>,
        cycle_start: Option<usize>,
        cycles: usize,
    },
}

/// The next move of a schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pick {
    pub step: PathStep,
    /// For a replayed lasso: the round of its cycle that starts with this move (from 1).
    pub cycle_round: Option<usize>,
    /// For round-robin: the round this move belongs to (from 0).
    pub round: usize,
}

/// Why a schedule has no next move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleEnd {
    /// The named threads or the recorded path ran out.
    Exhausted,
    /// A lasso's cycle was played as often as asked.
    CyclesPlayed,
    /// The thread the schedule is limited to cannot move.
    ThreadCannotMove,
}

/// Draws the moves of a schedule, one at a time. Every front end makes its random, round-robin
/// and named-thread runs here, so the same seed gives the same run in `lbos run` and in the
/// browser.
#[derive(Clone, Debug)]
pub struct Scheduler {
    policy: Policy,
    rng: SplitMix64,
    /// Only this thread moves (the browser's "step this thread, chance picks").
    only: Option<u32>,
    next_rr: usize,
    round: usize,
    taken: usize,
}

impl Scheduler {
    /// A schedule whose random draws (threads and choices) come from `seed`.
    pub fn new(policy: Policy, seed: u64) -> Scheduler {
        Scheduler {
            policy,
            rng: SplitMix64::new(seed),
            only: None,
            next_rr: 0,
            round: 0,
            taken: 0,
        }
    }

    /// Moves only thread `t`.
    pub fn only(mut self, t: u32) -> Scheduler {
        self.only = Some(t);
        self
    }

    /// The next move from `state` (which some thread can leave), or why there is none. An
    /// error names a thread the program does not have.
    pub fn next(
        &mut self,
        m: &Machine,
        state: &State,
    ) -> Result<Result<Pick, ScheduleEnd>, String> {
        let mut cycle_round = None;
        let thread = if let Some(t) = self.only {
            if state.threads.get(t as usize).map(|t| t.status) != Some(Status::Runnable) {
                return Ok(Err(ScheduleEnd::ThreadCannotMove));
            }
            t
        } else {
            match &self.policy {
                Policy::RoundRobin => {
                    let n = state.threads.len();
                    let Some(k) = (0..n)
                        .find(|k| state.threads[(self.next_rr + k) % n].status == Status::Runnable)
                    else {
                        return Ok(Err(ScheduleEnd::ThreadCannotMove));
                    };
                    if self.next_rr + k >= n && self.taken > 0 {
                        self.round += 1;
                    }
                    let t = (self.next_rr + k) % n;
                    self.next_rr = t + 1;
                    t as u32
                }
                Policy::Random => {
                    let runnable: Vec<usize> = state.runnable().collect();
                    if runnable.is_empty() {
                        return Ok(Err(ScheduleEnd::ThreadCannotMove));
                    }
                    runnable[self.rng.below(runnable.len() as u32) as usize] as u32
                }
                Policy::Threads(names) => {
                    let Some(name) = names.get(self.taken) else {
                        return Ok(Err(ScheduleEnd::Exhausted));
                    };
                    let Some(t) = (0..state.threads.len() as u32)
                        .find(|&t| m.thread_name(t).eq_ignore_ascii_case(name))
                    else {
                        let all: Vec<&str> = (0..state.threads.len() as u32)
                            .map(|t| m.thread_name(t))
                            .collect();
                        return Err(format!(
                            "the schedule names thread `{name}`, but the threads are {}",
                            all.join(", ")
                        ));
                    };
                    t
                }
                Policy::Path {
                    path,
                    cycle_start,
                    cycles,
                } => {
                    let k = match cycle_start.filter(|&c| c < path.len()) {
                        None => self.taken,
                        Some(c) => {
                            // The cycle leads back to the state it started from, so it can
                            // be played again and again.
                            let len = path.len() - c;
                            let (round, k) = match self.taken.checked_sub(c) {
                                None => (0, self.taken),
                                Some(into) => (into / len + 1, c + into % len),
                            };
                            if round > *cycles {
                                return Ok(Err(ScheduleEnd::CyclesPlayed));
                            }
                            if k == c {
                                cycle_round = Some(round);
                            }
                            k
                        }
                    };
                    let Some(step) = path.get(k) else {
                        return Ok(Err(ScheduleEnd::Exhausted));
                    };
                    self.taken += 1;
                    return Ok(Ok(Pick {
                        step: step.clone(),
                        cycle_round,
                        round: 0,
                    }));
                }
            }
        };
        self.taken += 1;
        let c = m.random_choices(state, thread, |n| self.rng.below(n));
        Ok(Ok(Pick {
            step: PathStep::Step { t: thread, c },
            cycle_round,
            round: self.round,
        }))
    }
}

/// What [`run`] reports as it goes.
#[derive(Debug)]
pub enum RunEvent<'a> {
    Step(&'a StepReport),
    /// A replayed lasso's cycle starts (again) with the next move: its round, from 1.
    Cycle {
        round: usize,
    },
}

/// How a run ended.
#[derive(Clone, Debug)]
pub struct RunEnd {
    /// `finished`, `deadlock`, `assertion`, `invariant`, `error`, `steps` (the step limit),
    /// `schedule` (the schedule ran out) or `cycle` (a lasso was played as often as asked).
    pub result: &'static str,
    pub message: String,
    /// Whether the run found something wrong (a deadlock, a fault, a starving lasso).
    pub failed: bool,
    /// The last state (before a faulty move).
    pub state: State,
    pub steps: usize,
}

/// Runs a schedule from the initial state, at most `max_steps` moves, reporting each move
/// explained. `starving` names the thread a replayed lasso starves. An error says which move
/// cannot be made (a path that does not fit the program, a thread the program lacks).
pub fn run(
    m: &Machine,
    mut schedule: Scheduler,
    max_steps: usize,
    starving: Option<u32>,
    mut report: impl FnMut(RunEvent),
) -> Result<RunEnd, (usize, String)> {
    let mut state = m.initial_state().clone();
    let end = |state: State, steps, result, message: String, failed| RunEnd {
        result,
        message,
        failed,
        state,
        steps,
    };
    if let Err(f) = m.check_invariants(&state) {
        return Ok(end(state, 0, f.kind.as_str(), fault_text(m, &f), true));
    }
    let mut steps = 0;
    loop {
        if let Some(e) = ending(m, &state) {
            let failed = e.kind == "deadlock";
            let result = if failed { "deadlock" } else { "finished" };
            return Ok(end(state, steps, result, e.message, failed));
        }
        if steps >= max_steps {
            let message = format!("stopped after {steps} steps (--steps)");
            return Ok(end(state, steps, "steps", message, false));
        }
        let pick = match schedule.next(m, &state).map_err(|e| (steps + 1, e))? {
            Ok(p) => p,
            Err(ScheduleEnd::CyclesPlayed) => {
                let who = starving
                    .filter(|&t| (t as usize) < state.threads.len())
                    .map(|t| format!("; thread {} starves", m.thread_name(t)))
                    .unwrap_or_default();
                let rounds = match &schedule.policy {
                    Policy::Path { cycles, .. } => *cycles,
                    _ => 0,
                };
                let message =
                    format!("the cycle was played {rounds} time(s); it repeats forever{who}");
                return Ok(end(state, steps, "cycle", message, true));
            }
            Err(_) => {
                let what = match schedule.policy {
                    Policy::Path { .. } => "the replayed trace",
                    _ => "the schedule",
                };
                let message = format!("{what} ends after {steps} steps");
                return Ok(end(state, steps, "schedule", message, false));
            }
        };
        if let Some(round) = pick.cycle_round {
            report(RunEvent::Cycle { round });
        }
        let (explained, outcome) =
            explain_move(m, &state, &pick.step, steps).map_err(|e| (steps + 1, e))?;
        steps += 1;
        report(RunEvent::Step(&explained));
        match outcome {
            Ok(next) => state = next,
            Err(f) => return Ok(end(state, steps, f.kind.as_str(), fault_text(m, &f), true)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn machine(source: &str) -> Machine {
        let program = lbos_lang::compile(source).expect("compiles");
        Machine::new(Arc::new(program), crate::Config::default()).expect("sets up")
    }

    fn moves(m: &Machine, schedule: Scheduler, max: usize) -> (Vec<String>, RunEnd, Vec<usize>) {
        let (mut seen, mut cycles) = (Vec::new(), Vec::new());
        let end = run(m, schedule, max, Some(0), |e| match e {
            RunEvent::Step(r) => seen.push(r.path_step.to_string()),
            RunEvent::Cycle { round } => cycles.push(round),
        })
        .expect("runs");
        (seen, end, cycles)
    }

    #[test]
    fn round_robin_takes_each_runnable_thread_in_turn_and_counts_rounds() {
        // B blocks on its first row; A and C run two rows each.
        let m = machine(
            "s = Semaphore(0)\n## Thread A\npass\npass\n## Thread B\ns.wait()\n## Thread C\npass\npass\n",
        );
        let mut sched = Scheduler::new(Policy::RoundRobin, 1);
        let mut state = m.initial_state().clone();
        let mut picks = Vec::new();
        while let Ok(Ok(p)) = sched.next(&m, &state) {
            picks.push((p.step.to_string(), p.round));
            let (_, next) = explain_move(&m, &state, &p.step, picks.len() - 1).unwrap();
            state = next.unwrap();
        }
        let want = [("0", 0), ("1", 0), ("2", 0), ("0", 1), ("2", 1)];
        let want: Vec<(String, usize)> = want.iter().map(|(s, r)| (s.to_string(), *r)).collect();
        assert_eq!(picks, want);
        let e = ending(&m, &state).expect("ends");
        assert_eq!(e.kind, "deadlock");
        assert_eq!(e.message, "deadlock: no thread can move (B on s)");
        assert_eq!(e.threads, [1]);
    }

    #[test]
    fn a_seed_makes_the_same_random_run_and_another_seed_another() {
        let m = machine("s = Semaphore(2)\n## Thread W x4\ns.wait()\ns.signal()\n");
        let a = moves(&m, Scheduler::new(Policy::Random, 7), 40).0;
        assert_eq!(a, moves(&m, Scheduler::new(Policy::Random, 7), 40).0);
        assert_ne!(a, moves(&m, Scheduler::new(Policy::Random, 8), 40).0);
        // Every thread finishes: 4 threads of 2 rows, plus the wakings' choices.
        assert_eq!(a.len(), 8, "{a:?}");
    }

    #[test]
    fn a_lasso_is_played_round_after_round_and_ends_as_a_starvation() {
        let m = machine("x = 0\n## Thread A\nwhile True:\n    x = 1 - x\n");
        let path = parse_path_text("0_0_0").unwrap();
        let policy = Policy::Path {
            path,
            cycle_start: Some(1),
            cycles: 2,
        };
        let (seen, end, cycles) = moves(&m, Scheduler::new(policy, 0), 100);
        // One move to the cycle, then the cycle of two moves twice.
        assert_eq!(seen.len(), 5);
        assert_eq!(cycles, [1, 2]);
        assert_eq!(end.result, "cycle");
        assert!(end.failed);
        assert!(end.message.ends_with("thread A starves"), "{}", end.message);
    }

    #[test]
    fn a_failed_assertion_ends_a_run_in_words() {
        let m = machine("x = 0\n## Thread A\nx = 1\nassert x == 0, 'x moved'\n");
        let (seen, end, _) = moves(&m, Scheduler::new(Policy::RoundRobin, 0), 100);
        assert_eq!(seen, ["0", "0"]);
        assert_eq!(end.result, "assertion");
        assert_eq!(end.message, "assertion failed (thread A, line 4): x moved");
        assert_eq!(
            variables(&m, &end.state),
            [("x".to_string(), "1".to_string())]
        );
        let named = Scheduler::new(Policy::Threads(vec!["A".into(), "Z".into()]), 0);
        let err = run(&m, named, 10, None, |_| {}).unwrap_err();
        assert_eq!(err.0, 2);
        assert!(
            err.1.contains("`Z`") && err.1.contains("threads are A"),
            "{}",
            err.1
        );
    }

    #[test]
    fn the_text_form_of_a_path_round_trips_and_is_pinned() {
        let path = vec![
            PathStep::Step { t: 0, c: vec![] },
            PathStep::Step { t: 1, c: vec![1] },
            PathStep::Spawn { spawn: 0 },
            PathStep::Step {
                t: 12,
                c: vec![0, 3],
            },
        ];
        // The browser's url.js writes exactly this (its header comment's example).
        assert_eq!(path_text(&path), "0_1c1_s0_12c0c3");
        assert_eq!(parse_path_text("0_1c1_s0_12c0c3").unwrap(), path);
        assert_eq!(parse_path_text("").unwrap(), vec![]);
        let e = parse_path_text("0_x1").unwrap_err();
        assert!(e.contains("move 2") && e.contains("`x1`"), "{e}");
        assert!(parse_path_text("s").is_err());
        assert!(parse_path_text("1c").is_err());
        assert!(parse_path_text("99999999999").is_err());
    }

    #[test]
    fn the_json_form_of_a_path_is_the_servers() {
        let path = vec![
            PathStep::Step { t: 0, c: vec![] },
            PathStep::Step { t: 1, c: vec![1] },
            PathStep::Spawn { spawn: 2 },
        ];
        let json = serde_json::to_string(&path).unwrap();
        assert_eq!(json, r#"[{"t":0},{"t":1,"c":[1]},{"spawn":2}]"#);
        let back: Vec<PathStep> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, path);
        let tr = Transition {
            thread: 3,
            choices: vec![2],
        };
        assert_eq!(PathStep::from(&tr).transition(), Some(tr));
        assert_eq!(PathStep::Spawn { spawn: 0 }.transition(), None);
    }
}
