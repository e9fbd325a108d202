//! `lbos catalog`: list, show, export and check the embedded problem catalog.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use lbos_catalog::{Entry, LivenessEntry, ProgramEntry};
use lbos_check::mutants::{Fate, MutationReport, analyze};
use lbos_check::{Options, Verdict};
use serde::Serialize;

use crate::check::{Outcome, check_machine, print_table};
use crate::load::EXIT_BAD_INPUT;
use lbos_check::present::CheckSettings;

#[derive(Args)]
pub struct CatalogArgs {
    #[command(subcommand)]
    pub command: Option<CatalogCommand>,
}

#[derive(Subcommand)]
pub enum CatalogCommand {
    /// List the entries (the default).
    List,
    /// Print an entry: statement, properties, programs and their expected verdicts.
    Show {
        name: String,
        /// Also print every program's source.
        #[arg(long)]
        source: bool,
    },
    /// Write an entry's programs (and entry.toml) into a folder, to edit and check.
    Export { name: String, dir: String },
    /// Check every program (or those of the named entries) against its expected verdict.
    Check {
        /// Entry names; all entries when none are given.
        names: Vec<String>,
        /// Time limit per program, in seconds (or `90s`, `10m`, `1h`).
        #[arg(long, value_name = "SECS", default_value = "300", value_parser = crate::flags::parse_duration, allow_hyphen_values = true)]
        timeout: Duration,
        /// Print the results as a JSON array.
        #[arg(long)]
        json: bool,
        /// Threads per search (default: every core; at most 1024).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
        jobs: Option<u16>,
        /// Check without symmetry reduction (the verdicts must not change).
        #[arg(long)]
        no_symmetry: bool,
        /// Check without partial-order reduction (the verdicts must not change).
        #[arg(long)]
        no_por: bool,
        /// Also check every mutant of each passing program (`lbos mutate`), for its
        /// properties and its claims that no thread starves: a mutant that survives must be
        /// explained in the entry (`survivors`), and so must one that the per-mutant state
        /// limit leaves undecided (`undecided`).
        #[arg(long)]
        mutants: bool,
        /// Skip the starvation claims (`liveness` of each program).
        #[arg(long)]
        no_liveness: bool,
    },
}

pub fn main(args: CatalogArgs) -> u8 {
    let entries = match lbos_catalog::load() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    match args.command.unwrap_or(CatalogCommand::List) {
        CatalogCommand::List => {
            list(&entries);
            0
        }
        CatalogCommand::Show { name, source } => match find(&entries, &name) {
            Ok(e) => {
                show(e, source);
                0
            }
            Err(msg) => {
                eprintln!("{msg}");
                EXIT_BAD_INPUT
            }
        },
        CatalogCommand::Export { name, dir } => {
            match find(&entries, &name).and_then(|e| export(e, &dir)) {
                Ok(()) => 0,
                Err(msg) => {
                    eprintln!("{msg}");
                    EXIT_BAD_INPUT
                }
            }
        }
        CatalogCommand::Check {
            names,
            timeout,
            json,
            jobs,
            no_symmetry,
            no_por,
            mutants,
            no_liveness,
        } => {
            let selected: Result<Vec<&Entry>, String> = if names.is_empty() {
                Ok(entries.iter().collect())
            } else {
                names.iter().map(|n| find(&entries, n)).collect()
            };
            match selected {
                Ok(sel) => {
                    let opts = Options {
                        timeout: Some(timeout),
                        max_memory_bytes: 8 << 30,
                        jobs: crate::check::jobs(jobs),
                        symmetry: !no_symmetry,
                        por: !no_por,
                        ..Options::default()
                    };
                    check(&sel, opts, json, mutants, !no_liveness)
                }
                Err(msg) => {
                    eprintln!("{msg}");
                    EXIT_BAD_INPUT
                }
            }
        }
    }
}

fn find<'a>(entries: &'a [Entry], name: &str) -> Result<&'a Entry, String> {
    entries.iter().find(|e| e.name == name).ok_or_else(|| {
        let close: Vec<&str> = entries
            .iter()
            .map(|e| e.name.as_str())
            .filter(|n| n.contains(name) || name.contains(*n))
            .collect();
        let hint = if close.is_empty() {
            "run `lbos catalog` for the list".to_string()
        } else {
            format!("did you mean {}?", close.join(", "))
        };
        format!("error: no catalog entry `{name}`\n  = hint: {hint}")
    })
}

fn list(entries: &[Entry]) {
    let mut chapter = 0;
    for e in entries {
        if e.chapter() != chapter {
            chapter = e.chapter();
            println!(
                "{}Chapter {chapter}",
                if chapter == entries[0].chapter() {
                    ""
                } else {
                    "\n"
                }
            );
        }
        let kinds: Vec<String> = e
            .programs
            .iter()
            .map(|p| p.kind.as_str().to_string())
            .collect();
        let mut counts: Vec<(String, usize)> = Vec::new();
        for k in kinds {
            match counts.iter_mut().find(|(c, _)| *c == k) {
                Some((_, n)) => *n += 1,
                None => counts.push((k, 1)),
            }
        }
        let summary: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        println!(
            "  {:<6} {:<28} {:<40} {}",
            e.section,
            e.name,
            e.title,
            summary.join(", ")
        );
    }
}

fn show(e: &Entry, with_source: bool) {
    println!("{} ({}, section {})\n", e.title, e.name, e.section);
    println!("{}", e.statement.trim());
    if !e.properties.is_empty() {
        println!("\nProperties:");
        for p in &e.properties {
            println!("  - {p}");
        }
    }
    if !e.liveness.is_empty() {
        println!("\nLiveness (checked by the programs' starvation claims):");
        for p in &e.liveness {
            println!("  - {p}");
        }
    }
    if let Some(c) = &e.checked_with {
        println!("\nChecked with: {c}");
    }
    println!("\nPrograms:");
    for p in &e.programs {
        println!(
            "  {:<32} {:<13} {:<8} expect {}",
            p.file,
            p.kind.as_str(),
            p.listing,
            p.expect
        );
        println!("      {}", p.title);
        if let Some(n) = &p.note {
            println!("      {}", n.trim());
        }
        for l in &p.liveness {
            println!(
                "      liveness, {} semaphores: expect {}",
                l.semaphores,
                liveness_text(&l.expect, &l.starves)
            );
        }
        for (id, why) in &p.survivors {
            println!("      surviving mutant {id}: {why}");
        }
        for (id, why) in &p.undecided {
            println!("      undecided mutant {id}: {why}");
        }
        if with_source {
            println!();
            for l in p.source.lines() {
                println!("      | {l}");
            }
            println!();
        }
    }
}

fn export(e: &Entry, dir: &str) -> Result<(), String> {
    let d = std::path::Path::new(dir);
    std::fs::create_dir_all(d).map_err(|err| format!("error: cannot create {dir}: {err}"))?;
    for p in &e.programs {
        let path = d.join(&p.file);
        std::fs::write(&path, &p.source)
            .map_err(|err| format!("error: cannot write {}: {err}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// The result of checking one catalog program against its expectation.
#[derive(Serialize)]
pub struct ProgramResult {
    pub entry: String,
    pub program: String,
    pub kind: String,
    /// `safety`, or `liveness` for a starvation claim.
    pub check: String,
    /// For a starvation claim: the semaphore model it is checked with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semaphores: Option<String>,
    pub threads: usize,
    pub expected: String,
    pub got: String,
    pub matched: bool,
    pub problem: Option<String>,
    pub states: u64,
    pub seconds: f64,
    /// With `--mutants`: the mutation analysis of a passing program.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutants: Option<MutationReport>,
}

/// Checks one catalog program and compares the verdict (and the reason, if given).
pub fn check_program(e: &Entry, p: &ProgramEntry, opts: &Options) -> ProgramResult {
    let mut r = ProgramResult {
        entry: e.name.clone(),
        program: p.file.clone(),
        kind: p.kind.as_str().into(),
        check: "safety".into(),
        semaphores: None,
        threads: 0,
        expected: p.expect.clone(),
        got: "bad input".into(),
        matched: false,
        problem: None,
        states: 0,
        seconds: 0.0,
        mutants: None,
    };
    let program = match lbos_lang::compile(&p.source) {
        Ok(prog) => Arc::new(prog),
        Err(d) => {
            r.problem = Some(d.render(&format!("{}/{}", e.name, p.file), &p.source));
            return r;
        }
    };
    let machine = match p
        .config()
        .and_then(|c| lbos_vm::Machine::new(program, c).map_err(|e| e.to_string()))
    {
        Ok(m) => m,
        Err(msg) => {
            r.problem = Some(msg);
            return r;
        }
    };
    r.threads = machine.initial_state().threads.len();
    let o: Outcome = check_machine(machine, opts, &CheckSettings::default());
    r.got = o.report.verdict.as_str().into();
    r.states = o.report.stats.states;
    r.seconds = o.report.stats.seconds;
    r.matched = r.got == r.expected;
    if r.matched
        && let Some(reason) = &p.reason
    {
        let text = violation_text(&o);
        if !text.contains(reason.as_str()) {
            r.matched = false;
            r.problem = Some(format!("the violation does not mention {reason:?}: {text}"));
        }
    }
    if r.matched
        && o.report.verdict == Verdict::Ok
        && !o.report.dead_rows.is_empty()
        && p.dead_rows_ok.is_none()
    {
        r.matched = false;
        r.problem = Some(format!(
            "passes, but rows are unreachable (the check may be vacuous): lines {:?}",
            o.report.dead_rows
        ));
    }
    if !r.matched && r.problem.is_none() {
        r.problem = Some(match &o.report.violation {
            Some(v) => format!(
                "{} after {} steps: {}",
                r.got,
                v.trace.len(),
                violation_text(&o)
            ),
            None => o
                .report
                .incomplete_reason
                .clone()
                .unwrap_or_else(|| "no violation found".into()),
        });
    }
    r
}

/// `ok`, or `starvation: reader, writer` (the columns, sorted).
fn liveness_text(verdict: &str, starves: &[String]) -> String {
    if starves.is_empty() {
        return verdict.to_string();
    }
    let mut cols = starves.to_vec();
    cols.sort();
    cols.dedup();
    format!("{verdict}: {}", cols.join(", "))
}

/// Checks one starvation claim of a catalog program.
pub fn check_liveness(
    e: &Entry,
    p: &ProgramEntry,
    l: &LivenessEntry,
    opts: &Options,
) -> ProgramResult {
    let mut r = ProgramResult {
        entry: e.name.clone(),
        program: p.file.clone(),
        kind: p.kind.as_str().into(),
        check: "liveness".into(),
        semaphores: Some(l.semaphores.clone()),
        threads: 0,
        expected: liveness_text(&l.expect, &l.starves),
        got: "bad input".into(),
        matched: false,
        problem: None,
        states: 0,
        seconds: 0.0,
        mutants: None,
    };
    let machine = lbos_lang::compile(&p.source)
        .map_err(|d| d.render(&format!("{}/{}", e.name, p.file), &p.source))
        .and_then(|prog| {
            p.liveness_config(l)
                .and_then(|c| lbos_vm::Machine::new(Arc::new(prog), c).map_err(|e| e.to_string()))
        });
    let machine = match machine {
        Ok(m) => m,
        Err(msg) => {
            r.problem = Some(msg);
            return r;
        }
    };
    r.threads = machine.initial_state().threads.len();
    let opts = Options {
        liveness: true,
        ..opts.clone()
    };
    let o: Outcome = check_machine(machine, &opts, &CheckSettings::default());
    let m = &o.machine;
    let starving: Vec<String> = o
        .report
        .starvation
        .iter()
        .flat_map(|s| &s.threads)
        .map(|&t| {
            m.program
                .column_label(m.initial_state().threads[t as usize].column as usize)
        })
        .collect();
    r.got = liveness_text(o.report.verdict.as_str(), &starving);
    r.states = o.report.stats.states;
    r.seconds = o.report.stats.seconds;
    r.matched = r.got == r.expected;
    if !r.matched {
        r.problem = Some(match o.report.verdict {
            Verdict::Starvation => o
                .result
                .starvation
                .as_ref()
                .map(|s| lbos_check::present::starvation_text(&o.machine, s))
                .unwrap_or_default(),
            Verdict::Ok => "no thread starves".into(),
            _ => format!(
                "{}: {}",
                r.got,
                o.report
                    .incomplete_reason
                    .clone()
                    .unwrap_or_else(|| violation_text(&o))
            ),
        });
    }
    r
}

/// Words describing the violation: the fault message, or for a deadlock what each thread waits on.
fn violation_text(o: &Outcome) -> String {
    let m = &o.machine;
    match o.report.violation.as_ref() {
        Some(v) => match &v.fault {
            Some(f) => lbos_vm::present::fault_text(m, f),
            None => {
                let st = o.result.final_state.as_ref();
                st.expect("deadlock has a final state")
                    .threads
                    .iter()
                    .filter_map(|p| {
                        let b = p.blocked_on.as_ref()?;
                        Some(format!("{} blocked on {b}", p.thread))
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        },
        None => String::new(),
    }
}

/// Mutation analysis of a program that passed: every surviving mutant must be explained in
/// the entry (`survivors`), and so must every mutant no check decides within the per-mutant
/// limits (`undecided`); every explanation must name a mutant of that fate. A mutant is
/// checked for the program's properties and then for each of its claims that no thread
/// starves (always, even with `--no-liveness`: the entry's explanations are relative to both).
fn check_mutants(p: &ProgramEntry, r: &mut ProgramResult, claim_states: u64, opts: &Options) {
    let (Ok(program), Ok(config)) = (lbos_lang::compile(&p.source), p.config()) else {
        return;
    };
    let no_starvation: Vec<lbos_vm::Config> = p
        .liveness
        .iter()
        .filter(|l| l.expect == "ok")
        .filter_map(|l| p.liveness_config(l).ok())
        .collect();
    let per_mutant = Options {
        max_states: mutant_max_states(p, r.states, claim_states),
        timeout: Some(MUTANT_TIMEOUT),
        ..opts.clone()
    };
    let mut report = analyze(&program, &config, &no_starvation, &per_mutant);
    for m in &mut report.results {
        m.explanation = match m.fate {
            Fate::Survived => p.survivors.get(&m.id).cloned(),
            Fate::Unknown => p.undecided.get(&m.id).cloned(),
            Fate::Killed => None,
        };
    }
    if let Some(problem) = mutants_problem(&report, &p.survivors, &p.undecided) {
        r.matched = false;
        r.problem = Some(problem);
    }
    r.mutants = Some(report);
}

/// The per-mutant time limit of the catalog's mutation analysis: a safety net only. The
/// state limit decides which mutants are undecided, so that the verdict does not depend on
/// the machine's load.
const MUTANT_TIMEOUT: Duration = Duration::from_secs(120);

/// The per-mutant state limit: the entry's own (`mutant_max_states`), or five times the
/// largest space of the program and its claims (at least 100,000). A mutant whose space is
/// larger lets threads run far apart, and its fate within this limit is "undecided".
fn mutant_max_states(p: &ProgramEntry, states: u64, claim_states: u64) -> u64 {
    p.mutant_max_states
        .unwrap_or_else(|| (states.max(claim_states) * 5).max(100_000))
}

/// What is wrong with the entry's explanations of a mutation report, if anything: a
/// surviving or undecided mutant it does not explain, or an explanation of a mutant that
/// has another fate (stale).
fn mutants_problem(
    report: &MutationReport,
    survivors: &BTreeMap<String, String>,
    undecided: &BTreeMap<String, String>,
) -> Option<String> {
    let with_fate = |fate: Fate| {
        report
            .results
            .iter()
            .filter(move |m| m.fate == fate)
            .map(|m| m.id.as_str())
    };
    let unexplained = |fate: Fate, table: &BTreeMap<String, String>| {
        report
            .results
            .iter()
            .filter(|m| m.fate == fate && !table.contains_key(&m.id))
            .map(|m| format!("{} ({})", m.id, m.description))
            .collect::<Vec<_>>()
    };
    let stale = |fate: Fate, table: &BTreeMap<String, String>| {
        table
            .keys()
            .filter(|id| !with_fate(fate).any(|m| m == id.as_str()))
            .map(|id| {
                let got = report.results.iter().find(|m| &m.id == id).map_or(
                    "not a mutant of this program",
                    |m| match m.fate {
                        Fate::Killed => "killed",
                        Fate::Survived => "survives",
                        Fate::Unknown => "undecided",
                    },
                );
                format!("{id} ({got})")
            })
            .collect::<Vec<_>>()
    };
    let problems: Vec<String> = [
        (
            unexplained(Fate::Survived, survivors),
            "mutants survive without an explanation in the entry (`survivors`)",
        ),
        (
            unexplained(Fate::Unknown, undecided),
            "mutants are undecided within the limits without an explanation in the entry (`undecided`)",
        ),
        (
            stale(Fate::Survived, survivors),
            "the entry explains mutants that do not survive (`survivors`)",
        ),
        (
            stale(Fate::Unknown, undecided),
            "the entry explains mutants that are not undecided (`undecided`)",
        ),
    ]
    .into_iter()
    .filter(|(ids, _)| !ids.is_empty())
    .map(|(ids, what)| format!("{what}: {}", ids.join(", ")))
    .collect();
    if problems.is_empty() {
        None
    } else {
        Some(problems.join("; "))
    }
}

/// The mutants cell of the table: killed of all, and the explained survivors and undecided.
fn mutants_cell(m: &MutationReport) -> String {
    let total = m.results.len();
    let mut extra = Vec::new();
    if m.survived > 0 {
        extra.push(format!("{} survive", m.survived));
    }
    if m.unknown > 0 {
        extra.push(format!("{} undecided", m.unknown));
    }
    if extra.is_empty() {
        format!("{}/{total}", m.killed)
    } else {
        format!("{}/{total} ({})", m.killed, extra.join(", "))
    }
}

fn check(entries: &[&Entry], opts: Options, json: bool, mutants: bool, liveness: bool) -> u8 {
    crate::check::install_ctrlc(&opts.stop);
    // The name of the program being checked, on a terminal only (logs get the table alone).
    let show_progress = !json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut results = Vec::new();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for e in entries {
        for p in &e.programs {
            if show_progress {
                eprint!("\r{:<70}", format!("{} / {}", e.name, p.file));
            }
            let mut r = check_program(e, p, &opts);
            let mut claims = Vec::new();
            for l in p.liveness.iter().filter(|_| liveness) {
                if show_progress {
                    eprint!(
                        "\r{:<70}",
                        format!("{} / {} (liveness, {})", e.name, p.file, l.semaphores)
                    );
                }
                claims.push(check_liveness(e, p, l, &opts));
            }
            if mutants && r.matched && r.got == "ok" {
                if show_progress {
                    eprint!("\r{:<70}", format!("{} / {} (mutants)", e.name, p.file));
                }
                let claim_states = claims.iter().map(|c| c.states).max().unwrap_or(0);
                check_mutants(p, &mut r, claim_states, &opts);
            }
            let mut checked = vec![r];
            checked.extend(claims);
            for r in checked {
                let program = p.file.trim_end_matches(".sync");
                let score = r.mutants.as_ref().map_or(String::new(), mutants_cell);
                rows.push(vec![
                    e.name.clone(),
                    match &r.semaphores {
                        Some(s) => format!("{program} --liveness {s}"),
                        None => program.to_string(),
                    },
                    if r.check == "liveness" {
                        "liveness".to_string()
                    } else {
                        r.kind.clone()
                    },
                    r.threads.to_string(),
                    r.expected.clone(),
                    if r.matched {
                        r.got.clone()
                    } else {
                        format!("{} ✗", r.got)
                    },
                    r.states.to_string(),
                    format!("{:.2}s", r.seconds),
                    score,
                ]);
                if let Some(pr) = &r.problem
                    && !r.matched
                {
                    let what = match &r.semaphores {
                        Some(s) => format!("{} (liveness, {s})", p.file),
                        None => p.file.clone(),
                    };
                    problems.push(format!("{}/{what}: {pr}", e.name));
                }
                results.push(r);
            }
        }
    }
    let mismatches = results.iter().filter(|r| !r.matched).count();
    if json {
        println!("{}", serde_json::to_string(&results).unwrap());
    } else {
        if show_progress {
            eprint!("\r{:<70}\r", "");
        }
        print_table(
            &[
                "problem",
                "program",
                "kind",
                "threads",
                "expected",
                "got",
                "states",
                "time",
                if mutants { "killed" } else { "" },
            ],
            &rows,
        );
        let total_states: u64 = results.iter().map(|r| r.states).sum();
        let total_time: f64 = results.iter().map(|r| r.seconds).sum();
        let claims = results.iter().filter(|r| r.check == "liveness").count();
        println!(
            "\n{} programs and {} starvation claims in {} entries: {} as expected, {} mismatched; {} states in {:.1} s",
            results.len() - claims,
            claims,
            entries.len(),
            results.len() - mismatches,
            mismatches,
            total_states,
            total_time
        );
        if mutants {
            print_scores(entries, &results);
        }
        for p in &problems {
            println!("mismatch: {p}");
        }
    }
    if mismatches > 0 { 1 } else { 0 }
}

/// The mutation score of each entry, then the totals. The score counts killed mutants among
/// the decided ones (killed or surviving); undecided mutants are not counted either way.
fn print_scores(entries: &[&Entry], results: &[ProgramResult]) {
    let mut rows = Vec::new();
    let mut total = (0, 0, 0);
    for e in entries {
        let (k, s, u) = results
            .iter()
            .filter(|r| r.entry == e.name)
            .filter_map(|r| r.mutants.as_ref())
            .fold((0, 0, 0), |(k, s, u), m| {
                (k + m.killed, s + m.survived, u + m.unknown)
            });
        if k + s + u == 0 {
            continue;
        }
        total = (total.0 + k, total.1 + s, total.2 + u);
        rows.push(vec![
            e.name.clone(),
            (k + s + u).to_string(),
            k.to_string(),
            s.to_string(),
            u.to_string(),
            score_text(k, s),
        ]);
    }
    println!(
        "\nmutation score per entry (killed of the decided mutants; undecided ones are not counted):\n"
    );
    print_table(
        &[
            "problem",
            "mutants",
            "killed",
            "survive",
            "undecided",
            "score",
        ],
        &rows,
    );
    let undecided = undecided_lines(results);
    if !undecided.is_empty() {
        println!("\nundecided mutants (no verdict within the per-mutant limit):");
        for u in &undecided {
            println!("{u}");
        }
    }
    let (killed, survived, unknown) = total;
    println!(
        "\nmutants of passing programs: {killed} killed, {survived} survive, {unknown} undecided within the limits (each survivor and undecided mutant explained in its entry, or listed below); score {}",
        score_text(killed, survived)
    );
}

/// Each undecided mutant, with the entry's explanation, one line each.
fn undecided_lines(results: &[ProgramResult]) -> Vec<String> {
    results
        .iter()
        .filter_map(|r| Some((r, r.mutants.as_ref()?)))
        .flat_map(|(r, m)| {
            m.results
                .iter()
                .filter(|x| x.fate == Fate::Unknown)
                .map(move |x| {
                    let why = x.explanation.as_deref().unwrap_or("not explained");
                    format!("  {}/{} {}: {why}", r.entry, r.program, x.id)
                })
        })
        .collect()
}

fn score_text(killed: usize, survived: usize) -> String {
    if killed + survived == 0 {
        "-".to_string()
    } else {
        format!("{:.1}%", 100.0 * killed as f64 / (killed + survived) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A looping program whose `delete L10` (the turnstile's wait) lets the turnstile count up
    /// forever: no size decides it. Two mutants survive (`swap L9-10`, `swap L10-11`); the
    /// others are killed.
    const TURNSTILE: &str = "turnstile = Semaphore(1)
mutex = Semaphore(1)
inside = 0
## Thread x2
while True:
    mutex.wait()
    inside += 1
    inside -= 1
    mutex.signal()
    turnstile.wait()
    turnstile.signal()
## Invariant
inside <= 1
";

    fn table(rows: &[&str]) -> BTreeMap<String, String> {
        rows.iter()
            .map(|id| (id.to_string(), "why".to_string()))
            .collect()
    }

    fn entry(survivors: &[&str], undecided: &[&str]) -> Entry {
        Entry {
            name: "toy".into(),
            title: "Toy".into(),
            section: "1.1".into(),
            statement: String::new(),
            properties: Vec::new(),
            liveness: Vec::new(),
            checked_with: None,
            programs: vec![ProgramEntry {
                file: "turnstile.sync".into(),
                title: "Turnstile".into(),
                kind: lbos_catalog::Kind::Solution,
                listing: "ours".into(),
                expect: "ok".into(),
                reason: None,
                semaphores: None,
                threads: Vec::new(),
                note: None,
                dead_rows_ok: None,
                liveness: Vec::new(),
                survivors: table(survivors),
                undecided: table(undecided),
                mutant_max_states: Some(20_000),
                source: TURNSTILE.into(),
            }],
        }
    }

    /// Checks the toy entry's program and its mutants as `catalog check --mutants` does.
    fn check_toy(survivors: &[&str], undecided: &[&str]) -> ProgramResult {
        let e = entry(survivors, undecided);
        let opts = Options {
            timeout: Some(Duration::from_secs(60)),
            jobs: 2,
            ..Options::default()
        };
        let p = &e.programs[0];
        let mut r = check_program(&e, p, &opts);
        assert!(r.matched, "the toy program passes: {:?}", r.problem);
        check_mutants(p, &mut r, 0, &opts);
        r
    }

    const SURVIVORS: [&str; 2] = ["swap L9-10", "swap L10-11"];

    #[test]
    fn every_survivor_and_undecided_mutant_explained_passes() {
        let r = check_toy(&SURVIVORS, &["delete L10"]);
        assert!(r.matched, "{:?}", r.problem);
        let m = r.mutants.expect("a mutation report");
        assert_eq!((m.killed, m.survived, m.unknown), (4, 2, 1));
        let undecided = m.results.iter().find(|m| m.id == "delete L10").unwrap();
        assert_eq!(undecided.fate, Fate::Unknown);
        assert_eq!(undecided.explanation.as_deref(), Some("why"));
        assert_eq!(mutants_cell(&m), "4/7 (2 survive, 1 undecided)");
    }

    #[test]
    fn the_text_report_lists_each_undecided_mutant_with_its_explanation() {
        let r = check_toy(&SURVIVORS, &["delete L10"]);
        let lines = undecided_lines(&[r]);
        assert_eq!(lines, ["  toy/turnstile.sync delete L10: why"]);
    }

    #[test]
    fn an_undecided_mutant_without_an_explanation_fails() {
        let r = check_toy(&SURVIVORS, &[]);
        assert!(!r.matched);
        let problem = r.problem.unwrap();
        assert!(
            problem.contains("undecided within the limits without an explanation")
                && problem.contains("delete L10 (delete `turnstile.wait()`)"),
            "{problem}"
        );
    }

    #[test]
    fn a_stale_undecided_entry_fails() {
        // `delete L11` is killed (a deadlock), `delete L99` is no mutant at all.
        let r = check_toy(&SURVIVORS, &["delete L10", "delete L11", "delete L99"]);
        assert!(!r.matched);
        let problem = r.problem.unwrap();
        assert!(
            problem.contains("explains mutants that are not undecided (`undecided`): delete L11 (killed), delete L99 (not a mutant of this program)"),
            "{problem}"
        );
    }

    #[test]
    fn a_survivor_listed_as_undecided_fails_both_ways() {
        let r = check_toy(&["swap L9-10"], &["delete L10", "swap L10-11"]);
        assert!(!r.matched);
        let problem = r.problem.unwrap();
        assert!(
            problem
                .contains("survive without an explanation in the entry (`survivors`): swap L10-11")
                && problem.contains("not undecided (`undecided`): swap L10-11 (survives)"),
            "{problem}"
        );
    }

    #[test]
    fn an_undecided_mutant_listed_as_a_survivor_fails() {
        let r = check_toy(&["swap L9-10", "swap L10-11", "delete L10"], &[]);
        assert!(!r.matched);
        let problem = r.problem.unwrap();
        assert!(
            problem.contains("(`undecided`): delete L10 (delete")
                && problem.contains("do not survive (`survivors`): delete L10 (undecided)"),
            "{problem}"
        );
    }

    #[test]
    fn the_score_counts_only_decided_mutants() {
        assert_eq!(score_text(4, 2), "66.7%");
        assert_eq!(score_text(0, 0), "-");
    }
}
