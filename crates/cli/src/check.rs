//! `lbos check`: exhaustive search, with a readable counterexample.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::Args;
use lbos_check::{Options, Report, Verdict};
use lbos_vm::describe::{self, Position, StepReport};
use lbos_vm::{Config, Fault, Machine, SemaphoreModel, State, ThreadSpec, TraceFile};
use serde::Serialize;

use crate::flags;
use crate::load::{self, EXIT_BAD_INPUT};
use crate::run::{format_step, thread_table};

#[derive(Args, Clone)]
pub struct CheckArgs {
    /// A Sync program, or a folder: every `.sync` and `.py` file in it is checked.
    pub path: String,
    /// Threads per column: `N` for all, `COLUMN=N` for one (name or 1-based number); repeatable.
    #[arg(long = "threads", value_name = "N|COLUMN=N")]
    pub threads: Vec<ThreadSpec>,
    /// `weak`: each semaphore follows its kind; `fifo`: every plain Semaphore is FIFO;
    /// `strong`: as `weak`, and with `--liveness` a waiter signalled infinitely often is woken.
    #[arg(long, default_value = "weak")]
    pub semaphores: SemaphoreModel,
    /// Also look for starvation: a thread that never progresses on a fair infinite run
    /// (verdict `starvation`, with a lasso). Explores without reductions.
    #[arg(long, conflicts_with = "dfs")]
    pub liveness: bool,
    /// Stop after this many distinct states (verdict `incomplete`).
    #[arg(long, default_value_t = 50_000_000)]
    pub max_states: u64,
    /// Stop when the search uses this much memory: `512M`, `4G`, `16GB`, `16GiB` (K, M, G, T
    /// are powers of 1024, with or without B or iB).
    #[arg(long, default_value = "4G", value_name = "SIZE", value_parser = flags::parse_size, allow_hyphen_values = true)]
    pub max_memory: u64,
    /// Stop after this many seconds (or `90s`, `10m`, `1h`; at most a year).
    #[arg(long, value_name = "SECS", value_parser = flags::parse_duration, allow_hyphen_values = true)]
    pub timeout: Option<Duration>,
    /// Depth-first search: less memory, but counterexamples are not the shortest.
    #[arg(long)]
    pub dfs: bool,
    /// Do not merge states that differ only by a permutation of identical threads.
    #[arg(long)]
    pub no_symmetry: bool,
    /// Do not use the partial-order reduction (thread-local steps taken alone).
    #[arg(long)]
    pub no_por: bool,
    /// Bitstate search (SPIN's -DBITSTATE): depth-first, remembering each state as 3 bits of
    /// a bit array of SIZE (default 16M). For spaces beyond memory; the result is probabilistic
    /// (the report gives a coverage estimate). Counterexamples are real.
    #[arg(long, value_name = "SIZE", num_args = 0..=1, require_equals = true, default_missing_value = "16M", value_parser = flags::parse_size, conflicts_with = "liveness")]
    pub bitstate: Option<u64>,
    /// Swarm verification: N bitstate runs (implies --bitstate) with seeds S, S+1, ..., each
    /// with its own hash functions and (after the first) a shuffled successor order.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000), conflicts_with = "liveness")]
    pub swarm: Option<u32>,
    /// With --bitstate or --swarm: the first run's seed (default 0).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Threads for the breadth-first search (default: every core; at most 1024). The verdict,
    /// the counts and the counterexample are the same for any number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,
    /// Print one JSON object (an array for a folder) as the last line of standard output.
    #[arg(long)]
    pub json: bool,
    /// Write the counterexample as a trace file for `lbos run --replay` and the web UI.
    #[arg(long, value_name = "FILE")]
    pub trace_out: Option<String>,
}

/// The number of search threads: as asked, or one per core.
pub fn jobs(asked: Option<u16>) -> usize {
    asked.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    )
}

/// The JSON form of a result.
#[derive(Serialize)]
pub struct CheckJson {
    pub program: String,
    pub verdict: &'static str,
    pub threads: Vec<String>,
    pub semaphores: SemaphoreModel,
    pub stats: lbos_check::Stats,
    pub warnings: Vec<String>,
    pub dead_rows: Vec<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete_reason: Option<String>,
    pub trace: Vec<StepReport>,
    /// Steps of a long counterexample left out of `trace` (their `step` numbers are missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_omitted: Option<Omitted>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_state: Option<FinalState>,
    /// For the verdict `starvation`: who starves, where, and where the trace's cycle starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starvation: Option<StarvationJson>,
}

#[derive(Serialize)]
pub struct StarvationJson {
    /// The thread the counterexample starves, and where it stands when the cycle starts.
    pub thread: Position,
    /// `trace[cycle_start..]` is the cycle; it leads back to the state before it.
    pub cycle_start: usize,
    /// Every thread that can starve (the first of a group of interchangeable threads).
    pub threads: Vec<String>,
}

#[derive(Serialize)]
pub struct FinalState {
    pub threads: Vec<Position>,
    pub variables: Vec<(String, String)>,
}

/// A checked program with its report and explained counterexample.
pub struct Outcome {
    pub machine: Machine,
    pub report: Report,
    /// The explained steps of the counterexample: all of them, or the first and the last
    /// [`SHOWN_STEPS`]` / 2` when it is longer (see `omitted`).
    pub steps: Vec<StepReport>,
    /// The steps left out of `steps`, if any.
    pub omitted: Option<Omitted>,
    pub final_state: Option<State>,
}

/// The most counterexample steps printed (half from the start, half from the end). A depth-first
/// search can return a counterexample of millions of steps; printed whole, with its states, it
/// would fill the disk and the memory long before anyone reads it. `--trace-out` writes it all.
pub const SHOWN_STEPS: usize = 1000;

/// Steps of a long counterexample that are not shown: `count` steps from step number `first`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Omitted {
    pub first: usize,
    pub count: usize,
}

pub fn options(args: &CheckArgs, stop: Arc<AtomicBool>) -> Options {
    Options {
        dfs: args.dfs,
        symmetry: !args.no_symmetry,
        por: !args.no_por,
        jobs: jobs(args.jobs),
        max_states: args.max_states,
        max_memory_bytes: args.max_memory,
        timeout: args.timeout,
        stop,
        liveness: args.liveness,
        bitstate: (args.bitstate.is_some() || args.swarm.is_some()).then(|| {
            lbos_check::bitstate::Bitstate {
                bytes: args.bitstate.unwrap_or(16 << 20),
                seed: args.seed.unwrap_or(0),
                runs: args.swarm.unwrap_or(1),
                ..Default::default()
            }
        }),
        ..Options::default()
    }
}

/// Checks one machine and explains its counterexample.
pub fn check_machine(machine: Machine, opts: &Options) -> Outcome {
    let report = lbos_check::check(&machine, opts);
    let mut steps = Vec::new();
    let mut omitted = None;
    let mut final_state = None;
    if let Some(v) = &report.violation {
        let n = v.trace.len();
        let hidden = if n > SHOWN_STEPS {
            let first = SHOWN_STEPS / 2;
            omitted = Some(Omitted {
                first: first + 1,
                count: n - SHOWN_STEPS,
            });
            first..n - SHOWN_STEPS / 2
        } else {
            0..0
        };
        let mut state = machine.initial_state().clone();
        for (i, tr) in v.trace.iter().enumerate() {
            // Steps not shown are only applied: no words, nothing kept.
            let outcome = if hidden.contains(&i) {
                machine
                    .apply(&state, tr)
                    .expect("a counterexample replays")
                    .outcome
            } else {
                let (r, outcome) = describe::explain(&machine, &state, tr, i + 1)
                    .expect("a counterexample replays");
                steps.push(r);
                outcome
            };
            match outcome {
                Ok(next) => state = next,
                Err(_) => break,
            }
        }
        final_state = Some(state);
    }
    Outcome {
        machine,
        report,
        steps,
        omitted,
        final_state,
    }
}

/// The line that stands for the steps not shown.
pub fn omitted_text(o: &Omitted, path: &str) -> String {
    format!(
        "   ... {} step(s) not shown (steps {} to {}); `lbos check {path} --trace-out TRACE` writes them all, `lbos run {path} --replay TRACE` shows each",
        o.count,
        o.first,
        o.first + o.count - 1
    )
}

pub fn variables(m: &Machine, state: &State) -> Vec<(String, String)> {
    m.program
        .globals
        .iter()
        .enumerate()
        .filter(|(g, _)| state.globals[*g] != lbos_vm::Value::Unset)
        .map(|(g, name)| {
            let v = state.globals[g];
            let shown = match v {
                lbos_vm::Value::Ref(r)
                    if !matches!(*state.heap[r as usize], lbos_vm::Object::List(_)) =>
                {
                    describe::object_summary(m, state, r)
                }
                _ => m.show(state, v),
            };
            (name.clone(), shown)
        })
        .collect()
}

fn thread_names(m: &Machine) -> Vec<String> {
    (0..m.initial_state().threads.len())
        .map(|t| thread_label(m, t as u32))
        .collect()
}

pub fn warnings(o: &Outcome) -> Vec<String> {
    let m = &o.machine;
    let mut w = Vec::new();
    if !o.report.dead_rows.is_empty() {
        let rows: Vec<String> = o
            .report
            .dead_rows
            .iter()
            .map(|l| {
                format!(
                    "line {l} `{}`",
                    m.program
                        .source
                        .lines()
                        .nth(*l as usize - 1)
                        .unwrap_or("")
                        .trim()
                )
            })
            .collect();
        w.push(format!(
            "dead rows (no interleaving reaches them): {}",
            rows.join(", ")
        ));
    }
    w
}

pub fn to_json(path: &str, args: &CheckArgs, o: &Outcome) -> CheckJson {
    let m = &o.machine;
    CheckJson {
        program: path.to_string(),
        verdict: o.report.verdict.as_str(),
        threads: thread_names(m),
        semaphores: args.semaphores,
        stats: o.report.stats.clone(),
        warnings: warnings(o),
        dead_rows: o.report.dead_rows.clone(),
        fault: o.report.violation.as_ref().and_then(|v| v.fault.clone()),
        incomplete_reason: o.report.incomplete_reason.clone(),
        trace: o.steps.clone(),
        trace_omitted: o.omitted,
        final_state: o.final_state.as_ref().map(|s| FinalState {
            threads: (0..s.threads.len())
                .map(|t| describe::position(m, s, t as u32))
                .collect(),
            variables: variables(m, s),
        }),
        starvation: o.report.starvation.as_ref().map(|st| StarvationJson {
            thread: describe::position(m, o.final_state.as_ref().unwrap(), st.thread),
            cycle_start: st.cycle_start,
            threads: st.threads.iter().map(|&t| thread_label(m, t)).collect(),
        }),
    }
}

/// `A (reader)`
pub fn thread_label(m: &Machine, t: u32) -> String {
    format!(
        "{} ({})",
        m.thread_name(t),
        m.program
            .column_label(m.initial_state().threads[t as usize].column as usize)
    )
}

/// `thread A (reader) starves at line 9 `roomEmpty.wait()`, blocked on roomEmpty`: who the
/// lasso starves and where it stands when its cycle starts.
pub fn starvation_text(o: &Outcome) -> Option<String> {
    let st = o.report.starvation.as_ref()?;
    let m = &o.machine;
    let p = describe::position(m, o.final_state.as_ref()?, st.thread);
    let at = match p.line {
        Some(l) => format!(" at line {l} `{}`", p.source),
        None => String::new(),
    };
    let how = match &p.blocked_on {
        Some(b) => format!(", blocked on {b}"),
        None => format!(" ({})", p.status),
    };
    Some(format!(
        "thread {} never progresses{at}{how}",
        thread_label(m, st.thread)
    ))
}

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
        lbos_vm::FaultKind::Assertion => format!("assertion failed ({place}): {}", f.message),
        lbos_vm::FaultKind::Invariant => format!("{} (line {})", f.message, f.line.unwrap_or(0)),
        lbos_vm::FaultKind::Error => format!("runtime error ({place}): {}", f.message),
    }
}

pub fn stats_text(s: &lbos_check::Stats) -> String {
    let mut text = format!(
        "states {}, transitions {}, max depth {}, {:.2} s, {:.0} states/s, peak memory {:.1} MiB, {} bytes/state",
        s.states,
        s.transitions,
        s.max_depth,
        s.seconds,
        s.states_per_second,
        s.peak_memory_bytes as f64 / (1 << 20) as f64,
        s.bytes_per_state
    );
    if let Some(b) = &s.bitstate {
        text.push_str(&bitstate_text(b));
    }
    text
}

/// What a bitstate search covered (its result is probabilistic).
fn bitstate_text(b: &lbos_check::bitstate::Coverage) -> String {
    let mut text = format!(
        "\nbitstate search (probabilistic: \"ok\" means no violation was found in the states covered): \
         {} bits ({} MiB), {} hash functions, {} run(s), coverage estimate at most {:.4}%",
        b.bits,
        b.bits >> 23,
        b.hash_functions,
        b.runs.len(),
        b.coverage_estimate * 100.0
    );
    if b.likely_incomplete {
        text.push_str(
            "\n  coverage likely incomplete (hash factor below 100 or states expected missed): use a bigger --bitstate=SIZE",
        );
    }
    for r in &b.runs {
        text.push_str(&format!(
            "\n  seed {}: states {}, hash factor {:.1}, bits set {:.3}%, expected states missed {:.1}",
            r.seed,
            r.states,
            r.hash_factor,
            r.fill * 100.0,
            r.expected_missed
        ));
    }
    text
}

/// A state as the end of a counterexample shows it: each thread's row, then the variables.
fn print_state(m: &Machine, state: &State, heading: &str) {
    println!("\n{heading}:");
    for l in thread_table(m, state) {
        println!("{l}");
    }
    let vars: Vec<String> = variables(m, state)
        .into_iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    if !vars.is_empty() {
        println!("  {}", vars.join(", "));
    }
}

fn print_text(path: &str, args: &CheckArgs, o: &Outcome) {
    let m = &o.machine;
    let r = &o.report;
    println!(
        "lbos check {path} (threads {}; semaphores {}; {})",
        thread_names(m).join(", "),
        args.semaphores.as_str(),
        if args.liveness {
            "liveness: weakly fair scheduler, no symmetry reduction"
        } else if args.bitstate.is_some() || args.swarm.is_some() {
            "bitstate, depth-first"
        } else if args.dfs {
            "depth-first"
        } else {
            "breadth-first"
        }
    );
    if let (Some(v), Some(st)) = (&r.violation, &r.starvation) {
        println!("\nstarvation: {}", starvation_text(o).unwrap_or_default());
        println!(
            "counterexample, a lasso: {} step(s) to the cycle, then a cycle of {} step(s) that repeats forever:",
            st.cycle_start,
            v.trace.len() - st.cycle_start
        );
        for (i, s) in o.steps.iter().enumerate() {
            if i == st.cycle_start {
                println!("  -- cycle (repeats forever) --");
            }
            println!("{}", format_step(s));
        }
        if let Some(state) = &o.final_state {
            print_state(m, state, "state where the cycle starts and ends");
        }
        let names: Vec<String> = st.threads.iter().map(|&t| thread_label(m, t)).collect();
        println!("threads that can starve: {}", names.join(", "));
    } else if let Some(v) = &r.violation {
        let what = match v.verdict {
            Verdict::Deadlock => "deadlock".to_string(),
            _ => fault_text(m, v.fault.as_ref().unwrap()),
        };
        let shortest = if r.shortest { " (shortest)" } else { "" };
        println!(
            "\n{what}\ncounterexample, {} step(s){shortest}:",
            v.trace.len()
        );
        for s in &o.steps {
            if let Some(om) = o.omitted.filter(|om| s.step == om.first + om.count) {
                println!("{}", omitted_text(&om, path));
            }
            println!("{}", format_step(s));
        }
        if let Some(state) = &o.final_state {
            print_state(m, state, "final state");
        }
    }
    for w in warnings(o) {
        println!("warning: {w}");
    }
    let verdict = match r.verdict {
        Verdict::Ok if args.liveness => format!(
            "ok: no deadlock, assertion failure, invariant violation or runtime error is reachable, and no thread starves ({} semaphores, weakly fair scheduler)",
            args.semaphores.as_str()
        ),
        Verdict::Ok => {
            "ok: no deadlock, assertion failure, invariant violation or runtime error is reachable"
                .to_string()
        }
        Verdict::Incomplete => format!(
            "incomplete: no violation in {} states; state space not exhausted ({})",
            r.stats.states,
            r.incomplete_reason.as_deref().unwrap_or("stopped")
        ),
        v => v.as_str().to_string(),
    };
    println!("\nverdict: {verdict}");
    println!("{}", stats_text(&r.stats));
}

fn files_in(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("error: cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("sync" | "py"))
        })
        .collect();
    files.sort();
    Ok(files)
}

pub fn install_ctrlc(stop: &Arc<AtomicBool>) {
    let s = stop.clone();
    let _ = ctrlc::set_handler(move || s.store(true, std::sync::atomic::Ordering::SeqCst));
}

fn progress_options(opts: &mut Options, json: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if json || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(indicatif::ProgressStyle::with_template("{spinner} {msg}").unwrap());
    let b = bar.clone();
    opts.progress = Some(Arc::new(move |p: &lbos_check::Progress| {
        b.set_message(format!(
            "{} states, {:.0}/s, depth {}, frontier {}, {:.0} MiB",
            p.states,
            p.states_per_second,
            p.max_depth,
            p.frontier,
            p.peak_memory_bytes as f64 / (1 << 20) as f64
        ));
        b.tick();
    }));
    Some(bar)
}

pub fn main(args: CheckArgs) -> u8 {
    let stop = Arc::new(AtomicBool::new(false));
    install_ctrlc(&stop);
    let path = Path::new(&args.path);
    if path.is_dir() {
        return check_dir(&args, path, stop);
    }
    match check_file(&args, &args.path, stop) {
        Ok((code, json)) => {
            if let Some(j) = json {
                println!("{}", serde_json::to_string(&j).unwrap());
            }
            code
        }
        Err(msg) => {
            eprintln!("{msg}");
            EXIT_BAD_INPUT
        }
    }
}

fn prepare(args: &CheckArgs, path: &str) -> Result<Machine, String> {
    let source = load::read_source(path)?;
    let program = load::compile(path, &source)?;
    let config = Config {
        threads: args.threads.clone(),
        semaphores: args.semaphores,
        ..Config::default()
    };
    load::machine(path, program, config)
}

fn check_file(
    args: &CheckArgs,
    path: &str,
    stop: Arc<AtomicBool>,
) -> Result<(u8, Option<CheckJson>), String> {
    let machine = prepare(args, path)?;
    let mut opts = options(args, stop);
    let bar = progress_options(&mut opts, args.json);
    let outcome = check_machine(machine, &opts);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let (Some(out), Some(v)) = (&args.trace_out, &outcome.report.violation) {
        let trace = TraceFile {
            lbos_trace: 1,
            program: path.to_string(),
            source: outcome.machine.program.source.clone(),
            threads: args.threads.clone(),
            semaphores: args.semaphores,
            verdict: Some(outcome.report.verdict.as_str().to_string()),
            transitions: v.trace.clone(),
            cycle_start: outcome.report.starvation.as_ref().map(|s| s.cycle_start),
            starving: outcome.report.starvation.as_ref().map(|s| s.thread),
        };
        std::fs::write(out, serde_json::to_string_pretty(&trace).unwrap())
            .map_err(|e| format!("error: cannot write {out}: {e}"))?;
    }
    let code = outcome.report.verdict.exit_code();
    if args.json {
        Ok((code, Some(to_json(path, args, &outcome))))
    } else {
        print_text(path, args, &outcome);
        Ok((code, None))
    }
}

fn check_dir(args: &CheckArgs, dir: &Path, stop: Arc<AtomicBool>) -> u8 {
    let files = match files_in(dir) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_BAD_INPUT;
        }
    };
    let mut worst = 0u8;
    let mut rows = Vec::new();
    let mut jsons = Vec::new();
    for f in &files {
        let p = f.display().to_string();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        match prepare(args, &p) {
            Err(e) => {
                worst = worst.max(EXIT_BAD_INPUT);
                rows.push(vec![
                    name,
                    "-".into(),
                    "bad input".into(),
                    "-".into(),
                    "-".into(),
                ]);
                if args.json {
                    jsons.push(
                        serde_json::json!({"program": p, "verdict": "bad_input", "error": e}),
                    );
                } else {
                    eprintln!("{e}");
                }
            }
            Ok(machine) => {
                let threads = machine.initial_state().threads.len().to_string();
                let outcome = check_machine(machine, &options(args, stop.clone()));
                let code = outcome.report.verdict.exit_code();
                worst = worst.max(code);
                rows.push(vec![
                    name,
                    threads,
                    outcome.report.verdict.as_str().into(),
                    outcome.report.stats.states.to_string(),
                    format!("{:.2}s", outcome.report.stats.seconds),
                ]);
                if args.json {
                    jsons.push(serde_json::to_value(to_json(&p, args, &outcome)).unwrap());
                }
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string(&jsons).unwrap());
    } else {
        print_table(&["program", "threads", "verdict", "states", "time"], &rows);
    }
    worst
}

pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    println!("{}", line(header.iter().map(|s| s.to_string()).collect()));
    println!(
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  ")
    );
    for r in rows {
        println!("{}", line(r.clone()));
    }
}
