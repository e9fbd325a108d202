//! `lbos mutate`: mutation analysis of a passing program, its report and exit codes.

use std::process::{Command, Output};

fn mutate(src: &str, extra: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("lbos-mutate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("p{}.sync", src.len()));
    std::fs::write(&path, src).unwrap();
    Command::new(env!("CARGO_BIN_EXE_lbos"))
        .arg("mutate")
        .arg(&path)
        .args(extra)
        .output()
        .expect("lbos runs")
}

const MUTEX: &str = "mutex = Semaphore(1)\ninside = 0\n## Thread x2\nmutex.wait()\ninside += 1\ninside -= 1\nmutex.signal()\n## Invariant\ninside <= 1\n";

#[test]
fn every_mutant_of_a_well_specified_mutex_is_killed() {
    let o = mutate(MUTEX, &["--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    let report: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let fates: Vec<(String, String)> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().into(),
                r["fate"].as_str().unwrap().into(),
            )
        })
        .collect();
    let killed = |id: &str| (id.to_string(), "killed".to_string());
    // Deleting the wait or moving it below the increment breaks the invariant; deleting the
    // signal deadlocks the second thread.
    assert_eq!(
        fates,
        [
            killed("delete L4"),
            killed("swap L4-5"),
            killed("delete L7")
        ]
    );
    assert_eq!(report["killed"], 3);
}

#[test]
fn a_mutant_the_properties_cannot_see_survives() {
    // Without the invariant nothing observes the critical section: deleting the wait survives.
    let weak = MUTEX.replace("## Invariant\ninside <= 1\n", "");
    let o = mutate(&weak, &[]);
    assert_eq!(o.status.code(), Some(1));
    let t = String::from_utf8_lossy(&o.stdout);
    assert!(t.contains("delete L4") && t.contains("SURVIVES"), "{t}");
    assert!(t.contains("mutation score: 33%"), "{t}");
}

#[test]
fn a_program_that_fails_is_refused() {
    let o = mutate("s = Semaphore(0)\n## Thread\ns.wait()\n", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not pass"));
}
