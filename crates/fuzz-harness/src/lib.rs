//! # lbos-fuzz-harness: what the fuzz targets do with an input
//!
//! The cargo-fuzz targets in `fuzz/` (run with the nightly toolchain by `scripts/test-all`)
//! hand each input to one of these functions, and so does this crate's regression test, on
//! stable, for every input kept in `fuzz/regressions/`. Each function must return for any
//! input: a panic, a stack overflow, a hang or an allocation past the fuzzer's limit is a
//! finding.
//!
//! An input is a Sync program (the bytes as UTF-8; other inputs are skipped). The schedule and
//! the search options are drawn from a hash of the input, so a finding replays exactly.

use std::sync::Arc;
use std::time::Duration;

use lbos_check::Options;
use lbos_vm::random::SplitMix64;
use lbos_vm::{Config, Limits, Machine, Transition, describe};

/// Small limits, so that each input runs in milliseconds and within a small memory.
pub fn limits() -> Limits {
    Limits {
        max_threads: 8,
        max_list_len: 200,
        max_objects: 2_000,
        max_call_depth: 50,
        max_init_steps: 20_000,
        max_step_work: 200_000,
    }
}

/// Steps of one random run.
pub const RUN_STEPS: usize = 300;

/// States of one search.
pub const CHECK_STATES: u64 = 3_000;

fn source(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// FNV-1a: the seed of an input's schedule and options.
fn seed(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Compiles the input, renders its diagnostics; compiles it again with a byte order mark.
pub fn parse(data: &[u8]) {
    let Some(src) = source(data) else { return };
    match lbos_lang::compile(src) {
        Ok(p) => {
            assert!(!p.source.starts_with(lbos_lang::BOM));
        }
        Err(d) => {
            assert!(!d.0.is_empty(), "an error without a diagnostic");
            let text = d.render("fuzz.sync", src);
            assert!(text.contains("fuzz.sync:"), "{text}");
        }
    }
    let with_bom = format!("{}{src}", lbos_lang::BOM);
    let _ = lbos_lang::compile(&with_bom);
}

/// The machine for a program, with the fuzzing limits (None if it does not compile or set up).
fn machine(src: &str) -> Option<Machine> {
    let program = lbos_lang::compile(src).ok()?;
    let config = Config {
        limits: limits(),
        ..Config::default()
    };
    Machine::new(Arc::new(program), config).ok()
}

/// Runs a random schedule, explaining every step as `lbos run` does, creating a thread now
/// and then as the browser can; describes every thread and variable at the end.
pub fn run(data: &[u8]) {
    let Some(m) = source(data).and_then(machine) else {
        return;
    };
    let mut rng = SplitMix64::new(seed(data));
    let mut state = m.initial_state().clone();
    if m.check_invariants(&state).is_err() {
        return;
    }
    for step in 1..=RUN_STEPS {
        if rng.below(50) == 0 && !m.program.columns.is_empty() {
            let column = rng.below(m.program.columns.len() as u32);
            if let Ok(next) = m.spawn(&state, column) {
                state = next;
            }
            continue;
        }
        let runnable: Vec<usize> = state.runnable().collect();
        if runnable.is_empty() {
            break;
        }
        let t = runnable[rng.below(runnable.len() as u32) as usize] as u32;
        let tr = Transition {
            thread: t,
            choices: m.random_choices(&state, t, |n| rng.below(n)),
        };
        let (report, outcome) = describe::explain(&m, &state, &tr, step)
            .unwrap_or_else(|e| panic!("a step the vm offered cannot be explained: {e}"));
        let _ = report.effects_text();
        match outcome {
            Ok(next) => state = next,
            Err(_) => break,
        }
    }
    describe_state(&m, &state);
    // A step of a thread that does not exist is an error, not a panic.
    let missing = Transition {
        thread: state.threads.len() as u32 + rng.below(100),
        choices: vec![],
    };
    assert!(describe::explain(&m, &state, &missing, 0).is_err());
}

fn describe_state(m: &Machine, state: &lbos_vm::State) {
    let names = describe::ObjectNames::new(m, state);
    for obj in 0..state.heap.len() as u32 {
        let _ = names.name(state, obj);
        let _ = describe::object_summary(m, state, obj);
    }
    for t in 0..state.threads.len() as u32 {
        let _ = describe::position(m, state, t);
    }
    for v in &state.globals {
        let shown = describe::show_value(m, state, *v, true);
        assert!(
            shown.len() <= 2 * describe::MAX_SHOWN_LEN,
            "{} bytes",
            shown.len()
        );
    }
}

/// Checks the program with small limits (breadth- or depth-first, with or without the
/// reductions, by the input's hash) and explains the counterexample as `lbos check` does.
pub fn check(data: &[u8]) {
    let Some(m) = source(data).and_then(machine) else {
        return;
    };
    let bits = seed(data);
    let opts = Options {
        dfs: bits & 1 == 1,
        symmetry: bits & 2 == 0,
        por: bits & 4 == 0,
        jobs: 1,
        max_states: CHECK_STATES,
        max_memory_bytes: 4 << 30,
        timeout: Some(Duration::from_secs(5)),
        ..Options::default()
    };
    let report = lbos_check::check(&m, &opts);
    if let Some(v) = &report.violation {
        let mut state = m.initial_state().clone();
        for (i, tr) in v.trace.iter().enumerate() {
            let (_, outcome) = describe::explain(&m, &state, tr, i + 1).unwrap_or_else(|e| {
                panic!("the counterexample does not replay at step {}: {e}", i + 1)
            });
            match outcome {
                Ok(next) => state = next,
                Err(_) => break,
            }
        }
        describe_state(&m, &state);
    }
}
