//! `lbos run` and `lbos check` on Downey's example programs (../shared/sync_code). These tests
//! run when that folder exists beside the repository (CI has it) and say they were skipped
//! otherwise; the files are never copied into the repository.

use std::path::PathBuf;

mod common;

use common::{last_json, lbos, text};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sync_code");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} not found (the corpus tests need ../shared/sync_code beside the repository)",
            dir.display()
        );
        None
    }
}

fn file(dir: &std::path::Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

#[test]
fn every_sync_program_runs_and_pair_py_is_refused() {
    let Some(dir) = corpus() else { return };
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let o = lbos(&["run", &path.display().to_string(), "--steps", "500"]);
        let code = o.status.code().unwrap();
        if name == "pair.py" {
            assert_eq!(code, 2, "pair.py must be refused: {}", text(&o));
            assert!(text(&o).contains("Python"), "{}", text(&o));
        } else {
            assert!(code == 0 || code == 1, "{name}: exit {code}: {}", text(&o));
            assert!(!text(&o).contains("panicked"), "{name}");
        }
        seen += 1;
    }
    assert!(seen >= 20, "only {seen} files in the corpus");
}

/// The source lines of the steps of a run, from its JSON lines.
fn lines_of_run(path: &str) -> Vec<u64> {
    let o = lbos(&["run", path, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "step")
        .map(|v| v["line"].as_u64().unwrap())
        .collect()
}

#[test]
fn conditional_and_while_step_like_sync_py() {
    let Some(dir) = corpus() else { return };
    // The `else:` rows (16, 22) are steps whichever branch ran; a false `if` skips its body.
    assert_eq!(
        lines_of_run(&file(&dir, "conditional.py")),
        vec![6, 7, 9, 11, 13, 16, 17, 20, 21, 22, 25]
    );
    let o = lbos(&["run", &file(&dir, "conditional.py")]);
    let prints: Vec<&str> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.contains("prints"))
        .map(|l| if l.contains("True") { "T" } else { "F" })
        .collect::<Vec<_>>();
    assert_eq!(prints, vec!["T", "F", "T"]);
    // The loop header is evaluated again after its body, and once more when it fails.
    assert_eq!(lines_of_run(&file(&dir, "while.py")), vec![6, 9, 10, 9, 11]);
}

#[test]
fn run_reports_deadlock_and_final_values() {
    let Some(dir) = corpus() else { return };
    let o = lbos(&["run", &file(&dir, "deadlock.py")]);
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains("deadlock: no thread can move"), "{t}");
    assert!(
        t.contains("blocked on bArrived") && t.contains("blocked on aArrived"),
        "{t}"
    );

    let o = lbos(&[
        "run",
        &file(&dir, "mutex2.py"),
        "--schedule",
        "random",
        "--seed",
        "7",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("x = 2"), "{}", text(&o));

    let o = lbos(&["run", &file(&dir, "barrier.py"), "--threads", "4"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("every thread is done"));

    // An explicit schedule naming a blocked thread is refused with the reason.
    let o = lbos(&["run", &file(&dir, "deadlock.py"), "--schedule", "B,B,B"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("blocked on aArrived"), "{}", text(&o));
}

fn check_json(args: &[&str]) -> serde_json::Value {
    let mut a = vec!["check", "--json"];
    a.extend_from_slice(args);
    last_json(&lbos(&a))
}

#[test]
fn check_finds_the_books_deadlocks_with_shortest_traces() {
    let Some(dir) = corpus() else { return };
    for (name, threads, steps) in [
        ("deadlock.py", None, 4),
        ("barrier1.py", Some("3"), 19),
        ("barrier3.py", Some("3"), 9),
    ] {
        let f = file(&dir, name);
        let mut args = vec![f.as_str()];
        if let Some(t) = threads {
            args.extend(["--threads", t]);
        }
        let j = check_json(&args);
        assert_eq!(j["verdict"], "deadlock", "{name}");
        assert_eq!(j["trace"].as_array().unwrap().len(), steps, "{name}");
        let dfs = {
            let mut a = args.clone();
            a.push("--dfs");
            check_json(&a)
        };
        assert_eq!(dfs["verdict"], "deadlock", "{name} with --dfs");
        assert!(dfs["trace"].as_array().unwrap().len() >= steps);
    }
}

#[test]
fn check_passes_the_books_solutions() {
    let Some(dir) = corpus() else { return };
    for (name, threads) in [
        ("barrier.py", "3"),
        ("barrier2.py", "3"),
        ("multiplex.py", "4"),
        ("signal.py", "1"),
        ("rendez.py", "1"),
        ("readwrite.py", "3"),
        ("readwrite2.py", "3"),
    ] {
        let j = check_json(&[&file(&dir, name), "--threads", threads]);
        assert_eq!(j["verdict"], "ok", "{name}: {j}");
        assert!(j["stats"]["states"].as_u64().unwrap() > 1);
    }
}

#[test]
fn mutex_with_an_invariant_passes_and_fails_without_the_mutex() {
    let Some(dir) = corpus() else { return };
    let src = std::fs::read_to_string(dir.join("mutex.py")).unwrap();
    let with_counter = src
        .replace("counter = 0", "counter = 0\ninside = 0")
        .replace("# critical section", "inside += 1\ninside -= 1")
        + "\n## Invariant\ninside <= 1\n";
    let tmp = std::env::temp_dir().join(format!("lbos-mutex-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let ok = tmp.join("mutex-inside.sync");
    std::fs::write(&ok, &with_counter).unwrap();
    let j = check_json(&[ok.to_str().unwrap(), "--threads", "3"]);
    assert_eq!(j["verdict"], "ok", "{j}");
    assert_eq!(j["dead_rows"].as_array().unwrap().len(), 0);
    let without: String = with_counter
        .lines()
        .filter(|l| !l.contains("mutex."))
        .map(|l| format!("{l}\n"))
        .collect();
    let bad = tmp.join("mutex-none.sync");
    std::fs::write(&bad, without).unwrap();
    let j = check_json(&[bad.to_str().unwrap(), "--threads", "3"]);
    assert_eq!(j["verdict"], "invariant");
    assert_eq!(
        j["trace"].as_array().unwrap().len(),
        2,
        "two threads step into the critical section"
    );
}

/// rebar2.py looping forever, with lap bookkeeping: `rv[p]` counts arrivals in the current lap
/// of parity p, and a thread at its critical point asserts that all have arrived in its lap.
fn looping(src: &str) -> String {
    let (init, code) = src.split_once("## Thread").unwrap();
    let code = code.split_once('\n').unwrap().1;
    let mut out =
        format!("{init}rv = [0, 0]\nlap = [0] * num_threads()\n## Thread code\nwhile True:\n");
    for line in code.lines().filter(|l| !l.trim().is_empty()) {
        let line = match line.trim() {
            "# rendezvous" => "lap[self.index] = 1 - lap[self.index]\n    rv[lap[self.index]] = rv[lap[self.index]] % num_threads() + 1".to_string(),
            "# critical point" => "assert rv[lap[self.index]] == num_threads(), 'overtaken by a lap'".to_string(),
            _ => line.to_string(),
        };
        out.push_str(&format!("    {line}\n"));
    }
    out
}

#[test]
fn looping_rebar2_shows_a_thread_gaining_a_lap_and_rebar3_does_not() {
    let Some(dir) = corpus() else { return };
    let tmp = std::env::temp_dir().join(format!("lbos-rebar-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let p2 = tmp.join("rebar2-loop.sync");
    std::fs::write(
        &p2,
        looping(&std::fs::read_to_string(dir.join("rebar2.py")).unwrap()),
    )
    .unwrap();
    let j = check_json(&[p2.to_str().unwrap(), "--threads", "3"]);
    assert_eq!(j["verdict"], "assertion", "{j}");
    assert_eq!(j["fault"]["message"], "overtaken by a lap");
    let steps = j["trace"].as_array().unwrap();
    assert_eq!(steps.len(), 38, "shortest lap-gaining interleaving");
    let p3 = tmp.join("rebar3-loop.sync");
    std::fs::write(
        &p3,
        looping(&std::fs::read_to_string(dir.join("rebar3.py")).unwrap()),
    )
    .unwrap();
    let j = check_json(&[p3.to_str().unwrap(), "--threads", "3"]);
    assert_eq!(
        j["verdict"], "ok",
        "the two-phase barrier keeps laps apart: {j}"
    );
}

#[test]
fn a_trace_written_by_check_replays_to_the_same_violation() {
    let Some(dir) = corpus() else { return };
    let trace = std::env::temp_dir().join(format!("lbos-trace-{}.json", std::process::id()));
    let f = file(&dir, "barrier1.py");
    let o = lbos(&[
        "check",
        &f,
        "--threads",
        "3",
        "--trace-out",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = lbos(&["run", &f, "--replay", trace.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let end = last_json(&o);
    assert_eq!(end["result"], "deadlock");
    let steps = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.contains("\"type\":\"step\""))
        .count();
    assert_eq!(steps, 19);
}

#[test]
fn check_a_folder_prints_a_table() {
    let Some(dir) = corpus() else { return };
    let o = lbos(&["check", dir.to_str().unwrap(), "--max-states", "200000"]);
    let t = text(&o);
    assert!(t.contains("deadlock.py") && t.contains("deadlock"), "{t}");
    assert!(t.contains("pair.py") && t.contains("bad input"), "{t}");
    assert_eq!(
        o.status.code(),
        Some(2),
        "bad input dominates the exit code"
    );
}
