//! Mutation analysis: checks every mutant of a program (see [`lbos_lang::mutate`]) and
//! sorts them into killed (the checker finds a violation) and surviving (it does not). A
//! surviving mutant of a correct solution means its properties cannot tell a needed
//! statement from a missing one, or that the statement matters only for liveness. Given the
//! program's starvation claims (configurations under which no thread starves), a mutant that
//! passes the safety check is also checked for starvation under each, so a statement that
//! matters only for liveness is killed there rather than explained by hand.

use std::sync::Arc;
use std::sync::Mutex;

use lbos_lang::Program;
use lbos_lang::mutate::{Mutant, mutants};
use lbos_vm::{Config, Machine};
use serde::Serialize;

use crate::search::{Options, Report, Verdict, check};

/// What became of one mutant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// The checker finds a violation: the specification notices the change.
    Killed,
    /// Every interleaving passes: the change goes unnoticed.
    Survived,
    /// A limit ended the search first.
    Unknown,
}

#[derive(Clone, Debug, Serialize)]
pub struct MutantResult {
    pub id: String,
    pub description: String,
    pub line: u32,
    pub fate: Fate,
    pub verdict: Verdict,
    /// The violation found (killed) or why the search stopped (unknown).
    pub detail: String,
    pub states: u64,
    /// Why the mutant survives or is undecided, where a catalog entry says (filled in by
    /// the catalog check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct MutationReport {
    pub results: Vec<MutantResult>,
    pub killed: usize,
    pub survived: usize,
    pub unknown: usize,
}

impl MutationReport {
    /// Killed mutants among those decided, in per cent (100 when there are none).
    pub fn score(&self) -> f64 {
        let decided = self.killed + self.survived;
        if decided == 0 {
            100.0
        } else {
            100.0 * self.killed as f64 / decided as f64
        }
    }

    pub fn survivors(&self) -> impl Iterator<Item = &MutantResult> {
        self.results.iter().filter(|r| r.fate == Fate::Survived)
    }
}

/// Checks every mutant of `program` with `config` and `opts` (its limits apply to each
/// mutant; `opts.jobs` mutants are checked at once, each on one thread). A mutant that
/// passes is then checked for starvation under each of `no_starvation` (configurations under
/// which the original program starves no thread), with the same limits.
pub fn analyze(
    program: &Program,
    config: &Config,
    no_starvation: &[Config],
    opts: &Options,
) -> MutationReport {
    let all = mutants(program);
    let per_mutant = Options {
        jobs: 1,
        progress: None,
        ..opts.clone()
    };
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<MutantResult>>> = Mutex::new(vec![None; all.len()]);
    std::thread::scope(|scope| {
        for _ in 0..opts.jobs.clamp(1, all.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    let Some(m) = all.get(i) else { return };
                    if per_mutant.stop.load(std::sync::atomic::Ordering::Relaxed) {
                        return;
                    }
                    let r = check_mutant(m, config, no_starvation, &per_mutant);
                    results.lock().unwrap()[i] = Some(r);
                }
            });
        }
    });
    let mut report = MutationReport::default();
    for r in results.into_inner().unwrap().into_iter().flatten() {
        match r.fate {
            Fate::Killed => report.killed += 1,
            Fate::Survived => report.survived += 1,
            Fate::Unknown => report.unknown += 1,
        }
        report.results.push(r);
    }
    report
}

fn check_mutant(
    m: &Mutant,
    config: &Config,
    no_starvation: &[Config],
    opts: &Options,
) -> MutantResult {
    let result = |fate, verdict, detail: String, states| MutantResult {
        id: m.id.clone(),
        description: m.description.clone(),
        line: m.line,
        fate,
        verdict,
        detail,
        states,
        explanation: None,
    };
    let program = match lbos_lang::compile(&m.source) {
        Ok(p) => Arc::new(p),
        Err(e) => return result(Fate::Unknown, Verdict::Error, e.to_string(), 0),
    };
    let mut states = 0;
    for (i, config) in std::iter::once(config).chain(no_starvation).enumerate() {
        let machine = match Machine::new(program.clone(), config.clone()) {
            Ok(machine) => machine,
            // The initialization block is never mutated: a mutant that cannot start is broken
            // by its change (e.g. a thread count that no longer fits), so it counts as killed.
            Err(e) => return result(Fate::Killed, Verdict::Error, e.to_string(), states),
        };
        let report = if i == 0 {
            safety(&machine, opts)
        } else {
            crate::liveness::check(&machine, opts)
        };
        states += report.stats.states;
        let fate = match report.verdict {
            Verdict::Ok => continue,
            Verdict::Incomplete => Fate::Unknown,
            _ => Fate::Killed,
        };
        let mut detail = describe(&machine, &report);
        if i > 0 {
            detail = format!(
                "{detail} ({} semaphores, the starvation claim)",
                config.semaphores.as_str()
            );
        }
        return result(fate, report.verdict, detail, states);
    }
    result(Fate::Survived, Verdict::Ok, String::new(), states)
}

/// The safety check of a mutant: depth-first first, then (if that stops at a limit) as
/// `opts` asks. A mutant needs a verdict, not a shortest counterexample: breadth-first with
/// partial-order reduction looks for the shortest one again without the reduction, and for a
/// mutant that deadlocks a looping program that second search can be a hundred times the
/// first (cigarette smokers). Depth-first finds such a violation in a few hundred states, and
/// a passing mutant is explored whole either way; but in a mutant whose space is infinite
/// depth-first can run off along one growing branch, so what it leaves undecided gets the
/// breadth-first search. A mutant is killed if either search finds a violation (each is a
/// real run), survives only if a search explored every state. The depth-first pass stops at
/// [`DFS_STATES`] states and [`DFS_TIME`], so that it costs little where it does not decide.
fn safety(m: &Machine, opts: &Options) -> Report {
    if opts.dfs {
        return check(m, opts);
    }
    let quick = check(
        m,
        &Options {
            dfs: true,
            max_states: opts.max_states.min(DFS_STATES),
            timeout: Some(opts.timeout.map_or(DFS_TIME, |t| t.min(DFS_TIME))),
            ..opts.clone()
        },
    );
    if quick.verdict != Verdict::Incomplete || opts.stop.load(std::sync::atomic::Ordering::Relaxed)
    {
        return quick;
    }
    check(m, opts)
}

/// The depth-first pass of a mutant's safety check stops at this many states ...
const DFS_STATES: u64 = 250_000;
/// ... or after this long; then the breadth-first search decides.
const DFS_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// The violation a mutant's check found, or why it stopped.
fn describe(m: &Machine, report: &Report) -> String {
    if let Some(s) = &report.starvation {
        let column = m.initial_state().threads[s.thread as usize].column;
        return format!("{} starves", m.program.column_label(column as usize));
    }
    match (&report.violation, &report.incomplete_reason) {
        (Some(v), _) => match &v.fault {
            Some(f) => match f.line {
                Some(line) => format!("line {line}: {}", f.message),
                None => f.message.clone(),
            },
            None => "deadlock".to_string(),
        },
        (None, Some(reason)) => reason.clone(),
        (None, None) => String::new(),
    }
}
