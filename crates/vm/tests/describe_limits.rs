//! The words for states stay short whatever a program builds, and explaining a step of a
//! thread that does not exist is an error, not a panic.

mod common;

use std::sync::Arc;
use std::time::Instant;

use lbos_vm::describe::{self, MAX_SHOWN_LEN};
use lbos_vm::{Config, Machine, Transition};

fn global(m: &Machine, st: &lbos_vm::State, name: &str) -> String {
    let g = m.program.globals.iter().position(|n| n == name).unwrap();
    describe::show_value(m, st, st.globals[g], true)
}

#[test]
fn long_lists_are_cut_with_a_count() {
    let m = common::machine("xs = [7] * 10000\nys = [1, 2, 3]\n## Thread\npass\n");
    let st = m.initial_state();
    let xs = global(&m, st, "xs");
    assert!(xs.len() <= MAX_SHOWN_LEN + 40, "{} bytes", xs.len());
    assert!(xs.starts_with("[7, 7, 7"), "{xs}");
    assert!(xs.ends_with(" more)]"), "{xs}");
    let shown = xs.matches("7, ").count();
    assert!(
        xs.contains(&format!("... ({} more)]", 10000 - shown)),
        "{xs}"
    );
    assert_eq!(global(&m, st, "ys"), "[1, 2, 3]");
}

#[test]
fn lists_of_shared_lists_do_not_multiply() {
    // Shown in full this is 10^12 numbers; it must take no time and little space.
    let m = common::machine(
        "a = [0] * 10000\nb = [a] * 10000\nc = [b] * 10000\n## Thread\nc[0][0][0] = 1\n",
    );
    let st = m.initial_state();
    let start = Instant::now();
    let c = global(&m, st, "c");
    assert!(c.len() <= MAX_SHOWN_LEN + 100, "{} bytes", c.len());
    assert!(c.starts_with("[[[0, 0"), "{c}");
    let tr = Transition {
        thread: 0,
        choices: vec![],
    };
    let (report, _) = describe::explain(&m, st, &tr, 1).expect("explains");
    assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    assert!(report.effects_text().len() < 10 * MAX_SHOWN_LEN);
}

#[test]
fn a_change_past_the_cut_is_still_reported() {
    let m = common::machine("xs = [0] * 5000\n## Thread\nxs[4999] = 1\n");
    let tr = Transition {
        thread: 0,
        choices: vec![],
    };
    let (report, _) = describe::explain(&m, m.initial_state(), &tr, 1).unwrap();
    assert_eq!(report.changes.len(), 1, "{report:?}");
    assert_eq!(report.changes[0].what, "xs");
    // Nothing changes in a step that leaves the long list alone.
    let m = common::machine("xs = [0] * 5000\ny = 0\n## Thread\ny = 1\n");
    let (report, _) = describe::explain(&m, m.initial_state(), &tr, 1).unwrap();
    let what: Vec<&str> = report.changes.iter().map(|c| c.what.as_str()).collect();
    assert_eq!(what, ["y"]);
}

#[test]
fn long_strings_are_cut() {
    let long = "x".repeat(5 * MAX_SHOWN_LEN);
    let m = common::machine(&format!("s = '{long}'\n## Thread\npass\n"));
    let s = global(&m, m.initial_state(), "s");
    assert!(s.len() <= MAX_SHOWN_LEN + 10, "{} bytes", s.len());
    assert!(s.ends_with("...'"), "{}", &s[s.len() - 10..]);
}

#[test]
fn explaining_a_step_of_a_missing_thread_is_an_error() {
    let m = common::machine("x = 0\n## Thread A\nx += 1\n## Thread B\nx += 2\n");
    let tr = Transition {
        thread: 99,
        choices: vec![],
    };
    let err = describe::explain(&m, m.initial_state(), &tr, 1).unwrap_err();
    assert!(err.contains("no thread number 99"), "{err}");
    assert!(err.contains("0 to 1"), "{err}");
}

#[test]
fn thread_counts_that_overflow_32_bits_are_refused() {
    let src = "x = 0\n## Thread A x4294967295\nx += 1\n## Thread B x1\nx += 2\n";
    let program = Arc::new(lbos_lang::compile(src).unwrap());
    let Err(err) = Machine::new(program.clone(), Config::default()) else {
        panic!("refused")
    };
    let err = err.to_string();
    assert!(err.contains("4294967296 threads requested"), "{err}");
    assert!(err.contains("at most 64"), "{err}");
    let Err(err) = Machine::new(program, common::threads(&["4294967295"])) else {
        panic!("refused")
    };
    let err = err.to_string();
    assert!(err.contains("8589934590 threads requested"), "{err}");
}

#[test]
fn object_names_at_once_match_one_by_one() {
    let m = common::machine_with(
        "\
ls = Lightswitch()
room = Semaphore(1)
sems = [Semaphore(0), Semaphore(1), room]
alias = sems
queue = []
def take(s):
    mine = Semaphore(0)
    spare = Semaphore(0)
    queue.append(mine)
    s.wait()
    s.signal()
## Thread
self.s = Semaphore(0)
ls.lock(room)
take(sems[1])
queue.append(self.s)
ls.unlock(room)
",
        common::threads(&["2"]),
    );
    let (states, _) = common::explore(&m);
    assert!(states.len() > 20, "{}", states.len());
    let mut kinds = std::collections::BTreeSet::new();
    for st in &states {
        let names = describe::ObjectNames::new(&m, st);
        for obj in 0..st.heap.len() as u32 + 1 {
            assert_eq!(
                names.name(st, obj),
                describe::object_name(&m, st, obj),
                "object {obj}"
            );
            let n = names.name(st, obj);
            kinds.insert(if n.contains("'s ") {
                "local"
            } else if n.contains('[') {
                "element"
            } else if n.contains(".mutex") {
                "mutex"
            } else if n.contains('.') {
                "attribute"
            } else if n.contains('#') {
                "unnamed"
            } else {
                "global"
            });
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "attribute",
            "element",
            "global",
            "local",
            "mutex",
            "unnamed"
        ]
    );
}
