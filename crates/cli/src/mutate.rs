//! `lbos mutate`: mutation analysis of a program's specification (see
//! `lbos_check::mutants`).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::Args;
use lbos_check::mutants::{Fate, MutationReport, analyze};
use lbos_check::{Options, Verdict, check};
use lbos_vm::{Config, Machine, SemaphoreModel, ThreadSpec};

use crate::check::{install_ctrlc, jobs, print_table};
use crate::load::{self, EXIT_BAD_INPUT};

#[derive(Args, Clone)]
pub struct MutateArgs {
    /// A Sync program that passes `lbos check`.
    pub path: String,
    /// Threads per column: `N` for all, `COLUMN=N` for one (name or 1-based number); repeatable.
    #[arg(long = "threads", value_name = "N|COLUMN=N")]
    pub threads: Vec<ThreadSpec>,
    /// `weak`: each semaphore follows its kind; `fifo`: every plain Semaphore is FIFO.
    #[arg(long, default_value = "weak")]
    pub semaphores: SemaphoreModel,
    /// Per mutant: stop after this many distinct states (the mutant's fate is then unknown).
    #[arg(long, default_value_t = 5_000_000)]
    pub max_states: u64,
    /// Per mutant: stop after this many seconds (or `90s`, `10m`, `1h`; at most a year).
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = crate::flags::parse_duration, allow_hyphen_values = true)]
    pub timeout: Duration,
    /// Mutants checked at once (default: every core; at most 1024).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,
    /// Also kill a mutant that lets a thread starve (`lbos check --liveness`, with the
    /// `--semaphores` model); the program itself must starve no thread.
    #[arg(long)]
    pub liveness: bool,
    /// Print the report as one JSON object on the last line.
    #[arg(long)]
    pub json: bool,
}

/// Exit codes: 0 every mutant killed, 1 some survive, 3 none survive but some are
/// undecided (a limit), 2 bad input or a program that does not pass.
pub fn main(args: MutateArgs) -> u8 {
    let stop = Arc::new(AtomicBool::new(false));
    install_ctrlc(&stop);
    let prepared = load::read_source(&args.path)
        .and_then(|source| load::compile(&args.path, &source))
        .and_then(|program| {
            let config = Config {
                threads: args.threads.clone(),
                semaphores: args.semaphores,
                ..Config::default()
            };
            load::machine(&args.path, program, config)
        });
    let machine = match prepared {
        Ok(m) => m,
        Err(msg) => {
            eprintln!("{msg}");
            return EXIT_BAD_INPUT;
        }
    };
    let opts = Options {
        max_states: args.max_states,
        timeout: Some(args.timeout),
        jobs: jobs(args.jobs),
        stop,
        ..Options::default()
    };
    let original = check(
        &machine,
        &Options {
            jobs: 1,
            ..opts.clone()
        },
    );
    if original.verdict != Verdict::Ok {
        eprintln!(
            "error: {} does not pass `lbos check` (verdict: {}); mutation analysis asks whether a passing program's properties notice each change",
            args.path,
            original.verdict.as_str()
        );
        return EXIT_BAD_INPUT;
    }
    let no_starvation = if args.liveness {
        let liveness = Options {
            liveness: true,
            jobs: 1,
            ..opts.clone()
        };
        let original = check(&machine, &liveness);
        if original.verdict != Verdict::Ok {
            eprintln!(
                "error: {} does not pass `lbos check --liveness --semaphores {}` (verdict: {}); drop --liveness or fix the program",
                args.path,
                args.semaphores.as_str(),
                original.verdict.as_str()
            );
            return EXIT_BAD_INPUT;
        }
        vec![machine.config.clone()]
    } else {
        Vec::new()
    };
    let report = analyze(&machine.program, &machine.config, &no_starvation, &opts);
    if args.json {
        println!("{}", serde_json::to_string(&report).unwrap());
    } else {
        print_report(&args.path, &machine, &report);
    }
    if report.survived > 0 {
        1
    } else if report.unknown > 0 {
        3
    } else {
        0
    }
}

fn print_report(path: &str, m: &Machine, report: &MutationReport) {
    println!("lbos mutate {path}: {} mutants\n", report.results.len());
    let rows: Vec<Vec<String>> = report
        .results
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                r.description.clone(),
                match r.fate {
                    Fate::Killed => "killed",
                    Fate::Survived => "SURVIVES",
                    Fate::Unknown => "unknown",
                }
                .to_string(),
                r.detail.clone(),
            ]
        })
        .collect();
    print_table(&["mutant", "change", "fate", "found"], &rows);
    println!(
        "\nmutation score: {:.0}% ({} killed, {} survive, {} unknown) with {}",
        report.score(),
        report.killed,
        report.survived,
        report.unknown,
        describe_threads(m)
    );
    if report.survived > 0 {
        println!(
            "a surviving mutant is a change the properties do not notice: strengthen them (an assertion, an invariant), or the statement matters only for liveness"
        );
    }
}

fn describe_threads(m: &Machine) -> String {
    let cols: Vec<String> = (0..m.program.columns.len())
        .map(|c| format!("{} x{}", m.program.column_label(c), m.counts[c]))
        .collect();
    cols.join(", ")
}
