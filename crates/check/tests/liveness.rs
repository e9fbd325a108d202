//! The starvation check (`Options::liveness`): the verdicts the book gives, pinned with the
//! shape of their lassos, hand-computed small cases, progress and end rows, and the
//! reduction.

use std::sync::Arc;

use lbos_check::{Options, Report, Verdict, check};
use lbos_vm::{Config, Machine, SemaphoreModel, State, Status, ThreadSpec};

fn machine_with(src: &str, semaphores: SemaphoreModel, threads: Vec<ThreadSpec>) -> Machine {
    Machine::new(
        Arc::new(lbos_lang::compile(src).unwrap()),
        Config {
            threads,
            semaphores,
            ..Config::default()
        },
    )
    .unwrap()
}

fn machine(src: &str, semaphores: SemaphoreModel) -> Machine {
    machine_with(src, semaphores, Vec::new())
}

fn liveness(m: &Machine, por: bool) -> Report {
    check(
        m,
        &Options {
            liveness: true,
            por,
            jobs: 1,
            ..Options::default()
        },
    )
}

fn catalog(entry: &str, file: &str) -> String {
    lbos_catalog::find(entry)
        .and_then(|e| e.program(file))
        .unwrap_or_else(|| panic!("no catalog program {entry}/{file}"))
        .source
        .clone()
}

/// What a lasso looks like when replayed: the state where its cycle starts, and the states
/// and movers of the cycle.
struct Lasso {
    start: State,
    /// The state before each step of the cycle, and the thread that took the step.
    cycle: Vec<(State, u32)>,
}

/// Replays the counterexample of a `starvation` report and checks that it is a lasso on which
/// its thread starves fairly: the cycle comes back to where it started, the thread never
/// moves on it and stays blocked (it has no progress rows in these programs), and every other
/// thread moves on the cycle or is blocked or done in one of its states.
fn lasso(m: &Machine, r: &Report) -> Lasso {
    assert_eq!(r.verdict, Verdict::Starvation);
    let st = r
        .starvation
        .as_ref()
        .expect("a starvation report names the thread");
    let trace = &r.violation.as_ref().unwrap().trace;
    assert!(st.cycle_start < trace.len(), "the cycle is not empty");
    let mut state = m.initial_state().clone();
    let mut start = None;
    let mut cycle = Vec::new();
    for (i, tr) in trace.iter().enumerate() {
        if i == st.cycle_start {
            start = Some(state.clone());
        }
        if i >= st.cycle_start {
            cycle.push((state.clone(), tr.thread));
        }
        state = m.apply(&state, tr).unwrap().outcome.unwrap();
    }
    let start = start.unwrap();
    assert_eq!(state, start, "the cycle leads back to where it started");
    let t = st.thread;
    for (s, mover) in &cycle {
        assert_ne!(*mover, t, "the starving thread moves on the cycle");
        assert!(
            matches!(s.threads[t as usize].status, Status::Blocked(_)),
            "the starving thread can move on the cycle"
        );
    }
    for u in 0..start.threads.len() as u32 {
        let served = cycle
            .iter()
            .any(|(s, mover)| *mover == u || s.threads[u as usize].status != Status::Runnable);
        assert!(
            served,
            "thread {u} is enabled throughout the cycle and never moves"
        );
    }
    Lasso { start, cycle }
}

/// The name of the object the starving thread waits on when the cycle starts.
fn waits_on(m: &Machine, r: &Report, l: &Lasso) -> String {
    let t = r.starvation.as_ref().unwrap().thread;
    lbos_vm::describe::position(m, &l.start, t)
        .blocked_on
        .expect("the starving thread is blocked")
}

fn starving(m: &Machine, r: &Report) -> Vec<String> {
    r.starvation
        .iter()
        .flat_map(|s| &s.threads)
        .map(|&t| m.thread_name(t).to_string())
        .collect()
}

/// The smallest looping mutex: take it, give it back.
const LOOP: &str = "m = Semaphore(1)\n## Thread x3\nwhile True:\n    m.wait()\n    m.signal()\n";

#[test]
fn hand_computed_lasso_of_the_smallest_weak_mutex_loop() {
    let m = machine(LOOP, SemaphoreModel::Weak);
    let r = liveness(&m, false);
    let l = lasso(&m, &r);
    // A starves; B and C are interchangeable with it, so only A is named.
    assert_eq!(starving(&m, &r), ["A"]);
    assert_eq!(waits_on(&m, &r, &l), "m");
    // The shortest way for A to block: A and B enter the loop, B takes m, A blocks on it
    // (or the same with B's steps first): 4 steps.
    assert_eq!(r.starvation.as_ref().unwrap().cycle_start, 4);
    // B holds m and C stands at the loop's top; C comes in and blocks (2 steps), B signals and
    // wakes C (the adversary's choice), goes round and blocks (3 steps), C signals and wakes B
    // and goes round (1 step): each of B and C runs each of its 3 rows once, 6 steps, the
    // least that lets both move.
    assert_eq!(l.cycle.len(), 6);
    let movers: Vec<u32> = l.cycle.iter().map(|(_, t)| *t).collect();
    assert_eq!(movers.iter().filter(|&&t| t == 1).count(), 3);
    assert_eq!(movers.iter().filter(|&&t| t == 2).count(), 3);
    // The state space without reduction: 3 threads at 3 rows with a queue; the search with
    // the reduction finds the same starving thread in fewer states.
    let reduced = liveness(&m, true);
    assert_eq!(starving(&m, &reduced), ["A"]);
    assert!(reduced.stats.states < r.stats.states);
    lasso(&m, &reduced);
}

#[test]
fn a_weak_mutex_loop_starves_a_thread_and_a_fifo_or_strong_one_does_not() {
    let src = catalog("no-starve-mutex", "mutex-loop.sync");
    let m = machine(&src, SemaphoreModel::Weak);
    let r = liveness(&m, true);
    let l = lasso(&m, &r);
    assert_eq!(starving(&m, &r), ["A"]);
    assert_eq!(waits_on(&m, &r, &l), "mutex");
    for model in [SemaphoreModel::Fifo, SemaphoreModel::Strong] {
        let r = liveness(&machine(&src, model), true);
        assert_eq!(r.verdict, Verdict::Ok, "{model:?}");
        assert!(r.starvation.is_none() && r.violation.is_none());
    }
    // The safety verdict of the same program is ok with every model: starvation is only
    // visible to the liveness search.
    assert_eq!(check(&m, &Options::default()).verdict, Verdict::Ok);
}

#[test]
fn strong_semaphores_are_a_fairness_condition_not_a_vm_change() {
    // The same states and transitions as weak semaphores; only the verdict differs.
    let weak = liveness(&machine(LOOP, SemaphoreModel::Weak), true);
    let strong = liveness(&machine(LOOP, SemaphoreModel::Strong), true);
    assert_eq!(weak.stats.states, strong.stats.states);
    assert_eq!(weak.stats.transitions, strong.stats.transitions);
    assert_eq!(
        (weak.verdict, strong.verdict),
        (Verdict::Starvation, Verdict::Ok)
    );
    // Two threads only: a signal with one waiter wakes it, so nobody starves even with weak
    // semaphores.
    let two = machine_with(LOOP, SemaphoreModel::Weak, vec![ThreadSpec::All(2)]);
    assert_eq!(liveness(&two, true).verdict, Verdict::Ok);
}

#[test]
fn morris_passes_with_weak_semaphores() {
    let src = catalog("no-starve-mutex", "morris.sync");
    for model in [SemaphoreModel::Weak, SemaphoreModel::Strong] {
        let r = liveness(&machine(&src, model), true);
        assert_eq!(r.verdict, Verdict::Ok, "{model:?}");
        assert!(
            r.dead_rows.is_empty(),
            "every row of Morris's algorithm is reached"
        );
    }
}

#[test]
fn basic_readers_writers_starves_writers_with_any_semaphores() {
    let src = catalog("readers-writers", "rw-basic.sync");
    for model in [
        SemaphoreModel::Weak,
        SemaphoreModel::Fifo,
        SemaphoreModel::Strong,
    ] {
        let m = machine(&src, model);
        let r = liveness(&m, true);
        let l = lasso(&m, &r);
        // Threads A and B are the writers, C to E the readers.
        assert_eq!(r.starvation.as_ref().unwrap().thread, 0, "{model:?}");
        assert_eq!(waits_on(&m, &r, &l), "roomEmpty", "{model:?}");
        // Readers keep coming on the cycle.
        assert!(l.cycle.iter().any(|(_, t)| *t >= 2), "{model:?}");
        let expected: &[&str] = match model {
            // A weak mutex also lets a reader be overtaken forever.
            SemaphoreModel::Weak => &["A", "C"],
            _ => &["A"],
        };
        assert_eq!(starving(&m, &r), expected, "{model:?}");
    }
}

#[test]
fn no_starve_and_writer_priority_readers_writers_keep_their_claims() {
    let no_starve = catalog("readers-writers", "rw-no-starve.sync");
    let m = machine(&no_starve, SemaphoreModel::Weak);
    let r = liveness(&m, true);
    let l = lasso(&m, &r);
    // With a weak turnstile, the writer waiting on it is overtaken forever.
    assert_eq!(r.starvation.as_ref().unwrap().thread, 0);
    assert_eq!(waits_on(&m, &r, &l), "turnstile");
    for model in [SemaphoreModel::Strong, SemaphoreModel::Fifo] {
        assert_eq!(
            liveness(&machine(&no_starve, model), true).verdict,
            Verdict::Ok
        );
    }
    // Writer priority: readers (A to C) starve with strong semaphores, writers do not.
    let wp = catalog("readers-writers", "rw-writer-priority.sync");
    let m = machine(&wp, SemaphoreModel::Strong);
    let r = liveness(&m, true);
    let l = lasso(&m, &r);
    assert_eq!(starving(&m, &r), ["A"]);
    assert_eq!(waits_on(&m, &r, &l), "noReaders");
    let weak = liveness(&machine(&wp, SemaphoreModel::Weak), true);
    assert_eq!(starving(&m, &weak), ["A", "D"]);
}

#[test]
fn tanenbaum_can_starve_even_with_strong_semaphores_and_a_fifo_footman_cannot() {
    let src = catalog("dining-philosophers", "philosophers-tanenbaum-fixed.sync");
    let m = machine(&src, SemaphoreModel::Strong);
    let r = liveness(&m, true);
    let l = lasso(&m, &r);
    // Philosopher 0 is hungry and waits on its own semaphore while its neighbours take turns
    // eating (Gingras's pattern, at the catalog's 4 philosophers): on the cycle, philosopher 1
    // or 3 always eats.
    assert_eq!(r.starvation.as_ref().unwrap().thread, 0);
    assert_eq!(waits_on(&m, &r, &l), "sem[0]");
    let state = m.program.globals.iter().position(|g| g == "state").unwrap();
    for (s, _) in &l.cycle {
        let lbos_vm::Value::Ref(list) = s.globals[state] else {
            panic!("state is a list")
        };
        let Some(lbos_vm::Object::List(items)) = s.object(list as usize) else {
            panic!("state is a list")
        };
        let eating = |i: usize| m.show(s, items[i]) == "'eating'";
        assert!(m.show(s, items[0]) == "'hungry'");
        assert!(eating(1) || eating(3), "a neighbour eats throughout");
    }
    // Philosophers use their index, so there is no symmetry: every philosopher is analysed.
    assert_eq!(starving(&m, &r), ["A", "B", "C", "D"]);

    let footman = catalog("dining-philosophers", "philosophers-footman.sync");
    let fifo = footman.replace(
        "footman = Semaphore(n - 1)",
        "footman = FifoSemaphore(n - 1)",
    );
    assert_ne!(fifo, footman);
    assert_eq!(
        liveness(&machine(&fifo, SemaphoreModel::Weak), true).verdict,
        Verdict::Ok
    );
}

#[test]
fn progress_rows_catch_a_thread_that_spins_without_getting_anywhere() {
    // The spinner waits for a flag by polling it; the setter raises and lowers the flag. A
    // weakly fair scheduler may let the spinner look only while the flag is down.
    let src = "flag = 0\n## Thread spinner\nwhile True:\n    if flag == 1:\n        pass  # progress\n## Thread setter\nwhile True:\n    flag = 1\n    flag = 0\n";
    let m = machine(src, SemaphoreModel::Weak);
    let r = liveness(&m, true);
    assert_eq!(starving(&m, &r), ["A"]);
    let st = r.starvation.as_ref().unwrap();
    let trace = &r.violation.as_ref().unwrap().trace;
    // The spinner keeps moving on the cycle (it is never blocked), but never reaches `pass`.
    assert!(trace[st.cycle_start..].iter().any(|tr| tr.thread == 0));
    let mut s = m.initial_state().clone();
    for (i, tr) in trace.iter().enumerate() {
        s = m.apply(&s, tr).unwrap().outcome.unwrap();
        if i >= st.cycle_start {
            let line = lbos_vm::describe::position(&m, &s, 0).line;
            assert_ne!(
                line,
                Some(5),
                "the spinner reached its progress row on the cycle"
            );
        }
    }
    // Without the mark, every step counts as progress: the spinner does not starve.
    let unmarked = src.replace("  # progress", "");
    assert_eq!(
        liveness(&machine(&unmarked, SemaphoreModel::Weak), true).verdict,
        Verdict::Ok
    );
    // Same verdicts without the reduction (the progress row is a local step it merges).
    assert_eq!(starving(&m, &liveness(&m, false)), ["A"]);
}

#[test]
fn a_thread_waiting_at_an_end_row_does_not_starve() {
    // The server waits for a request that never comes while another thread loops forever.
    let src = "s = Semaphore(0)\n## Thread server (server)\nwhile True:\n    s.wait()\n    # serve\n## Thread idler\nwhile True:\n    pass\n";
    let m = machine(src, SemaphoreModel::Weak);
    assert_eq!(liveness(&m, true).verdict, Verdict::Ok);
    // Without the `(server)` mark the server starves: it wants to move and never can.
    let plain = src.replace(" (server)", "");
    let m = machine(&plain, SemaphoreModel::Weak);
    let r = liveness(&m, true);
    let l = lasso(&m, &r);
    assert_eq!(starving(&m, &r), ["A"]);
    assert_eq!(waits_on(&m, &r, &l), "s");
    // The idler loops alone: a cycle of its two rows.
    assert!(l.cycle.iter().all(|(_, t)| *t == 1));
}

#[test]
fn safety_violations_come_first_and_limits_end_the_search() {
    let deadlock = "a = Semaphore(0)\nb = Semaphore(0)\n## Thread\na.wait()\nb.signal()\n## Thread\nb.wait()\na.signal()\n";
    let r = liveness(&machine(deadlock, SemaphoreModel::Weak), true);
    assert_eq!(r.verdict, Verdict::Deadlock);
    assert!(
        r.shortest,
        "reported by the ordinary search, with a shortest counterexample"
    );
    let m = machine(
        &catalog("readers-writers", "rw-basic.sync"),
        SemaphoreModel::Weak,
    );
    let r = check(
        &m,
        &Options {
            liveness: true,
            max_states: 100,
            ..Options::default()
        },
    );
    assert_eq!(r.verdict, Verdict::Incomplete);
    assert!(r.incomplete_reason.unwrap().contains("state limit"));
}

#[test]
fn the_reduction_keeps_every_catalog_claim() {
    // Each starvation claim of the catalog, checked with and without the partial-order
    // reduction: the same verdict and the same starving threads (small programs only, to
    // keep the test fast).
    let mut compared = 0;
    for e in lbos_catalog::entries() {
        for p in &e.programs {
            for l in &p.liveness {
                let m = Machine::new(
                    Arc::new(lbos_lang::compile(&p.source).unwrap()),
                    p.liveness_config(l).unwrap(),
                )
                .unwrap();
                let capped = |por| {
                    check(
                        &m,
                        &Options {
                            liveness: true,
                            por,
                            jobs: 1,
                            max_states: 60_000,
                            ..Options::default()
                        },
                    )
                };
                let full = capped(false);
                if full.verdict == Verdict::Incomplete {
                    continue;
                }
                let reduced = capped(true);
                let what = format!("{}/{} ({})", e.name, p.file, l.semaphores);
                assert_eq!(reduced.verdict, full.verdict, "{what}");
                assert_eq!(starving(&m, &reduced), starving(&m, &full), "{what}");
                assert_eq!(reduced.verdict.as_str(), l.expect, "{what}");
                if reduced.verdict == Verdict::Starvation {
                    lasso(&m, &reduced);
                    lasso(&m, &full);
                }
                compared += 1;
            }
        }
    }
    assert!(compared >= 20, "only {compared} claims compared");
}

#[test]
fn the_number_of_jobs_changes_nothing() {
    for (entry, file) in [
        ("readers-writers", "rw-writer-priority.sync"),
        ("dining-philosophers", "philosophers-tanenbaum-fixed.sync"),
        ("no-starve-mutex", "morris.sync"),
    ] {
        let m = machine(&catalog(entry, file), SemaphoreModel::Strong);
        let run = |jobs| {
            check(
                &m,
                &Options {
                    liveness: true,
                    jobs,
                    ..Options::default()
                },
            )
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one.verdict, two.verdict, "{file}");
        assert_eq!(
            (one.stats.states, one.stats.transitions, one.stats.max_depth),
            (two.stats.states, two.stats.transitions, two.stats.max_depth),
            "{file}"
        );
        assert_eq!(one.starvation, two.starvation, "{file}");
        assert_eq!(
            one.violation.map(|v| v.trace),
            two.violation.map(|v| v.trace),
            "{file}"
        );
    }
}
