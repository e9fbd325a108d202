//! `lbos catalog`: list, show, export, and check against expected verdicts.

mod common;

use common::{lbos, text};

#[test]
fn list_is_in_book_order_by_chapter() {
    let o = lbos(&["catalog"]);
    assert_eq!(o.status.code(), Some(0));
    let t = text(&o);
    let pos = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} missing:\n{t}"));
    assert!(pos("Chapter 3") < pos("barrier") && pos("barrier") < pos("Chapter 4"));
    assert!(pos("readers-writers") < pos("dining-philosophers"));
    assert!(pos("Chapter 8") < pos("coke-machine"));
}

#[test]
fn show_prints_the_statement_and_expected_verdicts() {
    let o = lbos(&["catalog", "show", "barrier"]);
    assert_eq!(o.status.code(), Some(0));
    let t = text(&o);
    assert!(t.contains("Barrier (barrier, section 3.6)"), "{t}");
    assert!(
        t.contains("barrier-deadlock.sync") && t.contains("expect deadlock"),
        "{t}"
    );
    let o = lbos(&["catalog", "show", "barier"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("no catalog entry `barier`"),
        "{}",
        text(&o)
    );
}

#[test]
fn exported_programs_check_like_the_catalog_says() {
    let dir = std::env::temp_dir().join(format!("lbos-export-{}", std::process::id()));
    let d = dir.to_str().unwrap();
    let o = lbos(&["catalog", "export", "barrier", d]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = lbos(&["check", dir.join("barrier-deadlock.sync").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("verdict: deadlock"));
    let o = lbos(&["check", dir.join("barrier.sync").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn check_of_named_entries_prints_the_table() {
    let o = lbos(&["catalog", "check", "signaling", "rendezvous", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert!(rows.len() >= 4);
    assert!(rows.iter().all(|r| r["matched"] == true));
    let deadlock = rows
        .iter()
        .find(|r| r["expected"] == "deadlock")
        .expect("the rendezvous deadlock");
    assert_eq!(deadlock["got"], "deadlock");
}

#[test]
fn jobs_and_reduction_switches_keep_the_results() {
    let dir = std::env::temp_dir().join(format!("lbos-jobs-{}", std::process::id()));
    let d = dir.to_str().unwrap();
    assert_eq!(
        lbos(&["catalog", "export", "h2o", d]).status.code(),
        Some(0)
    );
    let file = dir.join("h2o.sync");
    let stats = |extra: &[&str]| {
        let mut args = vec!["check", file.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        let o = lbos(&args);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let last = String::from_utf8_lossy(&o.stdout)
            .lines()
            .last()
            .unwrap()
            .to_string();
        let v: serde_json::Value = serde_json::from_str(&last).unwrap();
        (v["verdict"].clone(), v["stats"]["states"].as_u64().unwrap())
    };
    let one = stats(&["--jobs", "1"]);
    assert_eq!(one, stats(&["--jobs", "2"]));
    assert!(stats(&["--no-symmetry", "--no-por"]).1 > one.1);
    let o = lbos(&["check", file.to_str().unwrap(), "--jobs", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--jobs"), "{}", text(&o));
    // The catalog's verdicts hold without the reductions.
    let o = lbos(&[
        "catalog",
        "check",
        "rendezvous",
        "h2o",
        "--no-symmetry",
        "--no-por",
        "--jobs",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn liveness_check_names_the_starving_thread_and_its_lasso_replays() {
    let dir = std::env::temp_dir().join(format!("lbos-liveness-{}", std::process::id()));
    let d = dir.to_str().unwrap();
    assert_eq!(
        lbos(&["catalog", "export", "no-starve-mutex", d])
            .status
            .code(),
        Some(0)
    );
    let file = dir.join("mutex-loop.sync");
    let file = file.to_str().unwrap();
    let trace = dir.join("lasso.json");
    let trace = trace.to_str().unwrap();
    let o = lbos(&["check", file, "--liveness", "--trace-out", trace]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("verdict: starvation"), "{t}");
    assert!(
        t.contains(
            "thread A (Thread 1) never progresses at line 7 `mutex.wait()`, blocked on mutex"
        ),
        "{t}"
    );
    assert!(t.contains("-- cycle (repeats forever) --"), "{t}");
    // The JSON verdict, with where the cycle starts.
    let o = lbos(&["check", file, "--liveness", "--json"]);
    let last = String::from_utf8_lossy(&o.stdout)
        .lines()
        .last()
        .unwrap()
        .to_string();
    let v: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(v["verdict"], "starvation");
    assert_eq!(v["starvation"]["thread"]["thread"], "A");
    assert_eq!(v["starvation"]["thread"]["blocked_on"], "mutex");
    let start = v["starvation"]["cycle_start"].as_u64().unwrap() as usize;
    let steps = v["trace"].as_array().unwrap().len();
    assert!(start < steps);
    // Replayed: the prefix, then the cycle twice, and the run says it repeats forever.
    let o = lbos(&["run", file, "--replay", trace, "--cycles", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("-- cycle, round 1 (repeats forever) --"), "{t}");
    assert!(t.contains("-- cycle, round 2 (repeats forever) --"), "{t}");
    assert!(
        t.contains("the cycle was played 2 time(s); it repeats forever; thread A starves"),
        "{t}"
    );
    let played = t.lines().filter(|l| l.contains(" line ")).count();
    assert!(played >= start + 2 * (steps - start), "{t}");
    // Strong and FIFO semaphores: nobody starves; depth-first is refused.
    for model in ["strong", "fifo"] {
        let o = lbos(&["check", file, "--liveness", "--semaphores", model]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(text(&o).contains("no thread starves"), "{}", text(&o));
    }
    assert_eq!(
        lbos(&["check", file, "--liveness", "--dfs"]).status.code(),
        Some(2)
    );
    let o = lbos(&["check", file, "--semaphores", "eventual"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("`weak`, `fifo` or `strong`"),
        "{}",
        text(&o)
    );
}

#[test]
fn catalog_check_checks_the_starvation_claims() {
    let o = lbos(&["catalog", "check", "no-starve-mutex", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    let claim = |program: &str, model: &str| {
        rows.iter()
            .find(|r| {
                r["check"] == "liveness" && r["program"] == program && r["semaphores"] == model
            })
            .unwrap_or_else(|| panic!("no {program} {model} claim"))
    };
    assert_eq!(
        claim("mutex-loop.sync", "weak")["got"],
        "starvation: Thread 1"
    );
    assert_eq!(claim("mutex-loop.sync", "strong")["got"], "ok");
    assert_eq!(claim("morris.sync", "weak")["got"], "ok");
    assert!(rows.iter().all(|r| r["matched"] == true));
    let o = lbos(&[
        "catalog",
        "check",
        "no-starve-mutex",
        "--no-liveness",
        "--json",
    ]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["check"] == "safety")
    );
    let o = lbos(&["catalog", "show", "no-starve-mutex"]);
    assert!(
        text(&o).contains("liveness, weak semaphores: expect starvation: Thread 1"),
        "{}",
        text(&o)
    );
}

#[test]
fn catalog_mutation_analysis_decides_the_looping_mutex_and_prints_scores() {
    // `true L10` (the loop never ends) used to be undecided: `count` grows forever. The
    // invariant `count <= 3 * rounds` kills it now.
    let o = lbos(&["catalog", "check", "mutex", "--mutants", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let m = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["program"] == "mutex.sync")
        .unwrap()["mutants"]
        .clone();
    assert_eq!(m["unknown"], 0);
    let loop_forever = m["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "true L10")
        .unwrap();
    assert_eq!(loop_forever["fate"], "killed");
    // A survivor carries the entry's explanation; a killed mutant none.
    for r in m["results"].as_array().unwrap() {
        assert_eq!(
            r["fate"] == "survived",
            r.get("explanation").is_some(),
            "{r}"
        );
    }
    let o = lbos(&["catalog", "check", "mutex", "--mutants"]);
    let text = text(&o);
    assert!(text.contains("mutation score per entry"), "{text}");
    assert!(text.contains("6/8 (2 survive)"), "{text}");
    assert!(text.contains("6 killed, 2 survive, 0 undecided"), "{text}");
}
