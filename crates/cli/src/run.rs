//! `lbos run`: one execution, printed step by step.

use clap::Args;
use lbos_vm::describe::{self, StepReport};
use lbos_vm::{
    Config, Fault, FaultKind, Machine, SemaphoreModel, State, ThreadSpec, TraceFile, Transition,
};
use serde::Serialize;

use crate::load::{self, EXIT_BAD_INPUT};

#[derive(Args)]
pub struct RunArgs {
    /// The Sync program.
    pub file: String,
    /// `round-robin` (Sync.py's Step), `random` (its Random Step) or a list of threads `A,B,B,C`.
    #[arg(long, default_value = "round-robin")]
    pub schedule: String,
    /// Seed for random scheduling and random choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Stop after this many steps.
    #[arg(long, default_value_t = 1000)]
    pub steps: usize,
    /// Threads per column: `N` for all, `COLUMN=N` for one (name or 1-based number); repeatable.
    #[arg(long = "threads", value_name = "N|COLUMN=N")]
    pub threads: Vec<ThreadSpec>,
    /// Treat every plain Semaphore as FIFO (`fifo`) or follow each semaphore's kind (`weak`).
    #[arg(long, default_value = "weak")]
    pub semaphores: SemaphoreModel,
    /// Replay a trace written by `lbos check --trace-out`.
    #[arg(long, value_name = "TRACE")]
    pub replay: Option<String>,
    /// When the replayed trace is a starvation lasso: how many times to play its cycle
    /// (at most `--steps` steps in all).
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub cycles: usize,
    /// Print the trace as JSON lines.
    #[arg(long)]
    pub json: bool,
}

enum Schedule {
    RoundRobin,
    Random,
    Explicit(Vec<String>),
    /// The transitions, and for a lasso the index where its cycle starts.
    Replay(Vec<Transition>, Option<usize>),
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum JsonLine<'a> {
    Start {
        program: &'a str,
        threads: Vec<String>,
        schedule: &'a str,
        seed: u64,
    },
    Step(&'a StepReport),
    /// The replayed lasso's cycle starts (again) with the next step.
    Cycle {
        round: usize,
        starving: Option<String>,
    },
    End {
        result: &'a str,
        message: String,
        threads: Vec<describe::Position>,
    },
}

pub fn main(args: RunArgs) -> u8 {
    match run(args) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("{msg}");
            EXIT_BAD_INPUT
        }
    }
}

fn run(args: RunArgs) -> Result<u8, String> {
    let source = load::read_source(&args.file)?;
    let program = load::compile(&args.file, &source)?;
    let (mut threads, mut semaphores) = (args.threads.clone(), args.semaphores);
    let mut starving: Option<u32> = None;
    let schedule = if let Some(path) = &args.replay {
        let text = load::read_source(path)?;
        let trace: TraceFile = serde_json::from_str(&text)
            .map_err(|e| format!("error: {path} is not an lbos trace: {e}"))?;
        if trace.source != program.source {
            eprintln!(
                "warning: {} has changed since the trace was recorded; the replay may diverge",
                args.file
            );
        }
        threads = trace.threads.clone();
        semaphores = trace.semaphores;
        starving = trace.starving;
        let cycle = trace.cycle_start.filter(|&c| c < trace.transitions.len());
        if trace.cycle_start.is_some() && cycle.is_none() {
            return Err(format!(
                "error: {path}: the cycle starts after the last of its {} transitions",
                trace.transitions.len()
            ));
        }
        Schedule::Replay(trace.transitions, cycle)
    } else {
        match args.schedule.as_str() {
            "round-robin" | "rr" => Schedule::RoundRobin,
            "random" => Schedule::Random,
            list => Schedule::Explicit(
                list.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
        }
    };
    let config = Config {
        threads,
        semaphores,
        ..Config::default()
    };
    let m = load::machine(&args.file, program, config)?;
    let mut state = m.initial_state().clone();
    let mut rng = lbos_vm::random::SplitMix64::new(args.seed);
    let names: Vec<String> = (0..state.threads.len())
        .map(|t| m.thread_name(t as u32).to_string())
        .collect();
    let schedule_name = match &schedule {
        Schedule::RoundRobin => "round-robin".to_string(),
        Schedule::Random => format!("random, seed {}", args.seed),
        Schedule::Explicit(_) => "explicit".to_string(),
        Schedule::Replay(_, None) => "replay".to_string(),
        Schedule::Replay(_, Some(_)) => format!("replay of a lasso, cycle {} times", args.cycles),
    };
    if args.json {
        print_json(&JsonLine::Start {
            program: &args.file,
            threads: names.clone(),
            schedule: &schedule_name,
            seed: args.seed,
        });
    } else {
        let threads: Vec<String> = (0..state.threads.len())
            .map(|t| {
                format!(
                    "{} ({})",
                    names[t],
                    m.program.column_label(state.threads[t].column as usize)
                )
            })
            .collect();
        let threads = if threads.is_empty() {
            "no threads".to_string()
        } else {
            format!("threads {}", threads.join(", "))
        };
        println!(
            "lbos run {} ({threads}; schedule {schedule_name})",
            args.file
        );
    }
    if let Err(f) = m.check_invariants(&state) {
        return Ok(report_fault(&m, &state, &f, args.json));
    }

    let mut step = 0;
    let mut rr_next = 0usize;
    let mut explicit_pos = 0usize;
    loop {
        if m.is_valid_end(&state) {
            let why = if state.all_done() {
                "every thread is done"
            } else {
                "every thread is done or waits at an end row"
            };
            return Ok(finish(&m, &state, args.json, "finished", why.into(), 0));
        }
        if m.is_deadlock(&state) {
            return Ok(finish(
                &m,
                &state,
                args.json,
                "deadlock",
                "deadlock: no thread can move".into(),
                1,
            ));
        }
        if step >= args.steps {
            return Ok(finish(
                &m,
                &state,
                args.json,
                "steps",
                format!("stopped after {step} steps (--steps)"),
                0,
            ));
        }
        let tr = match &schedule {
            Schedule::RoundRobin => {
                // Sync.py's Step: each runnable thread once, in creation order.
                let n = state.threads.len();
                let t = (0..n)
                    .map(|k| (rr_next + k) % n)
                    .find(|&t| state.threads[t].status == lbos_vm::Status::Runnable)
                    .unwrap();
                rr_next = t + 1;
                pick_choices(&m, &state, t as u32, &mut rng)
            }
            Schedule::Random => {
                let runnable: Vec<usize> = state.runnable().collect();
                let t = runnable[rng.below(runnable.len() as u32) as usize];
                pick_choices(&m, &state, t as u32, &mut rng)
            }
            Schedule::Explicit(list) => {
                let Some(name) = list.get(explicit_pos) else {
                    return Ok(finish(
                        &m,
                        &state,
                        args.json,
                        "schedule",
                        format!("the schedule ends after {step} steps"),
                        0,
                    ));
                };
                explicit_pos += 1;
                let Some(t) = names.iter().position(|n| n.eq_ignore_ascii_case(name)) else {
                    return Err(format!(
                        "error: the schedule names thread `{name}`, but the threads are {}",
                        names.join(", ")
                    ));
                };
                pick_choices(&m, &state, t as u32, &mut rng)
            }
            Schedule::Replay(trs, Some(c)) => {
                // The cycle leads back to the state it started from, so it can be replayed
                // again and again.
                let len = trs.len() - c;
                let (round, k) = match step.checked_sub(*c) {
                    None => (0, step),
                    Some(into) => (into / len + 1, c + into % len),
                };
                if round > args.cycles {
                    let who = starving
                        .filter(|&t| (t as usize) < names.len())
                        .map(|t| format!("; thread {} starves", names[t as usize]))
                        .unwrap_or_default();
                    return Ok(finish(
                        &m,
                        &state,
                        args.json,
                        "cycle",
                        format!(
                            "the cycle was played {} time(s); it repeats forever{who}",
                            args.cycles
                        ),
                        1,
                    ));
                }
                if k == *c {
                    let starving = starving
                        .filter(|&t| (t as usize) < names.len())
                        .map(|t| names[t as usize].clone());
                    if args.json {
                        print_json(&JsonLine::Cycle { round, starving });
                    } else {
                        println!("  -- cycle, round {round} (repeats forever) --");
                    }
                }
                trs[k].clone()
            }
            Schedule::Replay(trs, None) => match trs.get(step) {
                Some(tr) => tr.clone(),
                None => {
                    return Ok(finish(
                        &m,
                        &state,
                        args.json,
                        "schedule",
                        format!("the replayed trace ends after {step} steps"),
                        0,
                    ));
                }
            },
        };
        step += 1;
        let (report, outcome) =
            describe::explain(&m, &state, &tr, step).map_err(|e| step_error(&args, step, &e))?;
        print_step(&report, args.json);
        match outcome {
            Ok(next) => state = next,
            Err(fault) => return Ok(report_fault(&m, &state, &fault, args.json)),
        }
    }
}

/// Why a step of the schedule cannot be made (a bad input: exit 2).
fn step_error(args: &RunArgs, step: usize, e: &str) -> String {
    match &args.replay {
        Some(trace) => format!(
            "error: {trace}: step {step} cannot be replayed: {e}\n  = hint: the trace does not fit \
             this program; record it again with `lbos check {} --trace-out {trace}`",
            args.file
        ),
        None => format!("error: step {step}: {e}"),
    }
}

/// Random choices for a step (which waiter wakes, random.choice values).
fn pick_choices(
    m: &Machine,
    state: &State,
    t: u32,
    rng: &mut lbos_vm::random::SplitMix64,
) -> Transition {
    Transition {
        thread: t,
        choices: m.random_choices(state, t, |n| rng.below(n)),
    }
}

fn print_json<T: Serialize>(v: &T) {
    println!("{}", serde_json::to_string(v).expect("serializable"));
}

/// The longest effects text of one printed step, in bytes. Each value is already cut short
/// (`describe::MAX_SHOWN_LEN`), but one row can change many variables at once.
pub const MAX_EFFECTS_LEN: usize = 8 * lbos_vm::describe::MAX_SHOWN_LEN;

pub fn format_step(r: &StepReport) -> String {
    let line = r.line.map_or("-".to_string(), |l| format!("line {l}"));
    let sub = r.substep.map_or(String::new(), |s| format!(" [{s}/4]"));
    let mut effects = r.effects_text();
    if effects.len() > MAX_EFFECTS_LEN {
        let mut cut = MAX_EFFECTS_LEN;
        while !effects.is_char_boundary(cut) {
            cut -= 1;
        }
        effects.truncate(cut);
        effects.push_str(" ... (cut)");
    }
    let text = format!(
        "{:>4}  {:<2} {:<8} {}{}",
        r.step, r.thread, line, r.source, sub
    );
    if effects.is_empty() {
        text
    } else {
        format!("{text:<56}  {effects}")
    }
}

fn print_step(r: &StepReport, json: bool) {
    if json {
        print_json(&JsonLine::Step(r));
    } else {
        println!("{}", format_step(r));
    }
}

pub fn thread_table(m: &Machine, state: &State) -> Vec<String> {
    (0..state.threads.len())
        .map(|t| {
            let p = describe::position(m, state, t as u32);
            let at = p.line.map_or("".to_string(), |l| {
                format!("{:<8} {}", format!("line {l}"), p.source)
            });
            match p.blocked_on {
                Some(o) => format!("  {:<2} {at}  blocked on {o}", p.thread),
                None => format!(
                    "  {:<2} {}",
                    p.thread,
                    if p.status == "done" {
                        "done".to_string()
                    } else {
                        format!("{at}  ({})", p.status)
                    }
                ),
            }
        })
        .collect()
}

fn finish(m: &Machine, state: &State, json: bool, result: &str, message: String, code: u8) -> u8 {
    if json {
        let threads = (0..state.threads.len())
            .map(|t| describe::position(m, state, t as u32))
            .collect();
        print_json(&JsonLine::End {
            result,
            message,
            threads,
        });
    } else {
        println!("{message}");
        if result != "finished" {
            for l in thread_table(m, state) {
                println!("{l}");
            }
        }
        print_globals(m, state);
    }
    code
}

fn print_globals(m: &Machine, state: &State) {
    let vars: Vec<String> = crate::check::variables(m, state)
        .into_iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    if !vars.is_empty() {
        println!("  {}", vars.join(", "));
    }
}

fn report_fault(m: &Machine, state: &State, f: &Fault, json: bool) -> u8 {
    let kind = match f.kind {
        FaultKind::Assertion => "assertion",
        FaultKind::Invariant => "invariant",
        FaultKind::Error => "error",
    };
    finish(m, state, json, kind, crate::check::fault_text(m, f), 1)
}
