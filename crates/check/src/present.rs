//! A check's result as people and programs read it: [`CheckResult`] (the JSON of `lbos check
//! --json` and of the server's check jobs, with the counterexample explained and as a path),
//! the words for a verdict and for what was checked, and the trace file ([`TraceFile`]: what
//! `lbos check --trace-out` writes and `lbos run --replay` and the browser read).
//!
//! They live here rather than in `lbos_vm::present`, which owns the words for states, moves
//! and paths, because they need the checker's types ([`Report`], [`Stats`]); data flows one way
//! (vm → check → front ends), and nothing here decides anything the search did not.

use lbos_vm::describe::{self, Position, StepReport};
use lbos_vm::present::{self, PathStep};
use lbos_vm::{Fault, Machine, SemaphoreModel, State, ThreadSpec, Transition};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Report, Starvation, Stats, Verdict, Violation};

/// How a check was asked for: what its result says was checked.
#[derive(Clone, Debug, Default)]
pub struct CheckSettings {
    /// The program's name (a file name, a catalog id).
    pub program: String,
    pub semaphores: SemaphoreModel,
    pub liveness: bool,
    pub dfs: bool,
}

impl CheckSettings {
    /// `breadth-first`, `depth-first`, or the liveness search's model.
    pub fn search_text(&self) -> &'static str {
        if self.liveness {
            "liveness: weakly fair scheduler, no symmetry reduction"
        } else if self.dfs {
            "depth-first"
        } else {
            "breadth-first"
        }
    }

    /// `threads A (A), B (B); semaphores weak; breadth-first`: what was checked.
    pub fn checked_text(&self, m: &Machine) -> String {
        format!(
            "threads {}; semaphores {}; {}",
            present::thread_labels(m).join(", "),
            self.semaphores.as_str(),
            self.search_text()
        )
    }
}

/// Steps of a long counterexample that are not explained: `count` steps from step `first`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Omitted {
    pub first: usize,
    pub count: usize,
}

/// The most counterexample steps explained (half from the start, half from the end). A
/// depth-first search can return millions of steps; explained whole they would fill the
/// memory long before anyone reads them. The trace file holds them all.
pub const SHOWN_STEPS: usize = 1000;

/// A counterexample explained step by step.
#[derive(Clone, Debug)]
pub struct Explained {
    /// All of its steps, or the first and the last `shown / 2` (see `omitted`).
    pub steps: Vec<StepReport>,
    pub omitted: Option<Omitted>,
    /// The state it ends in (before a faulty last step; for a lasso, where its cycle starts
    /// and ends).
    pub final_state: State,
}

/// Replays a counterexample and explains at most `shown` of its steps. An error says which
/// step does not fit the program.
pub fn explain_trace(m: &Machine, trace: &[Transition], shown: usize) -> Result<Explained, String> {
    let n = trace.len();
    let (hidden, omitted) = if n > shown {
        let first = shown / 2;
        (
            first..n - (shown - first),
            Some(Omitted {
                first: first + 1,
                count: n - shown,
            }),
        )
    } else {
        (0..0, None)
    };
    let mut steps = Vec::new();
    let mut state = m.initial_state().clone();
    for (i, tr) in trace.iter().enumerate() {
        let cannot = |e: String| format!("step {} cannot be made: {e}", i + 1);
        // Steps not shown are only applied: no words, nothing kept.
        let outcome = if hidden.contains(&i) {
            m.apply(&state, tr).map_err(cannot)?.outcome
        } else {
            let (r, outcome) = describe::explain(m, &state, tr, i + 1).map_err(cannot)?;
            steps.push(r);
            outcome
        };
        match outcome {
            Ok(next) => state = next,
            Err(_) => break,
        }
    }
    Ok(Explained {
        steps,
        omitted,
        final_state: state,
    })
}

/// A check's result, for `lbos check --json` and the server's check jobs alike.
#[derive(Clone, Debug, Serialize)]
pub struct CheckResult {
    pub program: String,
    pub verdict: &'static str,
    /// The verdict in a sentence: what holds, or what goes wrong, and under which model.
    pub verdict_text: String,
    /// What was checked: `threads A (A), B (B); semaphores weak; breadth-first`.
    pub checked: String,
    /// The threads' labels, `A (reader)`.
    pub threads: Vec<String>,
    pub semaphores: SemaphoreModel,
    pub liveness: bool,
    pub stats: Stats,
    pub warnings: Vec<String>,
    pub dead_rows: Vec<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete_reason: Option<String>,
    /// Whether the counterexample is known to be a shortest one.
    pub shortest: bool,
    /// The counterexample explained (see `trace_omitted`).
    pub trace: Vec<StepReport>,
    /// Steps of a long counterexample left out of `trace` (their `step` numbers are missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_omitted: Option<Omitted>,
    /// The counterexample as a path from the initial state, to replay (none when it is longer
    /// than the caller takes: see `path_note`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<PathStep>>,
    /// Why a counterexample comes without its path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_state: Option<FinalState>,
    /// For the verdict `starvation`: who starves, where, and where the path's cycle starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starvation: Option<StarvationResult>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StarvationResult {
    /// The thread the counterexample starves, and where it stands when the cycle starts.
    pub thread: Position,
    /// Its number.
    pub thread_id: u32,
    /// `path[cycle_start..]` (and `trace`'s steps from `cycle_start + 1`) is the cycle; it
    /// leads back to the state before it.
    pub cycle_start: usize,
    /// Every thread that can starve (the first of a group of interchangeable threads).
    pub threads: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FinalState {
    pub threads: Vec<Position>,
    pub variables: Vec<(String, String)>,
}

/// How much of a counterexample a result carries.
#[derive(Clone, Copy, Debug)]
pub struct ResultLimits {
    /// The most steps explained ([`SHOWN_STEPS`] for the command line).
    pub shown_steps: usize,
    /// The longest counterexample sent as a path (`usize::MAX`: any).
    pub max_path: usize,
}

impl Default for ResultLimits {
    fn default() -> Self {
        ResultLimits {
            shown_steps: SHOWN_STEPS,
            max_path: usize::MAX,
        }
    }
}

impl CheckResult {
    /// The result of a check that stopped before it could search (cancelled while it waited,
    /// or failed to start): `incomplete`, for `reason`.
    pub fn stopped(settings: &CheckSettings, reason: &str) -> CheckResult {
        CheckResult {
            program: settings.program.clone(),
            verdict: Verdict::Incomplete.as_str(),
            verdict_text: format!("incomplete: {reason}"),
            checked: String::new(),
            threads: Vec::new(),
            semaphores: settings.semaphores,
            liveness: settings.liveness,
            stats: Stats::default(),
            warnings: Vec::new(),
            dead_rows: Vec::new(),
            fault: None,
            incomplete_reason: Some(reason.to_string()),
            shortest: false,
            trace: Vec::new(),
            trace_omitted: None,
            path: None,
            path_note: None,
            final_state: None,
            starvation: None,
        }
    }
}

/// `dead rows (no interleaving reaches them): line 7 `x = 1``
pub fn dead_rows_text(m: &Machine, lines: &[u32]) -> Option<String> {
    if lines.is_empty() {
        return None;
    }
    let rows: Vec<String> = lines
        .iter()
        .map(|l| {
            let text = m.program.source.lines().nth(*l as usize - 1);
            format!("line {l} `{}`", text.unwrap_or("").trim())
        })
        .collect();
    Some(format!(
        "dead rows (no interleaving reaches them): {}",
        rows.join(", ")
    ))
}

/// The verdict in a sentence, as `lbos check` prints it after `verdict: `.
pub fn verdict_text(m: &Machine, r: &Report, s: &CheckSettings) -> String {
    const SAFE: &str =
        "no deadlock, assertion failure, invariant violation or runtime error is reachable";
    match r.verdict {
        Verdict::Ok if s.liveness => format!(
            "ok: {SAFE}, and no thread starves ({} semaphores, weakly fair scheduler)",
            s.semaphores.as_str()
        ),
        Verdict::Ok => format!("ok: {SAFE}"),
        Verdict::Incomplete => format!(
            "incomplete: no violation in {} states; state space not exhausted ({})",
            r.stats.states,
            r.incomplete_reason.as_deref().unwrap_or("stopped")
        ),
        Verdict::Deadlock => "deadlock".into(),
        Verdict::Starvation => match &r.starvation {
            Some(st) => format!(
                "starvation: {} can starve ({} semaphores, weakly fair scheduler)",
                st.threads
                    .iter()
                    .map(|&t| present::thread_label(m, m.initial_state(), t))
                    .collect::<Vec<_>>()
                    .join(", "),
                s.semaphores.as_str()
            ),
            None => "starvation".into(),
        },
        v => match r.violation.as_ref().and_then(|v| v.fault.as_ref()) {
            Some(f) => format!("{}: {}", v.as_str(), present::fault_text(m, f)),
            None => v.as_str().into(),
        },
    }
}

/// `thread A (reader) never progresses at line 9 `roomEmpty.wait()`, blocked on roomEmpty`:
/// who a lasso starves and where it stands when its cycle starts.
pub fn starvation_text(m: &Machine, s: &StarvationResult) -> String {
    let p = &s.thread;
    let at = match p.line {
        Some(l) => format!(" at line {l} `{}`", p.source),
        None => String::new(),
    };
    let how = match &p.blocked_on {
        Some(b) => format!(", blocked on {b}"),
        None => format!(" ({})", p.status),
    };
    let label = present::thread_label(m, m.initial_state(), s.thread_id);
    format!("thread {label} never progresses{at}{how}")
}

/// The result of a check, its counterexample explained and as a path.
pub fn check_result(
    m: &Machine,
    r: &Report,
    settings: &CheckSettings,
    limits: ResultLimits,
) -> CheckResult {
    // The search found the counterexample by these very steps.
    try_check_result(m, r, settings, limits).expect("a counterexample replays")
}

/// [`check_result`] for a report whose counterexample may not fit `m` (one read from a file):
/// an error says which step does not.
fn try_check_result(
    m: &Machine,
    r: &Report,
    settings: &CheckSettings,
    limits: ResultLimits,
) -> Result<CheckResult, String> {
    let explained = match &r.violation {
        Some(v) => Some(explain_trace(m, &v.trace, limits.shown_steps)?),
        None => None,
    };
    let (path, path_note) = match &r.violation {
        Some(v) if v.trace.len() > limits.max_path => (
            None,
            Some(format!(
                "the counterexample has {} steps, more than the {} a schedule may have here; `lbos check --trace-out` writes it and `lbos run --replay` steps through it",
                v.trace.len(),
                limits.max_path
            )),
        ),
        Some(v) => (Some(v.trace.iter().map(PathStep::from).collect()), None),
        None => (None, None),
    };
    let final_state = explained.as_ref().map(|e| &e.final_state);
    let starvation = match (&r.starvation, final_state) {
        (Some(st), Some(fs)) => Some(StarvationResult {
            // The cycle leads back to where it starts: the final state is that state.
            thread: describe::position(m, fs, st.thread),
            thread_id: st.thread,
            cycle_start: st.cycle_start,
            threads: st
                .threads
                .iter()
                .map(|&t| present::thread_label(m, m.initial_state(), t))
                .collect(),
        }),
        _ => None,
    };
    Ok(CheckResult {
        program: settings.program.clone(),
        verdict: r.verdict.as_str(),
        verdict_text: verdict_text(m, r, settings),
        checked: settings.checked_text(m),
        threads: present::thread_labels(m),
        semaphores: settings.semaphores,
        liveness: settings.liveness,
        stats: r.stats.clone(),
        warnings: dead_rows_text(m, &r.dead_rows).into_iter().collect(),
        dead_rows: r.dead_rows.clone(),
        fault: r.violation.as_ref().and_then(|v| v.fault.clone()),
        incomplete_reason: r.incomplete_reason.clone(),
        shortest: r.shortest,
        final_state: final_state.map(|s| FinalState {
            threads: (0..s.threads.len() as u32)
                .map(|t| describe::position(m, s, t))
                .collect(),
            variables: present::variables(m, s),
        }),
        trace: explained
            .as_ref()
            .map(|e| e.steps.clone())
            .unwrap_or_default(),
        trace_omitted: explained.and_then(|e| e.omitted),
        path,
        path_note,
        starvation,
    })
}

/// The format version [`TraceFile`] writes. Version 1 (before the path type) wrote
/// `transitions` (`{"thread":0,"choices":[1]}`) and thread settings as `{"All":3}`; it is
/// still read.
pub const TRACE_VERSION: u32 = 2;

/// A trace file: a program (its text, so the file stands alone: the browser opens it without
/// the program file), its configuration, and a path through it; from a check, also its
/// verdict, what was checked and the search's statistics.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceFile {
    /// The format version ([`TRACE_VERSION`]).
    pub lbos_trace: u32,
    /// The program's file name, for people.
    pub program: String,
    /// The program's text: the browser runs it, and a replay can tell when the file has
    /// changed since.
    pub source: String,
    /// Thread settings as `--threads` takes them (`3`, `reader=2`).
    #[serde(serialize_with = "threads_as_text")]
    pub threads: Vec<ThreadSpec>,
    pub semaphores: SemaphoreModel,
    /// The verdict the path leads to (`deadlock`, `assertion`, ...), if it came from a check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// Whether the check looked for starvation too.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub liveness: bool,
    /// The check's statistics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<Stats>,
    pub path: Vec<PathStep>,
    /// For a starvation (a lasso): the moves from this index on are a cycle that leads back to
    /// the state before them and repeats forever.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle_start: Option<usize>,
    /// For a starvation: the thread that starves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starving: Option<u32>,
}

fn threads_as_text<S: Serializer>(threads: &[ThreadSpec], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(threads.iter().map(|t| t.to_string()))
}

/// A thread setting as version 2 writes it (`"reader=2"`) or as version 1 did (`{"All":3}`).
#[derive(Deserialize)]
#[serde(untagged)]
enum ThreadSetting {
    Text(String),
    Spec(ThreadSpec),
}

/// Every version's fields, read before they are checked.
#[derive(Deserialize)]
struct RawTrace {
    lbos_trace: u32,
    program: String,
    source: String,
    #[serde(default)]
    threads: Vec<ThreadSetting>,
    #[serde(default)]
    semaphores: SemaphoreModel,
    #[serde(default)]
    verdict: Option<String>,
    #[serde(default)]
    liveness: bool,
    #[serde(default)]
    stats: Option<Stats>,
    #[serde(default)]
    path: Option<Vec<PathStep>>,
    #[serde(default)]
    transitions: Option<Vec<Transition>>,
    #[serde(default)]
    cycle_start: Option<usize>,
    #[serde(default)]
    starving: Option<u32>,
}

impl<'de> Deserialize<'de> for TraceFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TraceFile, D::Error> {
        let raw = RawTrace::deserialize(d)?;
        TraceFile::from_raw(raw).map_err(serde::de::Error::custom)
    }
}

impl TraceFile {
    /// Reads a trace file; the error says what is wrong with it (`name` names it).
    pub fn parse(name: &str, text: &str) -> Result<TraceFile, String> {
        serde_json::from_str(text).map_err(|e| format!("error: {name} is not an lbos trace: {e}"))
    }

    fn from_raw(raw: RawTrace) -> Result<TraceFile, String> {
        let path = match (raw.lbos_trace, raw.path, raw.transitions) {
            (1, _, Some(trs)) => trs.iter().map(PathStep::from).collect(),
            (2, Some(path), _) => path,
            (1, _, None) => return Err("version 1 has `transitions`; this one has none".into()),
            (2, None, _) => return Err("version 2 has a `path`; this one has none".into()),
            (v, _, _) => {
                return Err(format!(
                    "version {v} is not one this lbos reads (1 to {TRACE_VERSION}): a newer lbos wrote it"
                ));
            }
        };
        let threads = raw
            .threads
            .into_iter()
            .map(|t| match t {
                ThreadSetting::Text(text) => text.parse(),
                ThreadSetting::Spec(spec) => Ok(spec),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(c) = raw.cycle_start.filter(|&c| c >= path.len()) {
            return Err(format!(
                "the cycle starts at move {c}, after the last of its {} moves",
                path.len()
            ));
        }
        Ok(TraceFile {
            lbos_trace: TRACE_VERSION,
            program: raw.program,
            source: raw.source,
            threads,
            semaphores: raw.semaphores,
            verdict: raw.verdict,
            liveness: raw.liveness,
            stats: raw.stats,
            path,
            cycle_start: raw.cycle_start,
            starving: raw.starving,
        })
    }

    /// The counterexample of a check, if it found one.
    pub fn from_check(
        m: &Machine,
        r: &Report,
        settings: &CheckSettings,
        threads: &[ThreadSpec],
    ) -> Option<TraceFile> {
        let v = r.violation.as_ref()?;
        Some(TraceFile {
            lbos_trace: TRACE_VERSION,
            program: settings.program.clone(),
            source: m.program.source.clone(),
            threads: threads.to_vec(),
            semaphores: settings.semaphores,
            verdict: Some(r.verdict.as_str().to_string()),
            liveness: settings.liveness,
            stats: Some(r.stats.clone()),
            path: v.trace.iter().map(PathStep::from).collect(),
            cycle_start: r.starvation.as_ref().map(|s| s.cycle_start),
            starving: r.starvation.as_ref().map(|s| s.thread),
        })
    }

    /// A path made elsewhere (the browser's schedule) as a trace file; its verdict is the one
    /// the path leads to, if it is a counterexample.
    pub fn from_path(
        m: &Machine,
        program: &str,
        threads: &[ThreadSpec],
        semaphores: SemaphoreModel,
        path: Vec<PathStep>,
    ) -> TraceFile {
        let mut trace = TraceFile {
            lbos_trace: TRACE_VERSION,
            program: program.to_string(),
            source: m.program.source.clone(),
            threads: threads.to_vec(),
            semaphores,
            verdict: None,
            liveness: false,
            stats: None,
            path,
            cycle_start: None,
            starving: None,
        };
        let limits = ResultLimits {
            shown_steps: 0,
            max_path: 0,
        };
        trace.verdict = trace.result(m, limits).ok().map(|r| r.verdict.to_string());
        trace
    }

    /// The file as written: pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a trace serializes")
    }

    /// The check result this trace stands for, as a check that found it would give it: the
    /// verdict its path leads to (replayed: the vm decides, not the file), explained. A
    /// recorded verdict that differs is a warning. An error says why the path is not a
    /// counterexample of `m` (which must be the file's program with its configuration).
    pub fn result(&self, m: &Machine, limits: ResultLimits) -> Result<CheckResult, String> {
        let trace: Vec<Transition> = self
            .path
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.transition().ok_or_else(|| {
                    format!(
                        "move {} creates a thread: a check's counterexample never does",
                        i + 1
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        let (end, fault) = present::replay_path(m, &self.path)?;
        let initial_fault = m.check_invariants(m.initial_state()).err();
        let (verdict, fault, starvation) = if let Some(c) = self.cycle_start {
            let (mut at_cycle, _) = present::replay_path(m, &self.path[..c])?;
            // Compared as the search compares states: heaps in canonical order.
            let mut at_end = end.clone();
            lbos_vm::heap::canonicalize_heap(&mut at_cycle);
            lbos_vm::heap::canonicalize_heap(&mut at_end);
            if fault.is_some() || at_cycle != at_end {
                return Err(format!(
                    "its cycle (moves {} to {}) does not lead back to where it starts",
                    c + 1,
                    self.path.len()
                ));
            }
            let thread = self
                .starving
                .filter(|&t| (t as usize) < end.threads.len())
                .ok_or("a lasso must name the thread that starves (`starving`)")?;
            let starvation = Starvation {
                thread,
                cycle_start: c,
                threads: vec![thread],
            };
            (Verdict::Starvation, None, Some(starvation))
        } else if let Some(f) = fault.or(initial_fault.filter(|_| self.path.is_empty())) {
            let verdict = match f.kind {
                lbos_vm::FaultKind::Assertion => Verdict::Assertion,
                lbos_vm::FaultKind::Invariant => Verdict::Invariant,
                lbos_vm::FaultKind::Error => Verdict::Error,
            };
            (verdict, Some(f), None)
        } else if present::ending(m, &end).is_some_and(|e| e.kind == "deadlock") {
            (Verdict::Deadlock, None, None)
        } else {
            return Err(format!(
                "its {} moves end where the program can go on: it is not a counterexample",
                self.path.len()
            ));
        };
        let report = Report {
            verdict,
            violation: Some(Violation {
                verdict,
                fault,
                trace,
            }),
            stats: self.stats.clone().unwrap_or_default(),
            dead_rows: Vec::new(),
            incomplete_reason: None,
            shortest: false,
            starvation,
        };
        let settings = CheckSettings {
            program: self.program.clone(),
            semaphores: self.semaphores,
            liveness: self.liveness || self.cycle_start.is_some(),
            dfs: false,
        };
        let mut result = try_check_result(m, &report, &settings, limits)?;
        if let Some(recorded) = self.verdict.as_deref().filter(|v| *v != verdict.as_str()) {
            result.warnings.push(format!(
                "the file says `{recorded}`, but its path leads to `{}` here",
                verdict.as_str()
            ));
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn machine(source: &str, threads: Vec<ThreadSpec>) -> Machine {
        let program = lbos_lang::compile(source).expect("compiles");
        let config = lbos_vm::Config {
            threads,
            ..lbos_vm::Config::default()
        };
        Machine::new(Arc::new(program), config).expect("sets up")
    }

    const DEADLOCK: &str = "a = Semaphore(0)\nb = Semaphore(0)\n## Thread A\nb.wait()\na.signal()\n## Thread B\na.wait()\nb.signal()\n";

    #[test]
    fn a_trace_file_round_trips_and_writes_version_2() {
        let threads = vec![ThreadSpec::Column("B".into(), 2)];
        let m = machine(DEADLOCK, threads.clone());
        let report = crate::check(&m, &crate::Options::default());
        let settings = CheckSettings {
            program: "d.sync".into(),
            ..CheckSettings::default()
        };
        let trace = TraceFile::from_check(&m, &report, &settings, &threads).unwrap();
        // A, B and B': each waits and blocks.
        assert_eq!(trace.path.len(), 3, "{:?}", trace.path);
        let json = trace.to_json();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["lbos_trace"], 2);
        assert_eq!(v["threads"], serde_json::json!(["B=2"]));
        assert_eq!(v["verdict"], "deadlock");
        assert_eq!(v["stats"]["states"], report.stats.states);
        assert_eq!(v["path"][0], serde_json::json!({ "t": 0 }));
        let mut back = TraceFile::parse("t.json", &json).unwrap();
        // serde_json reads a float back to within a unit in the last place, not always to it.
        let stats = back.stats.take().unwrap();
        assert_eq!(stats.states, report.stats.states);
        assert!((stats.seconds - report.stats.seconds).abs() < 1e-9);
        assert_eq!(
            back,
            TraceFile {
                stats: None,
                ..trace.clone()
            }
        );
        // Through the browser's URL form and back.
        let text = present::path_text(&back.path);
        assert_eq!(present::parse_path_text(&text).unwrap(), trace.path);
        // The result it stands for is the check's own.
        let from_file = back.result(&m, ResultLimits::default()).unwrap();
        let from_check = check_result(&m, &report, &settings, ResultLimits::default());
        assert_eq!(from_file.trace, from_check.trace);
        assert_eq!(from_file.verdict_text, from_check.verdict_text);
        assert_eq!(from_file.path, from_check.path);
        assert!(from_file.warnings.is_empty(), "{:?}", from_file.warnings);
    }

    #[test]
    fn version_1_files_are_read_and_unknown_versions_refused() {
        let v1 = serde_json::json!({
            "lbos_trace": 1, "program": "d.sync", "source": DEADLOCK,
            "threads": [{ "Column": ["B", 2] }], "semaphores": "fifo",
            "transitions": [{ "thread": 0 }, { "thread": 1, "choices": [1] }],
        });
        let t = TraceFile::parse("old.json", &v1.to_string()).unwrap();
        assert_eq!(t.lbos_trace, TRACE_VERSION);
        assert_eq!(t.threads, vec![ThreadSpec::Column("B".into(), 2)]);
        assert_eq!(t.semaphores, SemaphoreModel::Fifo);
        assert_eq!(
            t.path,
            vec![
                PathStep::Step { t: 0, c: vec![] },
                PathStep::Step { t: 1, c: vec![1] }
            ]
        );
        let mut v9 = v1.clone();
        v9["lbos_trace"] = 9.into();
        let e = TraceFile::parse("new.json", &v9.to_string()).unwrap_err();
        assert!(e.contains("new.json") && e.contains("version 9"), "{e}");
        let mut v2 = v1.clone();
        v2["lbos_trace"] = 2.into();
        let e = TraceFile::parse("x.json", &v2.to_string()).unwrap_err();
        assert!(e.contains("`path`"), "{e}");
    }

    #[test]
    fn verdict_words_say_what_was_checked() {
        let m = machine(DEADLOCK, vec![]);
        let s = CheckSettings {
            semaphores: SemaphoreModel::Strong,
            liveness: true,
            ..CheckSettings::default()
        };
        assert_eq!(
            s.checked_text(&m),
            "threads A (A), B (B); semaphores strong; liveness: weakly fair scheduler, no symmetry reduction"
        );
        let report = crate::check(&m, &crate::Options::default());
        let r = check_result(&m, &report, &s, ResultLimits::default());
        assert_eq!(r.verdict, "deadlock");
        assert_eq!(r.threads, ["A (A)", "B (B)"]);
        let end = r.final_state.unwrap();
        assert_eq!(
            end.variables,
            [("a".into(), "-1 [B]".into()), ("b".into(), "-1 [A]".into())]
        );
    }
}
