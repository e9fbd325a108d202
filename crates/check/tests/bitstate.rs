//! The bitstate search and swarm runs: real counterexamples, the exact count when the bit
//! array is large, and an honest report when it is too small.

use lbos_check::bitstate::Bitstate;
use lbos_check::{Options, Report, Verdict, Violation, check};
use lbos_vm::{FaultKind, Machine, State};

mod common;

use common::{bench_source, catalog_source, machine_with};

fn bitstate(m: &Machine, bytes: u64, runs: u32, reductions: bool) -> Report {
    check(
        m,
        &Options {
            symmetry: reductions,
            por: reductions,
            bitstate: Some(Bitstate {
                bytes,
                runs,
                seed: 11,
                ..Bitstate::default()
            }),
            ..Options::default()
        },
    )
}

/// Replays the counterexample on the real program: the state reached, or the last step's fault.
fn replay(m: &Machine, v: &Violation) -> Result<State, lbos_vm::Fault> {
    let mut s = m.initial_state().clone();
    for tr in &v.trace {
        match m.apply(&s, tr).expect("a real move").outcome {
            Ok(next) => s = next,
            Err(f) => return Err(f),
        }
    }
    Ok(s)
}

#[test]
fn bitstate_finds_the_philosophers_deadlock_with_a_real_trace() {
    let m = machine_with(&catalog_source("philosophers-deadlock.sync"), &[]);
    for (reductions, runs) in [(true, 1), (false, 1), (true, 3)] {
        let r = bitstate(&m, 1 << 20, runs, reductions);
        assert_eq!(r.verdict, Verdict::Deadlock);
        let v = r.violation.as_ref().unwrap();
        assert!(
            m.is_deadlock(&replay(&m, v).unwrap()),
            "the trace reaches the deadlock"
        );
        assert!(r.stats.bitstate.as_ref().unwrap().probabilistic);
    }
}

#[test]
fn bitstate_finds_an_invariant_violation_under_ring_symmetry() {
    let src = "n = 3\neating = [False] * n\nforks = [Semaphore(1) for i in range(n)]\n\
               ## Thread p x3\nforks[self.index].wait()\neating[self.index] = True\n\
               eating[self.index] = False\nforks[self.index].signal()\n\
               ## Invariant\nnot (eating[0] and eating[1])\nnot (eating[1] and eating[2])\n\
               not (eating[2] and eating[0])\n";
    let m = machine_with(src, &[]);
    let r = bitstate(&m, 1 << 16, 1, true);
    assert_eq!(r.verdict, Verdict::Invariant);
    let v = r.violation.as_ref().unwrap();
    let fault = replay(&m, v).expect_err("the trace ends in the violation");
    assert_eq!(fault.kind, FaultKind::Invariant);
    assert_eq!(Some(&fault), v.fault.as_ref());
}

#[test]
fn a_large_bit_array_counts_exactly_the_states_of_the_exact_search() {
    let m = machine_with(&bench_source("philosophers.sync"), &["philosopher=4"]);
    for reductions in [true, false] {
        let exact = check(
            &m,
            &Options {
                symmetry: reductions,
                por: reductions,
                ..Options::default()
            },
        );
        // 2263 and 13808 for 4 philosophers (bench/expected-states.txt; with the ring, fewer).
        assert_eq!(exact.verdict, Verdict::Ok);
        // Three runs, two of them in shuffled orders: each reaches every state.
        let r = bitstate(&m, 16 << 20, 3, reductions);
        assert_eq!(r.verdict, Verdict::Ok);
        let cov = r.stats.bitstate.as_ref().unwrap();
        assert_eq!(cov.runs.len(), 3);
        for run in &cov.runs {
            assert_eq!(run.states, exact.stats.states, "reductions {reductions}");
            assert!(!run.likely_incomplete);
            assert!(run.hash_factor > 1000.0);
        }
        assert_eq!(r.stats.states, exact.stats.states);
        assert!(!cov.likely_incomplete);
        assert!(
            r.dead_rows.is_empty(),
            "no dead-row claims from a probabilistic search"
        );
    }
    assert_eq!(
        check(
            &m,
            &Options {
                symmetry: false,
                por: false,
                ..Options::default()
            }
        )
        .stats
        .states,
        13808
    );
}

#[test]
fn a_tiny_bit_array_says_its_coverage_is_incomplete() {
    let m = machine_with(&bench_source("philosophers.sync"), &["philosopher=4"]);
    let r = bitstate(&m, 64, 2, false);
    // 512 bits for 13808 states: most states are lost, and the report says so.
    assert_eq!(r.verdict, Verdict::Ok);
    let cov = r.stats.bitstate.as_ref().unwrap();
    assert_eq!(cov.bits, 512);
    assert!(cov.likely_incomplete);
    assert!(r.stats.states < 13808 / 10, "{}", r.stats.states);
    assert!(cov.coverage_estimate < 0.9, "{}", cov.coverage_estimate);
    for run in &cov.runs {
        assert!(run.hash_factor < 100.0 && run.expected_missed >= 1.0);
    }
}
