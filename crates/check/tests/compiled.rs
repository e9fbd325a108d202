//! The compiled step against the interpreter, which defines what a program does.
//!
//! Step by step: on every state a breadth-first exploration with the interpreter reaches (up
//! to a cap), the compiled step must give the same successors in the same order (transition,
//! canonical encoding, deadlock), or give up on the state ([`lbos_vm::compiled::Bail`]); it
//! must give up wherever the interpreter reports a fault. Whole searches: with and without the
//! compiled step, the checker's report must be the same (verdict, counts, dead rows,
//! counterexample). On every catalog program, the benchmark programs, Downey's examples (when
//! ../shared/sync_code is beside the repository) and random programs.

use std::collections::{HashSet, VecDeque};
use std::path::Path;
use std::sync::Arc;

use lbos_check::{Options, Report, Verdict, check};
use lbos_vm::compiled::Compiled;
use lbos_vm::{Config, Machine, codec, heap};
use proptest::prelude::*;

mod common;

use common::{bench_source, machine_with};

/// What a step-by-step comparison covered.
#[derive(Debug, Default)]
struct Coverage {
    states: usize,
    /// States the compiled step expanded (the others it gave up on).
    compiled: usize,
}

/// Explores `m` breadth-first with the interpreter (at most `cap` states) and compares the
/// compiled step with it on every state. None if the program is outside the compiled subset.
fn compare_steps(name: &str, m: &Machine, cap: usize) -> Option<Coverage> {
    let c = Compiled::new(m).ok()?;
    let mut init = m.initial_state().clone();
    heap::canonicalize_heap(&mut init);
    let mut enc = Vec::new();
    codec::encode(&init, &mut enc);
    let mut seen: HashSet<Vec<u8>> = HashSet::from([enc.clone()]);
    let mut queue = VecDeque::from([enc]);
    let mut cov = Coverage::default();
    let local = lbos_vm::reduction::local_instructions(&m.program);
    while let Some(enc) = queue.pop_front() {
        cov.states += 1;
        let state = codec::decode(&enc);
        let mut succ = Vec::new();
        m.successors(&state, &mut succ);
        let interpreted: Vec<_> = succ
            .into_iter()
            .map(|(tr, outcome)| {
                let outcome = outcome.map(|mut s| {
                    heap::canonicalize_heap(&mut s);
                    let mut bytes = Vec::new();
                    codec::encode(&s, &mut bytes);
                    (m.is_deadlock(&s), bytes)
                });
                (tr, outcome)
            })
            .collect();
        // Partial-order reduction: the same moves (transitions, state, deadlock).
        let mut moves = Vec::new();
        m.reduced_moves(&local, &state, &mut moves, &mut |_| {});
        if let Some(compiled) = c.move_encodings(&enc, Some(&local)) {
            assert_eq!(compiled.len(), moves.len(), "{name}: moves of {state:?}");
            for ((ctrs, cdead, cbytes), mv) in compiled.iter().zip(&moves) {
                assert_eq!(ctrs, &mv.transitions, "{name}: move order from {state:?}");
                let Ok(s) = &mv.outcome else {
                    panic!("{name}: the compiled step moves {ctrs:?} from {state:?}, which faults");
                };
                let mut s = s.clone();
                heap::canonicalize_heap(&mut s);
                let mut bytes = Vec::new();
                codec::encode(&s, &mut bytes);
                assert_eq!(cbytes, &bytes, "{name}: move {ctrs:?} from {state:?}");
                assert_eq!(*cdead, m.is_deadlock(&s), "{name}: deadlock after {ctrs:?}");
            }
        }
        if let Some(compiled) = c.successor_encodings(&enc) {
            cov.compiled += 1;
            assert_eq!(
                compiled.len(),
                interpreted.len(),
                "{name}: number of successors of {state:?}"
            );
            for ((ctr, cdead, cbytes), (itr, iout)) in compiled.iter().zip(&interpreted) {
                assert_eq!(ctr, itr, "{name}: transition order from {state:?}");
                let Ok((idead, ibytes)) = iout else {
                    panic!(
                        "{name}: the compiled step runs {ctr:?} from {state:?}, which faults: {iout:?}"
                    );
                };
                assert_eq!(
                    codec::decode(cbytes),
                    codec::decode(ibytes),
                    "{name}: successor {ctr:?} of {state:?}"
                );
                assert_eq!(cbytes, ibytes, "{name}: encoding of {ctr:?} from {state:?}");
                assert_eq!(
                    cdead, idead,
                    "{name}: deadlock after {ctr:?} from {state:?}"
                );
            }
        }
        for (_, outcome) in interpreted {
            if let Ok((_, bytes)) = outcome
                && seen.len() < cap
                && seen.insert(bytes.clone())
            {
                queue.push_back(bytes);
            }
        }
    }
    Some(cov)
}

fn options(compiled: bool, por: bool) -> Options {
    Options {
        symmetry: false,
        por,
        compiled,
        max_states: 40_000,
        ..Options::default()
    }
}

/// The whole search with and without the compiled step, with and without partial-order
/// reduction: the same report. Returns the report without reduction.
fn compare_searches(name: &str, m: &Machine) -> Report {
    compare_search(name, m, true);
    compare_search(name, m, false)
}

fn compare_search(name: &str, m: &Machine, por: bool) -> Report {
    let fast = check(m, &options(true, por));
    let slow = check(m, &options(false, por));
    assert!(
        slow.stats.engine.starts_with("interpreter"),
        "{name}: {}",
        slow.stats.engine
    );
    assert_eq!(fast.verdict, slow.verdict, "{name}");
    assert_eq!(fast.stats.states, slow.stats.states, "{name}");
    assert_eq!(fast.stats.transitions, slow.stats.transitions, "{name}");
    assert_eq!(fast.stats.max_depth, slow.stats.max_depth, "{name}");
    assert_eq!(fast.dead_rows, slow.dead_rows, "{name}");
    assert_eq!(fast.violation, slow.violation, "{name}");
    fast
}

#[test]
fn catalog_programs_step_alike() {
    let (mut programs, mut compiled, mut states, mut expanded) = (0, 0, 0, 0);
    let mut outside = Vec::new();
    let mut barriers = Vec::new();
    for e in lbos_catalog::entries() {
        for p in &e.programs {
            let name = format!("{}/{}", e.name, p.file);
            let program = lbos_lang::compile(&p.source).unwrap();
            let m = Machine::new(Arc::new(program), p.config().unwrap()).unwrap();
            programs += 1;
            match compare_steps(&name, &m, 3000) {
                Some(cov) => {
                    compiled += 1;
                    states += cov.states;
                    expanded += cov.compiled;
                    if p.source.contains("Barrier(") {
                        barriers.push(name);
                    }
                }
                None => outside.push(format!("{name}: {}", Compiled::new(&m).unwrap_err())),
            }
        }
    }
    // Barriers are in the subset: the book's H2O and reusable barrier run compiled.
    for name in ["h2o/h2o.sync", "reusable-barrier/rebar-class.sync"] {
        assert!(barriers.iter().any(|b| b == name), "{name}: {outside:#?}");
    }
    eprintln!(
        "catalog: {compiled} of {programs} programs compiled; the compiled step expanded {expanded} of {states} states; outside: {outside:#?}"
    );
    assert!(programs >= 89);
    // Most of the book's programs are semaphores, counters and fixed lists.
    assert!(compiled * 2 >= programs, "{compiled} of {programs}");
    assert!(expanded * 10 >= states * 8, "{expanded} of {states}");
}

#[test]
fn catalog_searches_agree_with_and_without_the_compiled_step() {
    let (mut used, mut flat, mut gave_up) = (0, 0, 0);
    for e in lbos_catalog::entries() {
        for p in &e.programs {
            let name = format!("{}/{}", e.name, p.file);
            let program = lbos_lang::compile(&p.source).unwrap();
            let m = Machine::new(Arc::new(program), p.config().unwrap()).unwrap();
            let r = compare_searches(&name, &m);
            used += usize::from(r.stats.engine.starts_with("compiled"));
            if r.stats.engine.starts_with("compiled (flat search") {
                flat += 1;
            } else if r
                .stats
                .engine
                .starts_with("compiled (the flat search gave up")
            {
                // A state outside the layout (the smokers' agents point `table` at another
                // list, which drops the first): the general search ran.
                eprintln!("{name}: {}", r.stats.engine);
                gave_up += 1;
            }
        }
    }
    assert!(used >= 45, "{used} searches used the compiled step");
    // One job, breadth-first: the flat search runs wherever the compiled step does, unless
    // a state leaves the layout.
    assert_eq!(
        flat + gave_up,
        used,
        "{flat} of {used} compiled searches were flat"
    );
    assert!(flat >= 45 && gave_up <= 4, "{flat} flat, {gave_up} gave up");
}

#[test]
fn downeys_examples_step_alike() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sync_code");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} not found", dir.display());
        return;
    };
    let (mut programs, mut compiled) = (0, 0);
    for f in entries {
        let path = f.unwrap().path();
        let Ok(src) = std::fs::read_to_string(&path) else {
            continue;
        };
        // Files that are not Sync programs (plain Python) are refused by the compiler.
        let Ok(program) = lbos_lang::compile(&src) else {
            continue;
        };
        let Ok(m) = Machine::new(Arc::new(program), Config::default()) else {
            continue;
        };
        programs += 1;
        let name = path.display().to_string();
        if compare_steps(&name, &m, 3000).is_some() {
            compiled += 1;
            compare_searches(&name, &m);
        }
    }
    eprintln!("sync_code: {compiled} of {programs} programs compiled");
    assert!(compiled >= 5, "{compiled} of {programs}");
}

#[test]
fn benchmark_programs_run_entirely_on_the_compiled_step() {
    for (file, threads) in [
        ("philosophers.sync", vec!["philosopher=3"]),
        ("readers-writers.sync", vec!["writer=2", "reader=2"]),
        ("barbershop.sync", vec!["customer=3"]),
    ] {
        let m = machine_with(&bench_source(file), &threads);
        let cov = compare_steps(file, &m, 5000)
            .unwrap_or_else(|| panic!("{file}: {}", Compiled::new(&m).unwrap_err()));
        assert_eq!(
            cov.compiled, cov.states,
            "{file}: no state needs the interpreter"
        );
        let r = compare_searches(file, &m);
        assert_eq!(
            r.stats.engine, "compiled (flat search, 1 byte per slot)",
            "{file}"
        );
        assert_eq!(r.verdict, Verdict::Ok, "{file}");
    }
}

#[test]
fn philosophers_counts_are_the_interpreters() {
    // 3 philosophers, no reduction: the count `bench/expected-states.txt` records.
    let m = machine_with(&bench_source("philosophers.sync"), &["philosopher=3"]);
    let r = check(
        &m,
        &Options {
            jobs: 2,
            ..options(true, false)
        },
    );
    assert!(r.stats.engine.starts_with("compiled"), "{}", r.stats.engine);
    assert_eq!((r.verdict, r.stats.states), (Verdict::Ok, 1183));
}

#[test]
fn programs_outside_the_subset_say_why() {
    let m = machine_with(
        "q = []\ns = Semaphore(0)\n## Thread\nq.append(1)\ns.signal()\n## Thread\ns.wait()\n",
        &[],
    );
    let why = Compiled::new(&m).unwrap_err();
    assert!(why.contains("changes length"), "{why}");
    let r = compare_searches("append", &m);
    assert!(
        r.stats.engine.starts_with("interpreter ("),
        "{}",
        r.stats.engine
    );
}

#[test]
fn faults_and_deadlocks_come_out_the_same() {
    // An assertion, an overflow-free division by zero, a deadlock and an invariant: the
    // compiled step gives up on the faulty steps, the interpreter reports them.
    for src in [
        "x = 0\n## Thread x2\nx += 1\nassert x < 2, 'two'\n",
        "x = 0\n## Thread\nx = 1 // x\n",
        "a = Semaphore(0)\nb = Semaphore(0)\n## Thread\na.wait()\nb.signal()\n## Thread\nb.wait()\na.signal()\n",
        "x = 0\n## Thread x2\nx += 1\nx -= 1\n## Invariant\nx < 2\n",
        "l = [1, 2]\n## Thread\nx = l[self.index + 2]\n",
    ] {
        let m = common::machine(src);
        compare_steps(src, &m, 1000).expect("in the subset");
        let r = compare_searches(src, &m);
        assert_ne!(r.verdict, Verdict::Ok, "{src}");
    }
}

#[test]
fn invariants_read_counts_on_the_compiled_step() {
    // Bounds that hold: every state is expanded by the compiled step itself.
    let holds = "s = Semaphore(1)\nls = Lightswitch()\nroom = Semaphore(1)\n## Thread x2\ns.wait()\ns.signal()\nls.lock(room)\nls.unlock(room)\n## Invariant\ns.value >= -1 and s.value <= 1 and ls.value >= 0 and ls.value <= 2\n";
    let m = common::machine(holds);
    let cov = compare_steps(holds, &m, 1000).expect("in the subset");
    assert_eq!(cov.compiled, cov.states, "no state needs the interpreter");
    assert_eq!(compare_searches(holds, &m).verdict, Verdict::Ok);
    // Bounds that break, after the same steps as the interpreter finds: the second signal
    // (2 steps); the second reader's count (the first's lock takes its 4 sub-steps: mutex,
    // count, room, mutex; then the second's mutex and count: 6).
    for (src, steps) in [
        (
            "s = Semaphore(0)\n## Thread x2\ns.signal()\n## Invariant\ns.value <= 1\n",
            2,
        ),
        (
            "ls = Lightswitch()\nroom = Semaphore(1)\n## Thread x2\nls.lock(room)\nls.unlock(room)\n## Invariant\nls.value < 2\n",
            6,
        ),
    ] {
        let m = common::machine(src);
        compare_steps(src, &m, 1000).expect("in the subset");
        let r = compare_searches(src, &m);
        assert_eq!(r.verdict, Verdict::Invariant, "{src}");
        assert_eq!(r.violation.as_ref().unwrap().trace.len(), steps, "{src}");
    }
}

/// Three threads meet at a barrier of 3 twice. Counted by hand: a thread is at `self.i = 0`,
/// the loop test, the wait, or blocked in it (at most two blocked: the third releases them):
/// 4^3 - 1 = 63 states before the first release, as many before the second (at `self.i += 1`,
/// the test, the wait, blocked), then 3^3 = 27 (at `self.i += 1`, the test, done): 153. Each
/// state has one transition per thread that is neither blocked nor done: 144 + 144 + 54 = 342.
const BARRIER_TWICE: &str =
    "b = Barrier(3)\n## Thread x3\nself.i = 0\nwhile self.i < 2:\n    b.wait()\n    self.i += 1\n";

#[test]
fn barrier_counts_are_hand_checked() {
    let m = common::machine(BARRIER_TWICE);
    let cov = compare_steps("barrier", &m, 1000).expect("in the subset");
    assert_eq!(cov.states, 153);
    assert_eq!(cov.compiled, cov.states, "no state needs the interpreter");
    // The flat search (one job, no reductions), the general search on the compiled step (two
    // jobs) and the interpreter: the hand count.
    let flat = compare_search("barrier", &m, false);
    assert_eq!(flat.stats.engine, "compiled (flat search, 1 byte per slot)");
    let general = check(
        &m,
        &Options {
            jobs: 2,
            ..options(true, false)
        },
    );
    assert_eq!(general.stats.engine, "compiled");
    for r in [&flat, &general] {
        assert_eq!(r.verdict, Verdict::Ok);
        assert_eq!((r.stats.states, r.stats.transitions), (153, 342));
    }
}

#[test]
fn invariants_read_a_barriers_count_on_the_compiled_step() {
    // The count stays below 3 (the third arrival resets it): every state compiled.
    let holds = format!("{BARRIER_TWICE}## Invariant\nb.value >= 0 and b.value < 3\n");
    let m = common::machine(&holds);
    let cov = compare_steps(&holds, &m, 1000).expect("in the subset");
    assert_eq!(cov.compiled, cov.states, "no state needs the interpreter");
    let r = compare_search(&holds, &m, false);
    assert_eq!(r.verdict, Verdict::Ok);
    assert!(
        r.stats.engine.starts_with("compiled (flat"),
        "{}",
        r.stats.engine
    );
    // Two arrivals break `b.value < 2`: two threads' `self.i = 0`, test and wait (6 steps).
    let breaks = format!("{BARRIER_TWICE}## Invariant\nb.value < 2\n");
    let m = common::machine(&breaks);
    compare_steps(&breaks, &m, 1000).expect("in the subset");
    let r = compare_searches(&breaks, &m);
    assert_eq!(r.verdict, Verdict::Invariant);
    assert_eq!(r.violation.as_ref().unwrap().trace.len(), 6);
}

#[test]
fn barrier_benchmark_runs_on_the_flat_search() {
    // H2O: a barrier, and `signal(2)` on a weak semaphore with three hydrogen waiting (a
    // choice of two of them): every state on the compiled step.
    let m = machine_with(&bench_source("h2o.sync"), &["oxygen=1", "hydrogen=3"]);
    let cov = compare_steps("h2o", &m, 5000)
        .unwrap_or_else(|| panic!("h2o: {}", Compiled::new(&m).unwrap_err()));
    assert_eq!(cov.compiled, cov.states, "no state needs the interpreter");
    let r = compare_search("h2o", &m, false);
    assert_eq!(r.stats.engine, "compiled (flat search, 1 byte per slot)");
    assert_eq!(r.verdict, Verdict::Ok);
}

#[test]
fn signal_of_several_wakes_what_the_interpreter_wakes() {
    // Three waiters and signal(2): a choice among the 3 pairs on a weak semaphore, the first
    // two on a FIFO one; signal(5) wakes all; a negative count is a fault (interpreter).
    for (src, verdict) in [
        (
            "s = Semaphore(0)\n## Thread x3\ns.wait()\n## Thread\ns.signal(2)\ns.signal(1)\n",
            Verdict::Ok,
        ),
        (
            "s = FifoSemaphore(0)\n## Thread x3\ns.wait()\n## Thread\ns.signal(2)\ns.signal()\n",
            Verdict::Ok,
        ),
        (
            "s = Semaphore(0)\nk = 5\n## Thread x3\ns.wait()\n## Thread\ns.signal(k)\n",
            Verdict::Ok,
        ),
        (
            "s = Semaphore(0)\n## Thread\ns.wait()\n## Thread\ns.signal(-1)\n",
            Verdict::Error,
        ),
    ] {
        let m = common::machine(src);
        let cov = compare_steps(src, &m, 1000).expect("in the subset");
        if verdict == Verdict::Ok {
            assert_eq!(
                cov.compiled, cov.states,
                "{src}: no state needs the interpreter"
            );
        }
        let r = compare_searches(src, &m);
        assert_eq!(r.verdict, verdict, "{src}");
    }
}

fn row() -> impl Strategy<Value = String> {
    let var = prop_oneof![
        Just("x"),
        Just("y"),
        Just("self.v"),
        Just("t"),
        Just("a[self.index % 2]")
    ];
    let expr = prop_oneof![
        Just("0"),
        Just("1"),
        Just("x + 1"),
        Just("y - x"),
        Just("self.v"),
        Just("k"),
        Just("a[0]"),
        Just("len(a)"),
        Just("f(x)"),
        Just("x % k"),
        Just("x // 2"),
        Just("-x"),
        Just("(not y)"),
        Just("(x == y)"),
        Just("min(x, y)"),
        Just("self.index"),
        Just("x * 3 - y"),
        Just("a[x]"),
    ];
    prop_oneof![
        (var.clone(), expr.clone()).prop_map(|(v, e)| format!("{v} = {e}")),
        (var, expr.clone()).prop_map(|(v, e)| format!("{v} += {e}")),
        Just("s.wait()".to_string()),
        Just("s.signal()".to_string()),
        Just("fs.wait()".to_string()),
        Just("fs.signal()".to_string()),
        Just("sems[self.index % 2].wait()".to_string()),
        Just("sems[x % 2].signal()".to_string()),
        Just("m.wait()\nx += 1\nm.signal()".to_string()),
        Just("ls.lock(m)\ny += 1\nls.unlock(m)".to_string()),
        Just("ls.wait(m)\ny -= 1\nls.signal(m)".to_string()),
        Just("if x > 0: s.signal()".to_string()),
        Just("bar.wait()".to_string()),
        Just("s.signal(2)".to_string()),
        Just("fs.signal(2)".to_string()),
        Just("sems[x % 2].signal(x)".to_string()),
        expr.clone()
            .prop_map(|e| format!("if {e}:\n    x -= 1\nelse:\n    # other\n    pass")),
        expr.clone().prop_map(|e| format!(
            "while {e}:\n    self.v += 1\n    if self.v > 2:\n        break"
        )),
        Just("# comment".to_string()),
        Just("while k > 1:\n    self.v = 1 - self.v".to_string()),
        Just("assert x == 0, 'seen'".to_string()),
        Just("g(self.v)".to_string()),
        Just("self.v = h()".to_string()),
        Just("w(sems[1])".to_string()),
        expr.prop_map(|e| format!("assert {e} < 3, 'bound'")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_programs_step_alike(
        a in proptest::collection::vec(row(), 1..6),
        b in proptest::collection::vec(row(), 1..5),
        invariant in proptest::bool::ANY,
    ) {
        let src = format!(
            "k = 2\nx = 0\ny = 0\nt = 0\na = [0, 1]\ns = Semaphore(1)\nfs = FifoSemaphore(0)\nm = Semaphore(1)\nsems = [Semaphore(0) for i in range(2)]\nls = Lightswitch()\nbar = Barrier(2)\ndef f(a): return a + k\ndef g(n):\n    # enter g\n    t = n\n    return 0\ndef h():\n    # compute\n    return k\ndef w(sem):\n    sem.signal()\n    sem.wait()\n## Thread x2\nself.v = 0\n{}\n## Thread\nself.v = 1\n{}\n{}",
            a.join("\n"),
            b.join("\n"),
            if invariant { "## Invariant\nx < 4\n" } else { "" },
        );
        let p = lbos_lang::compile(&src).unwrap_or_else(|d| panic!("generated programs compile:\n{src}\n{d:?}"));
        let Ok(m) = Machine::new(Arc::new(p), Config::default()) else { return Ok(()) };
        let cov = compare_steps(&src, &m, 3000);
        prop_assert!(cov.is_some(), "{}: {:?}", src, Compiled::new(&m).err());
        for por in [false, true] {
            let fast = check(&m, &Options { max_states: 3000, ..options(true, por) });
            let slow = check(&m, &Options { max_states: 3000, ..options(false, por) });
            prop_assert_eq!(fast.verdict, slow.verdict, "{}", src);
            prop_assert_eq!(fast.stats.states, slow.stats.states, "{}", src);
            prop_assert_eq!(fast.stats.transitions, slow.stats.transitions, "{}", src);
            prop_assert_eq!(&fast.dead_rows, &slow.dead_rows, "{}", src);
            prop_assert_eq!(&fast.violation, &slow.violation, "{}", src);
        }
    }
}

#[test]
fn the_flat_search_packs_wider_or_gives_way_when_values_grow() {
    // Integers past the one-byte codes: two bytes per slot; past four bytes: the flat search
    // gives up and the general search (still on the compiled step) runs. Same reports as the
    // interpreter's, violations and counterexamples included.
    for (src, engine) in [
        (
            "x = 0\n## Thread x2\nwhile x < 300:\n    x += 1\n",
            "compiled (flat search, 2 bytes per slot)",
        ),
        (
            "x = 0\n## Thread x2\nx += 70000\nx += 70000\nassert x < 200000, 'big'\n",
            "compiled (flat search, 4 bytes per slot)",
        ),
        (
            "x = 0\n## Thread x2\nx += 3000000000\nx += 1\n",
            "compiled (the flat search gave up: a value needs more than 4 bytes)",
        ),
        (
            "x = 0\ns = Semaphore(0)\n## Thread\nx = 5000000000\ns.wait()\n## Thread\nx = 1\n",
            "compiled (the flat search gave up: a value needs more than 4 bytes)",
        ),
    ] {
        let m = common::machine(src);
        let r = compare_searches(src, &m);
        assert_eq!(r.stats.engine, engine, "{src}");
    }
}

#[test]
fn the_flat_search_keeps_limits_and_counterexamples() {
    // A state limit stops it where the general search stops (after the same chunk of states).
    let m = machine_with(&bench_source("philosophers.sync"), &["philosopher=4"]);
    for cap in [1, 100, 5000] {
        let flat = check(
            &m,
            &Options {
                max_states: cap,
                ..options(true, false)
            },
        );
        let general = check(
            &m,
            &Options {
                max_states: cap,
                ..options(false, false)
            },
        );
        assert!(
            flat.stats.engine.starts_with("compiled (flat"),
            "{}",
            flat.stats.engine
        );
        assert_eq!(flat.verdict, Verdict::Incomplete);
        assert_eq!(
            (flat.stats.states, flat.stats.transitions),
            (general.stats.states, general.stats.transitions),
            "cap {cap}"
        );
    }
    // A deadlock deep in the space: the same shortest counterexample as the interpreter's.
    let m = machine_with(
        "a = Semaphore(1)\nb = Semaphore(1)\n## Thread x2\nwhile True:\n    a.wait()\n    b.wait()\n    b.signal()\n    a.signal()\n## Thread\nb.wait()\na.wait()\na.signal()\nb.signal()\n",
        &[],
    );
    let r = compare_searches("deadlock", &m);
    assert_eq!(r.verdict, Verdict::Deadlock);
    assert!(
        r.stats.engine.starts_with("compiled (flat"),
        "{}",
        r.stats.engine
    );
    assert!(r.violation.unwrap().trace.len() >= 3);
}
