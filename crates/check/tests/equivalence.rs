//! The reductions and the parallel search must not change what the checker says, on every
//! program we have: the catalog, the benchmark programs at small sizes, and Downey's examples
//! (../shared/sync_code, when that folder is beside the repository).
//!
//! For each program: the search with every reduction on and one thread is the reference; with
//! two threads the result must be identical (verdict, counts, dead rows, counterexample); with
//! symmetry off, partial-order reduction off, and both off, the verdict, the dead rows and the
//! length of the (shortest) counterexample must be the same. Without any reduction, one job
//! runs the flat search wherever the compiled step applies (`lbos_check::search`'s `flat`),
//! two jobs the general search: the result must be identical.
//!
//! A few catalog programs have millions of states without a reduction (listed in
//! [`TOO_LARGE`]); CI skips those configurations to stay within its time.
//! `LBOS_EQUIVALENCE_FULL=1 cargo test -p lbos-check --release --test equivalence` compares
//! them too (about ten minutes on two cores).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use lbos_check::{Options, Report, Verdict, check};
use lbos_vm::{Config, Machine};

mod common;

use common::{bench_source, machine_with};

#[derive(Default)]
struct Tally {
    programs: usize,
    compared: usize,
    skipped: Vec<String>,
    capped: Vec<String>,
    /// Programs whose search without reductions ran as the flat search.
    flat: usize,
}

/// Catalog programs and the reduction without which their state space is too large for CI:
/// `symmetry` skips the searches without symmetry, `por` those without partial-order reduction.
const TOO_LARGE: &[(&str, &str)] = &[
    // 3.5 and 16.5 million states without partial-order reduction.
    ("cigarette-smokers/smokers-pushers.sync", "por"),
    ("cigarette-smokers/smokers-generalized.sync", "por"),
    // 7.9 million states without any reduction (fifo-barbershop); modus-fixed had 19.4 million
    // at its former size (3 heathens crossing twice).
    ("fifo-barbershop/fifo-barbershop.sync", "symmetry"),
    ("modus-hall/modus-fixed.sync", "symmetry"),
    // Over 2 million states (or 120 s) without any reduction: 3 identical customers with 2
    // barbers, and 5 identical customers.
    ("hilzer-barbershop/hilzer-fixed.sync", "symmetry"),
    ("sushi-bar/sushi-do-it-for-you.sync", "symmetry"),
];

fn full() -> bool {
    std::env::var_os("LBOS_EQUIVALENCE_FULL").is_some()
}

/// A search that reaches this many states (or 120 s, except in the full run) is reported as
/// capped, a failure for the test.
fn cap() -> u64 {
    if full() { 100_000_000 } else { 2_000_000 }
}

fn options(symmetry: bool, por: bool, jobs: usize) -> Options {
    Options {
        symmetry,
        por,
        jobs,
        timeout: (!full()).then_some(Duration::from_secs(120)),
        max_memory_bytes: 16 << 30,
        ..Options::default()
    }
}

fn same_outcome(name: &str, what: &str, reference: &Report, other: &Report) {
    assert_eq!(reference.verdict, other.verdict, "{name}: {what}");
    assert_eq!(reference.dead_rows, other.dead_rows, "{name}: {what}");
    assert_eq!(
        reference.violation.as_ref().map(|v| v.trace.len()),
        other.violation.as_ref().map(|v| v.trace.len()),
        "{name}: {what}: counterexamples are shortest either way"
    );
}

/// Compares the searches of one program; the reference must finish unless `may_not_finish`.
fn compare(name: &str, m: &Machine, may_not_finish: bool, tally: &mut Tally) {
    let reference = check(
        m,
        &Options {
            // Examples whose counters grow without bound end here.
            max_states: if may_not_finish {
                1_000_000
            } else {
                50_000_000
            },
            ..options(true, true, 1)
        },
    );
    if reference.verdict == Verdict::Incomplete {
        assert!(may_not_finish, "{name}: the reduced search must finish");
        eprintln!("{name}: not compared (no finite result with every reduction)");
        return;
    }
    tally.programs += 1;
    let parallel = check(m, &options(true, true, 2));
    assert_eq!(reference.verdict, parallel.verdict, "{name}: 2 jobs");
    assert_eq!(
        reference.stats.states, parallel.stats.states,
        "{name}: 2 jobs"
    );
    assert_eq!(
        reference.stats.transitions, parallel.stats.transitions,
        "{name}: 2 jobs"
    );
    assert_eq!(reference.dead_rows, parallel.dead_rows, "{name}: 2 jobs");
    assert_eq!(reference.violation, parallel.violation, "{name}: 2 jobs");
    let mut all = true;
    for (symmetry, por, what) in [
        (false, true, "without symmetry"),
        (true, false, "without partial-order reduction"),
        (false, false, "without any reduction"),
    ] {
        let skip = TOO_LARGE.iter().any(|&(program, without)| {
            program == name && ((without == "symmetry" && !symmetry) || (without == "por" && !por))
        });
        if skip && !full() {
            all = false;
            tally.skipped.push(format!("{name} ({what})"));
            continue;
        }
        let other = check(
            m,
            &Options {
                max_states: cap(),
                ..options(symmetry, por, 2)
            },
        );
        if other.verdict == Verdict::Incomplete {
            all = false;
            tally.capped.push(format!("{name} ({what})"));
            continue;
        }
        same_outcome(name, what, &reference, &other);
        if !symmetry && !por {
            let one = check(
                m,
                &Options {
                    max_states: cap(),
                    ..options(false, false, 1)
                },
            );
            let flat = one.stats.engine.starts_with("compiled (flat search");
            tally.flat += usize::from(flat);
            let what = format!("{what}, one job ({})", one.stats.engine);
            assert_eq!(one.verdict, other.verdict, "{name}: {what}");
            assert_eq!(one.stats.states, other.stats.states, "{name}: {what}");
            assert_eq!(
                one.stats.transitions, other.stats.transitions,
                "{name}: {what}"
            );
            assert_eq!(one.dead_rows, other.dead_rows, "{name}: {what}");
            assert_eq!(one.violation, other.violation, "{name}: {what}");
        }
        // (A search that stops at a violation has seen an order-dependent part of the space.)
        assert!(
            reference.verdict != Verdict::Ok || other.stats.states >= reference.stats.states,
            "{name}: {what}: the reductions never add states"
        );
    }
    if all {
        tally.compared += 1;
    }
}

fn machine(src: &str, config: Config) -> Result<Machine, String> {
    let program = lbos_lang::compile(src).map_err(|d| d.render("program", src))?;
    Machine::new(Arc::new(program), config).map_err(|e| e.to_string())
}

#[test]
fn catalog_programs_give_the_same_results_with_and_without_each_reduction() {
    let mut tally = Tally::default();
    for e in lbos_catalog::entries() {
        for p in &e.programs {
            let name = format!("{}/{}", e.name, p.file);
            let m = machine(&p.source, p.config().unwrap()).unwrap();
            compare(&name, &m, false, &mut tally);
        }
    }
    eprintln!(
        "catalog: {} programs, {} compared in every configuration; skipped: {:?}",
        tally.programs, tally.compared, tally.skipped
    );
    assert!(tally.programs >= 89);
    assert!(tally.flat >= 40, "{} flat searches", tally.flat);
    assert!(
        tally.capped.is_empty(),
        "searches stopped at {} states or 120 s; list them in TOO_LARGE: {:?}",
        cap(),
        tally.capped
    );
}

#[test]
fn benchmark_programs_give_the_same_results_with_and_without_each_reduction() {
    let mut tally = Tally::default();
    for (file, threads) in [
        ("philosophers.sync", vec!["philosopher=4"]),
        ("barrier.sync", vec!["3"]),
        ("readers-writers.sync", vec!["writer=2", "reader=2"]),
        ("barbershop.sync", vec!["customer=3"]),
        ("h2o.sync", vec!["oxygen=1", "hydrogen=3"]),
    ] {
        let m = machine_with(&bench_source(file), &threads);
        compare(file, &m, false, &mut tally);
    }
    // Every one, H2O's `Barrier` included, runs on the compiled step, and so on the flat
    // search.
    assert_eq!(tally.flat, 5);
    assert_eq!(
        (tally.programs, tally.compared),
        (5, 5),
        "{:?}",
        tally.capped
    );
}

#[test]
fn downeys_examples_give_the_same_results_with_and_without_each_reduction() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sync_code");
    if !dir.is_dir() {
        eprintln!(
            "skipped: {} not found (this test needs ../shared/sync_code beside the repository)",
            dir.display()
        );
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "py" || x == "sync"))
        .collect();
    files.sort();
    let mut tally = Tally::default();
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap();
        // Files that are not Sync programs (plain Python) are refused by the compiler.
        let Ok(m) = machine(&src, Config::default()) else {
            continue;
        };
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        // Some examples loop with growing counters: no finite state space to compare.
        compare(&name, &m, true, &mut tally);
    }
    eprintln!(
        "sync_code: {} of {} files compared; capped: {:?}",
        tally.programs,
        files.len(),
        tally.capped
    );
    assert!(
        tally.programs >= 10,
        "most examples have finite state spaces"
    );
    assert!(tally.capped.is_empty(), "{:?}", tally.capped);
}
