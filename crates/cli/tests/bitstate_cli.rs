//! `lbos check --bitstate` and `--swarm`: the report says the result is probabilistic (text and
//! JSON), counterexamples are real, and bad flag values are clear errors.

mod common;

use common::{last_json, lbos, repo_file, stderr, stdout};

#[test]
fn a_tiny_bit_array_is_reported_as_probabilistic_and_likely_incomplete() {
    let f = repo_file("bench/sync/philosophers.sync");
    let o = lbos(&[
        "check",
        &f,
        "--threads",
        "philosopher=4",
        "--bitstate=64",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = last_json(&o);
    let b = &j["stats"]["bitstate"];
    assert_eq!(b["probabilistic"], true);
    assert_eq!(b["bits"], 512);
    assert_eq!(b["likely_incomplete"], true);
    assert!(b["coverage_estimate"].as_f64().unwrap() < 1.0);
    // The text report says so too.
    let o = lbos(&["check", &f, "--threads", "philosopher=4", "--bitstate=64"]);
    let text = stdout(&o);
    assert!(text.contains("bitstate search (probabilistic"), "{text}");
    assert!(text.contains("coverage likely incomplete"), "{text}");
}

#[test]
fn swarm_runs_use_consecutive_seeds_and_bitstate_finds_the_deadlock() {
    let f = repo_file("catalog/dining-philosophers/philosophers-footman.sync");
    let o = lbos(&["check", &f, "--swarm", "3", "--seed", "5", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let runs = last_json(&o)["stats"]["bitstate"]["runs"].clone();
    let seeds: Vec<u64> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds, [5, 6, 7]);
    // The ring symmetry and partial-order reduction apply: each run stores the exact count.
    for r in runs.as_array().unwrap() {
        assert_eq!(r["states"], 573);
    }

    let f = repo_file("catalog/dining-philosophers/philosophers-deadlock.sync");
    let o = lbos(&["check", &f, "--bitstate=1M"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("verdict: deadlock"), "{text}");
    assert!(text.contains("counterexample"), "{text}");
}

#[test]
fn bad_bitstate_flags_are_clear_errors() {
    let f = repo_file("bench/sync/philosophers.sync");
    let o = lbos(&["check", &f, "--bitstate=lots"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a size"), "{}", stderr(&o));
    let o = lbos(&["check", &f, "--bitstate", "--liveness"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
    let o = lbos(&["check", &f, "--swarm", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("panicked"));
}
