//! `lbos run`: one execution, printed step by step. The schedule and the loop are
//! `lbos_vm::present`'s; this formats what it reports.

use clap::Args;
use lbos_check::present::TraceFile;
use lbos_vm::describe::{self, StepReport};
use lbos_vm::present::{self, Policy, RunEvent, Scheduler};
use lbos_vm::{Config, SemaphoreModel, ThreadSpec};
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
        message: &'a str,
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

/// The schedule the flags ask for, the thread settings and semaphore model to run it with,
/// and the thread a replayed lasso starves.
type Plan = (Policy, Vec<ThreadSpec>, SemaphoreModel, Option<u32>);

fn plan(args: &RunArgs, source: &str) -> Result<Plan, String> {
    let Some(path) = &args.replay else {
        let policy = match args.schedule.as_str() {
            "round-robin" | "rr" => Policy::RoundRobin,
            "random" => Policy::Random,
            list => Policy::Threads(
                list.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
        };
        return Ok((policy, args.threads.clone(), args.semaphores, None));
    };
    let trace = TraceFile::parse(path, &load::read_source(path)?)?;
    if trace.source != source {
        eprintln!(
            "warning: {} has changed since the trace was recorded; the replay may diverge",
            args.file
        );
    }
    let policy = Policy::Path {
        path: trace.path,
        cycle_start: trace.cycle_start,
        cycles: args.cycles,
    };
    Ok((policy, trace.threads, trace.semaphores, trace.starving))
}

fn run(args: RunArgs) -> Result<u8, String> {
    let source = load::read_source(&args.file)?;
    let program = load::compile(&args.file, &source)?;
    let (policy, threads, semaphores, starving) = plan(&args, &program.source)?;
    let config = Config {
        threads,
        semaphores,
        ..Config::default()
    };
    let m = load::machine(&args.file, program, config)?;
    let schedule_name = match &policy {
        Policy::RoundRobin => "round-robin".to_string(),
        Policy::Random => format!("random, seed {}", args.seed),
        Policy::Threads(_) => "explicit".to_string(),
        Policy::Path {
            cycle_start: None, ..
        } => "replay".to_string(),
        Policy::Path { .. } => format!("replay of a lasso, cycle {} times", args.cycles),
    };
    if args.json {
        print_json(&JsonLine::Start {
            program: &args.file,
            threads: (0..m.initial_state().threads.len() as u32)
                .map(|t| m.thread_name(t).to_string())
                .collect(),
            schedule: &schedule_name,
            seed: args.seed,
        });
    } else {
        let labels = present::thread_labels(&m);
        let threads = if labels.is_empty() {
            "no threads".to_string()
        } else {
            format!("threads {}", labels.join(", "))
        };
        println!(
            "lbos run {} ({threads}; schedule {schedule_name})",
            args.file
        );
    }
    let starving_name = starving
        .filter(|&t| (t as usize) < m.initial_state().threads.len())
        .map(|t| m.thread_name(t).to_string());
    let scheduler = Scheduler::new(policy, args.seed);
    let end = present::run(&m, scheduler, args.steps, starving, |event| match event {
        RunEvent::Step(r) if args.json => print_json(&JsonLine::Step(r)),
        RunEvent::Step(r) => println!("{}", format_step(r)),
        RunEvent::Cycle { round } if args.json => print_json(&JsonLine::Cycle {
            round,
            starving: starving_name.clone(),
        }),
        RunEvent::Cycle { round } => println!("  -- cycle, round {round} (repeats forever) --"),
    })
    .map_err(|(step, e)| step_error(&args, step, &e))?;
    let positions: Vec<describe::Position> = (0..end.state.threads.len() as u32)
        .map(|t| describe::position(&m, &end.state, t))
        .collect();
    if args.json {
        print_json(&JsonLine::End {
            result: end.result,
            message: &end.message,
            threads: positions,
        });
    } else {
        println!("{}", end.message);
        if end.result != "finished" {
            for p in &positions {
                println!("{}", thread_line(p));
            }
        }
        print_variables(&present::variables(&m, &end.state));
    }
    Ok(if end.failed { 1 } else { 0 })
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
        r.step, r.name, line, r.source, sub
    );
    if effects.is_empty() {
        text
    } else {
        format!("{text:<56}  {effects}")
    }
}

/// A thread's row in a table of where threads stand: `  A  line 7   x.wait()  blocked on x`.
pub fn thread_line(p: &describe::Position) -> String {
    let at = p.line.map_or("".to_string(), |l| {
        format!("{:<8} {}", format!("line {l}"), p.source)
    });
    match &p.blocked_on {
        Some(o) => format!("  {:<2} {at}  blocked on {o}", p.thread),
        None if p.status == "done" => format!("  {:<2} done", p.thread),
        None => format!("  {:<2} {at}  ({})", p.thread, p.status),
    }
}

/// `  count = 2, mutex = 1 [B]`
pub fn print_variables(vars: &[(String, String)]) {
    let vars: Vec<String> = vars.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    if !vars.is_empty() {
        println!("  {}", vars.join(", "));
    }
}
