//! `lbos check`: exhaustive search, with a readable counterexample.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::Args;
use lbos_check::present::{
    self, CheckResult, CheckSettings, FinalState, Omitted, ResultLimits, TraceFile,
};
use lbos_check::{Options, Report, Verdict};
use lbos_vm::{Config, Machine, SemaphoreModel, ThreadSpec};

use crate::flags;
use crate::load::{self, EXIT_BAD_INPUT};
use crate::run::{format_step, print_variables, thread_line};

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
    /// Compute successors with the interpreter only, not the compiled step (same results;
    /// for comparison). The statistics say which step ran.
    #[arg(long)]
    pub interpreter: bool,
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

/// A checked program: its machine, the search's report and the result as shown.
pub struct Outcome {
    pub machine: Machine,
    pub report: Report,
    pub result: CheckResult,
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
        compiled: !args.interpreter,
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

/// What a check of `path` with these flags checks.
pub fn settings(path: &str, args: &CheckArgs) -> CheckSettings {
    CheckSettings {
        program: path.to_string(),
        semaphores: args.semaphores,
        liveness: args.liveness,
        // A bitstate search is depth-first.
        dfs: args.dfs || args.bitstate.is_some() || args.swarm.is_some(),
    }
}

/// Checks one machine and explains its counterexample.
pub fn check_machine(machine: Machine, opts: &Options, settings: &CheckSettings) -> Outcome {
    let report = lbos_check::check(&machine, opts);
    let result = present::check_result(&machine, &report, settings, ResultLimits::default());
    Outcome {
        machine,
        report,
        result,
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

pub fn stats_text(s: &lbos_check::Stats) -> String {
    let mut text = format!(
        "states {}, transitions {}, max depth {}, {:.2} s, {:.0} states/s, peak memory {:.1} MiB, {} bytes/state, step {}",
        s.states,
        s.transitions,
        s.max_depth,
        s.seconds,
        s.states_per_second,
        s.peak_memory_bytes as f64 / (1 << 20) as f64,
        s.bytes_per_state,
        s.engine
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
fn print_final_state(f: &FinalState, heading: &str) {
    println!("\n{heading}:");
    for p in &f.threads {
        println!("{}", thread_line(p));
    }
    print_variables(&f.variables);
}

fn print_text(path: &str, o: &Outcome) {
    let (m, r, res) = (&o.machine, &o.report, &o.result);
    println!("lbos check {path} ({})", res.checked);
    if let (Some(v), Some(st)) = (&r.violation, &res.starvation) {
        println!("\nstarvation: {}", present::starvation_text(m, st));
        println!(
            "counterexample, a lasso: {} step(s) to the cycle, then a cycle of {} step(s) that repeats forever:",
            st.cycle_start,
            v.trace.len() - st.cycle_start
        );
        for (i, s) in res.trace.iter().enumerate() {
            if i == st.cycle_start {
                println!("  -- cycle (repeats forever) --");
            }
            println!("{}", format_step(s));
        }
        if let Some(f) = &res.final_state {
            print_final_state(f, "state where the cycle starts and ends");
        }
        println!("threads that can starve: {}", st.threads.join(", "));
    } else if let Some(v) = &r.violation {
        let what = match &v.fault {
            None => "deadlock".to_string(),
            Some(f) => lbos_vm::present::fault_text(m, f),
        };
        let shortest = if r.shortest { " (shortest)" } else { "" };
        println!(
            "\n{what}\ncounterexample, {} step(s){shortest}:",
            v.trace.len()
        );
        for s in &res.trace {
            if let Some(om) = res.trace_omitted.filter(|om| s.step == om.first + om.count) {
                println!("{}", omitted_text(&om, path));
            }
            println!("{}", format_step(s));
        }
        if let Some(f) = &res.final_state {
            print_final_state(f, "final state");
        }
    }
    for w in &res.warnings {
        println!("warning: {w}");
    }
    let verdict = match r.verdict {
        // The fault was printed in full above the counterexample.
        Verdict::Assertion | Verdict::Invariant | Verdict::Error | Verdict::Starvation => {
            r.verdict.as_str().to_string()
        }
        _ => res.verdict_text.clone(),
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
) -> Result<(u8, Option<CheckResult>), String> {
    let machine = prepare(args, path)?;
    let mut opts = options(args, stop);
    let bar = progress_options(&mut opts, args.json);
    let settings = settings(path, args);
    let outcome = check_machine(machine, &opts, &settings);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(out) = &args.trace_out
        && let Some(trace) =
            TraceFile::from_check(&outcome.machine, &outcome.report, &settings, &args.threads)
    {
        std::fs::write(out, trace.to_json())
            .map_err(|e| format!("error: cannot write {out}: {e}"))?;
    }
    let code = outcome.report.verdict.exit_code();
    if args.json {
        Ok((code, Some(outcome.result)))
    } else {
        print_text(path, &outcome);
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
                let outcome =
                    check_machine(machine, &options(args, stop.clone()), &settings(&p, args));
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
                    jsons.push(serde_json::to_value(&outcome.result).unwrap());
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
