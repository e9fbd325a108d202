//! `lbos mutate`: mutation analysis of a passing program, its report and exit codes.

use std::process::Output;

mod common;

use common::{lbos, write_temp};

fn mutate(src: &str, extra: &[&str]) -> Output {
    let path = write_temp("program.sync", src);
    lbos(&[&["mutate", path.as_str()], extra].concat())
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

/// Morris's no-starve mutex (catalog/no-starve-mutex/morris.sync): its safety properties
/// cannot see line 20's test, which only decides who waits how long.
const MORRIS: &str = "room1 = room2 = 0\nmutex = Semaphore(1)\nt1 = Semaphore(1)\nt2 = Semaphore(0)\ninside = 0\n\n## Thread x3\nwhile True:\n    mutex.wait()\n    self.r = room1\n    room1 = self.r + 1\n    mutex.signal()\n    t1.wait()\n    self.r = room2\n    room2 = self.r + 1\n    mutex.wait()\n    self.r = room1\n    room1 = self.r - 1\n    if room1 == 0:\n        mutex.signal()\n        t2.signal()\n    else:\n        mutex.signal()\n        t1.signal()\n    t2.wait()\n    self.r = room2\n    room2 = self.r - 1\n    inside += 1\n    inside -= 1\n    if room2 == 0:\n        t1.signal()\n    else:\n        t2.signal()\n\n## Invariant\ninside <= 1\n";

fn fate_of(o: &Output, id: &str) -> (String, String) {
    let stdout = String::from_utf8_lossy(&o.stdout);
    let report: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let r = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no mutant {id}: {stdout}"));
    (
        r["fate"].as_str().unwrap().into(),
        r["detail"].as_str().unwrap().into(),
    )
}

#[test]
fn with_liveness_a_mutant_that_only_starves_a_thread_is_killed() {
    // `room1 == 0` made True: every thread opens t2 at once, batches shrink to one and a
    // thread can be overtaken at the weak t1 forever. Safe, so only the starvation check sees it.
    assert_eq!(MORRIS.lines().nth(18), Some("    if room1 == 0:"));
    let safety = mutate(MORRIS, &["--json"]);
    assert_eq!(fate_of(&safety, "true L19").0, "survived");
    let both = mutate(MORRIS, &["--json", "--liveness"]);
    let (fate, detail) = fate_of(&both, "true L19");
    assert_eq!(fate, "killed");
    assert!(detail.contains("starves"), "{detail}");
    // A mutant that is safe and starves nobody still survives.
    assert_eq!(fate_of(&both, "swap L20-21").0, "survived");
}

#[test]
fn liveness_mutation_needs_a_program_that_starves_nobody() {
    // Three threads: with two, a weak semaphore's only waiter is the one woken.
    let looping =
        "mutex = Semaphore(1)\n## Thread x3\nwhile True:\n    mutex.wait()\n    mutex.signal()\n";
    let o = mutate(looping, &["--liveness"]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("--liveness") && e.contains("starvation"), "{e}");
    // Under FIFO semaphores nobody starves: accepted.
    // (Deleting the wait makes the semaphore count grow without bound: a small state limit.)
    let o = mutate(
        looping,
        &["--liveness", "--semaphores", "fifo", "--max-states", "5000"],
    );
    assert_ne!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
