//! The checker against hand-computed state counts, against itself (BFS vs DFS), and on limits.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use lbos_check::{Options, Verdict, check};
use lbos_vm::{Config, Machine};

mod common;

use common::machine;

/// Without reductions, so that counts are the plain state spaces.
fn run(src: &str) -> lbos_check::Report {
    check(
        &machine(src),
        &Options {
            symmetry: false,
            por: false,
            ..Options::default()
        },
    )
}

fn run_sym(src: &str) -> lbos_check::Report {
    check(
        &machine(src),
        &Options {
            por: false,
            ..Options::default()
        },
    )
}

#[test]
fn hand_counted_state_spaces() {
    // One thread, three rows: at row 1, 2, 3, done.
    assert_eq!(run("## Thread\npass\npass\npass\n").stats.states, 4);
    // Two independent threads of two rows: 3 x 3 positions.
    assert_eq!(
        run("## Thread\npass\npass\n## Thread\npass\npass\n")
            .stats
            .states,
        9
    );
    // signal/wait: start, A signalled, B blocked, both done.
    let r = run("s = Semaphore(0)\n## Thread\ns.signal()\n## Thread\ns.wait()\n");
    assert_eq!((r.stats.states, r.stats.transitions), (4, 4));
    // Two waiters A, B and one signal(2) by C: start; A blocked; B blocked; C signalled (s=2);
    // A and B blocked; A done and C done (s=1); B done and C done (s=1); all done.
    let r = run("s = Semaphore(0)\n## Thread w x2\ns.wait()\n## Thread\ns.signal(2)\n");
    assert_eq!(r.verdict, Verdict::Ok);
    assert_eq!(r.stats.states, 8);
    // A lightswitch lock and unlock by one thread: 4 + 4 sub-steps and done.
    assert_eq!(
        run("ls = Lightswitch()\nr = Semaphore(1)\n## Thread\nls.lock(r)\nls.unlock(r)\n")
            .stats
            .states,
        9
    );
    // Weak semaphores store their waiters as a set: two arrival orders are one state.
    let r = run("s = Semaphore(0)\n## Thread x2\ns.wait()\n");
    assert_eq!(r.verdict, Verdict::Deadlock);
}

#[test]
fn deadlock_with_the_shortest_trace() {
    let r = run(
        "a = Semaphore(0)\nb = Semaphore(0)\n## Thread A\n# a1\nb.wait()\na.signal()\n## Thread B\n# b1\na.wait()\nb.signal()\n",
    );
    assert_eq!(r.verdict, Verdict::Deadlock);
    let v = r.violation.unwrap();
    assert_eq!(v.trace.len(), 4);
    assert!(
        r.dead_rows.is_empty(),
        "dead rows are reported only for passing programs"
    );
}

#[test]
fn assertion_error_and_invariant_verdicts() {
    let r = run("x = 0\n## Thread x2\ny = x\nx = y + 1\nassert x <= 1, 'lost update expected'\n");
    // The lost update is not an assertion failure here; the second increment is.
    assert_eq!(r.verdict, Verdict::Assertion);
    assert_eq!(
        r.violation
            .as_ref()
            .unwrap()
            .fault
            .as_ref()
            .unwrap()
            .message,
        "lost update expected"
    );
    let r = run("q = []\n## Thread\nx = q.pop()\n");
    assert_eq!(r.verdict, Verdict::Error);
    let r = run("inside = 0\n## Thread x2\ninside += 1\ninside -= 1\n## Invariant\ninside <= 1\n");
    assert_eq!(r.verdict, Verdict::Invariant);
    assert_eq!(
        r.violation.unwrap().trace.len(),
        2,
        "two increments: the shortest path"
    );
}

#[test]
fn mutex_invariant_passes_and_fails_without_the_mutex() {
    let ok = run(
        "m = Semaphore(1)\ninside = 0\n## Thread x3\nm.wait()\ninside += 1\ninside -= 1\nm.signal()\n## Invariant\ninside <= 1\n",
    );
    assert_eq!(ok.verdict, Verdict::Ok);
    assert!(ok.dead_rows.is_empty());
    let bad =
        run("inside = 0\n## Thread x3\ninside += 1\ninside -= 1\n## Invariant\ninside <= 1\n");
    assert_eq!(bad.verdict, Verdict::Invariant);
}

#[test]
fn bfs_and_dfs_agree_on_verdicts_and_on_passing_state_counts() {
    for src in [
        "## Thread\npass\npass\n## Thread\npass\n",
        "s = Semaphore(0)\n## Thread w x2\ns.wait()\n## Thread\ns.signal(2)\n",
        "a = Semaphore(0)\nb = Semaphore(0)\n## Thread A\nb.wait()\na.signal()\n## Thread B\na.wait()\nb.signal()\n",
        "x = 0\n## Thread x3\nt = x\nx = t + 1\n## Invariant\nx >= 0\n",
        "m = Semaphore(1)\nc = 0\n## Thread x3\nwhile c < 3:\n    m.wait()\n    c += 1\n    m.signal()\n",
        "ls = Lightswitch()\nr = Semaphore(1)\n## Thread x2\nls.lock(r)\nls.unlock(r)\n## Thread\nr.wait()\nr.signal()\n",
    ] {
        let m = machine(src);
        let bfs = check(&m, &Options::default());
        let dfs = check(
            &m,
            &Options {
                dfs: true,
                ..Options::default()
            },
        );
        assert_eq!(bfs.verdict, dfs.verdict, "{src}");
        if bfs.verdict == Verdict::Ok {
            assert_eq!(bfs.stats.states, dfs.stats.states, "{src}");
        }
    }
}

#[test]
fn dead_rows_are_reported_on_a_passing_result() {
    let r = run("x = 0\n## Thread\nif x == 1:\n    # never\n    x = 2\npass\n");
    assert_eq!(r.verdict, Verdict::Ok);
    assert_eq!(r.dead_rows, vec![4, 5]);
}

#[test]
fn an_infinite_state_space_ends_incomplete() {
    let m = machine("n = 0\n## Thread\nwhile True:\n    n += 1\n");
    let r = check(
        &m,
        &Options {
            max_states: 5_000,
            ..Options::default()
        },
    );
    assert_eq!(r.verdict, Verdict::Incomplete);
    assert!(r.incomplete_reason.unwrap().contains("state limit"));
    assert!(r.stats.states >= 5_000 && r.stats.states < 10_000);
    let r = check(
        &m,
        &Options {
            timeout: Some(std::time::Duration::from_millis(200)),
            ..Options::default()
        },
    );
    assert_eq!(r.verdict, Verdict::Incomplete);
    let stop = Arc::new(AtomicBool::new(true));
    let r = check(
        &m,
        &Options {
            stop,
            ..Options::default()
        },
    );
    assert_eq!(r.incomplete_reason.as_deref(), Some("interrupted"));
}

#[test]
fn counterexamples_replay_to_the_violation() {
    // A lost update makes the final assertion fail; replaying the trace must reach exactly it.
    let m = machine(
        "x = 0\ndone = 0\n## Thread x2\nt = x\nx = t + 1\ndone += 1\n## Thread\nwhile done < 2:\n    pass\nassert x == 2, 'lost update'\n",
    );
    let r = check(&m, &Options::default());
    assert_eq!(r.verdict, Verdict::Assertion);
    let v = r.violation.unwrap();
    let mut s = m.initial_state().clone();
    let (last, prefix) = v.trace.split_last().unwrap();
    for tr in prefix {
        s = m
            .apply(&s, tr)
            .unwrap()
            .outcome
            .expect("the prefix has no fault");
    }
    let fault = m.apply(&s, last).unwrap().outcome.unwrap_err();
    assert_eq!(fault.message, "lost update");
    // A spinning watcher is not a deadlock: without the lost update this passes.
    let ok = machine(
        "x = 0\ndone = 0\nm = Semaphore(1)\n## Thread x2\nm.wait()\nt = x\nx = t + 1\nm.signal()\ndone += 1\n## Thread\nwhile done < 2:\n    pass\nassert x == 2, 'lost update'\n",
    );
    assert_eq!(check(&ok, &Options::default()).verdict, Verdict::Ok);
}

#[test]
fn symmetry_merges_permutations_of_identical_threads() {
    // Two identical threads of two rows: 9 ordered position pairs, 6 unordered ones.
    assert_eq!(run("## Thread x2\npass\npass\n").stats.states, 9);
    assert_eq!(run_sym("## Thread x2\npass\npass\n").stats.states, 6);
    // Three: 4^3 = 64 ordered, C(4+2, 3) = 20 multisets.
    assert_eq!(run("## Thread x3\npass\npass\npass\n").stats.states, 64);
    assert_eq!(run_sym("## Thread x3\npass\npass\npass\n").stats.states, 20);
    // Threads that can tell themselves apart are not merged.
    assert_eq!(
        run_sym("x = 0\n## Thread x2\nx = self.index\npass\n")
            .stats
            .states,
        run("x = 0\n## Thread x2\nx = self.index\npass\n")
            .stats
            .states
    );
}

#[test]
fn symmetry_keeps_every_verdict_and_traces_use_real_threads() {
    for src in [
        "s = Semaphore(0)\n## Thread w x2\ns.wait()\n## Thread\ns.signal(2)\n",
        "s = Semaphore(0)\n## Thread w x3\ns.wait()\n## Thread\ns.signal(2)\n",
        "x = 0\n## Thread x3\nt = x\nx = t + 1\n## Thread\nwhile x < 3:\n    pass\n",
        "m = Semaphore(1)\ninside = 0\n## Thread x3\nwhile True:\n    m.wait()\n    inside += 1\n    inside -= 1\n    m.signal()\n## Invariant\ninside <= 1\n",
        "inside = 0\n## Thread x3\ninside += 1\ninside -= 1\n## Invariant\ninside <= 1\n",
        "q = []\n## Thread x2\nq.append(1)\n## Thread x2\nx = q.pop()\n",
        "ls = Lightswitch()\nr = Semaphore(1)\nc = 0\n## Thread x3\nls.lock(r)\nls.unlock(r)\n## Thread x2\nr.wait()\nc += 1\nassert c == 1, 'two writers'\nc -= 1\nr.signal()\n",
        "b = Barrier(3)\nn = 0\n## Thread x3\nn += 1\nb.wait()\nassert n == 3, 'early'\nb.wait()\n",
        "s = FifoSemaphore(0)\n## Thread x3\ns.wait()\ns.signal()\n## Thread\ns.signal()\n",
    ] {
        let m = machine(src);
        let plain = check(
            &m,
            &Options {
                symmetry: false,
                ..Options::default()
            },
        );
        let reduced = check(&m, &Options::default());
        assert_eq!(plain.verdict, reduced.verdict, "{src}");
        assert!(reduced.stats.states <= plain.stats.states, "{src}");
        assert_eq!(plain.dead_rows, reduced.dead_rows, "{src}");
        if let Some(v) = &reduced.violation {
            // The trace replays on the real program to the same kind of violation.
            let mut s = m.initial_state().clone();
            let mut fault = None;
            for tr in &v.trace {
                match m.apply(&s, tr).expect("the trace applies").outcome {
                    Ok(n) => s = n,
                    Err(f) => fault = Some(f),
                }
            }
            match (&v.fault, fault) {
                (Some(want), Some(got)) => assert_eq!(
                    (want.kind, &want.message),
                    (got.kind, &got.message),
                    "{src}"
                ),
                (None, None) => assert!(m.is_deadlock(&s), "{src}"),
                other => panic!("{src}: {other:?}"),
            }
            assert_eq!(
                v.trace.len(),
                plain.violation.as_ref().unwrap().trace.len(),
                "shortest either way: {src}"
            );
        }
    }
}

/// Every combination of the reductions and of the number of search threads.
fn all_options() -> Vec<Options> {
    let mut out = Vec::new();
    for symmetry in [false, true] {
        for por in [false, true] {
            for jobs in [1, 2, 3] {
                out.push(Options {
                    symmetry,
                    por,
                    jobs,
                    ..Options::default()
                });
            }
        }
    }
    out
}

#[test]
fn parallel_search_gives_the_one_thread_result_exactly() {
    for src in [
        "## Thread x3\npass\npass\npass\n",
        "s = Semaphore(0)\n## Thread w x3\ns.wait()\n## Thread\ns.signal(2)\n",
        "m = Semaphore(1)\ninside = 0\n## Thread x4\nwhile True:\n    m.wait()\n    inside += 1\n    inside -= 1\n    m.signal()\n## Invariant\ninside <= 1\n",
        "inside = 0\n## Thread x3\ninside += 1\ninside -= 1\n## Invariant\ninside <= 1\n",
        "x = 0\n## Thread x3\nt = x\nx = t + 1\n## Thread\nwhile x < 3:\n    pass\n",
        "ls = Lightswitch()\nr = Semaphore(1)\nc = 0\n## Thread x3\nls.lock(r)\nls.unlock(r)\n## Thread x2\nr.wait()\nc += 1\nassert c == 1, 'two writers'\nc -= 1\nr.signal()\n",
        "b = Barrier(3)\nn = 0\n## Thread x3\nwhile True:\n    n += 1\n    b.wait()\n    n -= 1\n    b.wait()\n",
        "x = 0\n## Thread\nif x == 1:\n    # never\n    x = 2\npass\n## Thread x3\nx = 0\n",
    ] {
        let m = machine(src);
        for base in all_options().into_iter().filter(|o| o.jobs == 1) {
            let one = check(&m, &base);
            for jobs in [2, 3, 8] {
                let many = check(
                    &m,
                    &Options {
                        jobs,
                        ..base.clone()
                    },
                );
                let what = format!(
                    "{src}\nsymmetry {} por {} jobs {jobs}",
                    base.symmetry, base.por
                );
                assert_eq!(one.verdict, many.verdict, "{what}");
                assert_eq!(one.stats.states, many.stats.states, "{what}");
                assert_eq!(one.stats.transitions, many.stats.transitions, "{what}");
                assert_eq!(one.stats.max_depth, many.stats.max_depth, "{what}");
                assert_eq!(one.dead_rows, many.dead_rows, "{what}");
                assert_eq!(
                    one.violation, many.violation,
                    "the same counterexample: {what}"
                );
            }
        }
    }
}

#[test]
fn every_reduction_keeps_the_verdict_and_the_dead_rows() {
    for src in [
        "a = Semaphore(0)\nb = Semaphore(0)\n## Thread A\n# a1\nb.wait()\na.signal()\n## Thread B\n# b1\na.wait()\nb.signal()\n",
        "m = Semaphore(1)\ninside = 0\n## Thread x3\nwhile True:\n    # think\n    m.wait()\n    inside += 1\n    inside -= 1\n    m.signal()\n## Invariant\ninside <= 1\n",
        "inside = 0\n## Thread x3\n# enter\ninside += 1\ninside -= 1\n## Invariant\ninside <= 1\n",
        "x = 0\n## Thread\nif x == 1:\n    # never\n    x = 2\npass\n## Thread x2\nself.y = 1\n",
        "q = []\n## Thread x2\nq.append(1)\n## Thread x2\n# consume\nx = q.pop()\n",
    ] {
        let m = machine(src);
        let results: Vec<_> = all_options().iter().map(|o| check(&m, o)).collect();
        for r in &results[1..] {
            assert_eq!(r.verdict, results[0].verdict, "{src}");
            assert_eq!(r.dead_rows, results[0].dead_rows, "{src}");
            assert!(r.stats.states <= results[0].stats.states, "{src}");
            // Counterexamples are shortest with or without the reductions.
            assert_eq!(
                r.violation.as_ref().map(|v| v.trace.len()),
                results[0].violation.as_ref().map(|v| v.trace.len()),
                "{src}"
            );
        }
    }
}

#[test]
fn invariants_see_changes_behind_references_and_functions() {
    // The checker re-evaluates invariants only when a step changes what they read: a change
    // inside a nested list, or to a global read through a function, must still be seen.
    for src in [
        "grid = [[0, 0], [0, 0]]\nrows = grid\n## Thread\nrows[1][0] = 5\n## Invariant\ngrid[1][0] < 5\n",
        "a = 0\nb = 0\ndef total(): return a + b\n## Thread\nb = 3\n## Invariant\ntotal() < 3\n",
        "q = []\nboth = [q]\n## Thread\nq.append(1)\n## Invariant\nlen(both[0]) == 0\n",
    ] {
        for opts in all_options() {
            let r = check(&machine(src), &opts);
            assert!(
                matches!(r.verdict, Verdict::Invariant | Verdict::Error),
                "{src}: {:?}",
                r.verdict
            );
        }
    }
}

#[test]
fn servers_waiting_at_an_end_row_are_not_deadlocked() {
    // Server: the `while` header, then its wait; one client signals once. States (server,
    // client, s): (W,C,0) (S,C,0) (W,done,1) (S blocked,C,-1) (S,done,1) (W,done,0)
    // (S,done,0) (S blocked,done,-1): the last is a valid end.
    let server = "s = Semaphore(0)\n## Thread Server (server)\nwhile True:\n    s.wait()\n## Thread Client\ns.signal()\n";
    let r = run(server);
    assert_eq!((r.verdict, r.stats.states), (Verdict::Ok, 8));
    // The same server without the option deadlocks once the client is done: client signals,
    // server to its wait, passes it, back to the header, to its wait, blocks.
    let r = run(&server.replace(" (server)", ""));
    assert_eq!(r.verdict, Verdict::Deadlock);
    assert_eq!(r.violation.unwrap().trace.len(), 5);
    // A `# end` comment on the wait marks the same row.
    let r = run(&server
        .replace(" (server)", "")
        .replace("s.wait()", "s.wait()  # end: sleeps"));
    assert_eq!((r.verdict, r.stats.states), (Verdict::Ok, 8));
    // Prose that merely starts with "end" is not a mark.
    let r = run(&server
        .replace(" (server)", "")
        .replace("s.wait()", "s.wait()  # end of lap"));
    assert_eq!(r.verdict, Verdict::Deadlock);
    // An end row only excuses the thread waiting at it: a client stuck elsewhere still deadlocks.
    let r = run(
        "s = Semaphore(0)\nt = Semaphore(0)\n## Thread Server (server)\nwhile True:\n    s.wait()\n## Thread Client\nt.wait()\n",
    );
    assert_eq!(r.verdict, Verdict::Deadlock);
}

#[test]
fn a_server_thread_needs_a_loop() {
    let err = lbos_lang::compile("## Thread Server (server)\npass\n").unwrap_err();
    let text = format!("{err:?}");
    assert!(text.contains("needs a `while` loop"), "{text}");
    // `(server)` is an option, not part of the name.
    let p = lbos_lang::compile("## Thread Barber x2 (server)\nwhile True:\n    pass\n").unwrap();
    assert_eq!(
        (
            p.columns[0].name.as_str(),
            p.columns[0].instances,
            p.columns[0].server
        ),
        ("Barber", 2, true)
    );
}

#[test]
fn heap_garbage_and_numbering_do_not_make_new_states() {
    // A list literal per lap: without collection every lap leaves a dead list and the space
    // is infinite. (header, x unset) (assign, x unset) (header, x = [0]) (assign, x = [0]).
    let r = run("## Thread\nwhile True:\n    x = [0]\n");
    assert_eq!((r.verdict, r.stats.states), (Verdict::Ok, 4));
    // A semaphore made, waited on and dropped each lap by two looping threads.
    let r = run("## Thread x2\nwhile True:\n    s = Semaphore(1)\n    s.wait()\n");
    assert_eq!((r.verdict, r.stats.states), (Verdict::Ok, 27));
    // Two threads allocate in either order: the heap is numbered from the globals, so both
    // orders end in one state: 2 x 2 positions.
    let r = run("a = 0\nb = 0\n## Thread\na = Semaphore(0)\n## Thread\nb = Semaphore(0)\n");
    assert_eq!(r.stats.states, 4);
    // Thread-private objects follow their thread under symmetry: positions {start, made,
    // done} for two identical threads, as a multiset: 6 (9 without symmetry).
    let private = "## Thread x2\nself.s = Semaphore(0)\nself.s.signal()\n";
    assert_eq!(run(private).stats.states, 9);
    assert_eq!(run_sym(private).stats.states, 6);
}

#[test]
fn a_step_that_does_unbounded_work_is_an_error_or_stops_at_the_limits() {
    // 2^30 calls in one step: past the step's work limit, a runtime error at that row.
    let src = "def f(n): return n < 30 and (f(n+1) or f(n+1))\nx = 0\n## Thread\nx = f(0)\n";
    let r = run(src);
    assert_eq!(r.verdict, Verdict::Error);
    let fault = r.violation.unwrap().fault.unwrap();
    assert!(fault.message.contains("operations"), "{}", fault.message);
    assert_eq!(fault.line, Some(4));
    // With a larger work limit the step runs until the time limit, which stops it mid-step.
    let mut config = Config::default();
    config.limits.max_step_work = u64::MAX;
    let m = Machine::new(Arc::new(lbos_lang::compile(src).unwrap()), config).unwrap();
    let started = std::time::Instant::now();
    let r = check(
        &m,
        &Options {
            timeout: Some(std::time::Duration::from_millis(200)),
            ..Options::default()
        },
    );
    assert_eq!(r.verdict, Verdict::Incomplete);
    assert!(r.incomplete_reason.unwrap().contains("time limit"));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // And a stop flag raised from outside (Ctrl-C, the server's cancel) stops it too.
    let stop = Arc::new(AtomicBool::new(false));
    let raiser = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(100));
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        })
    };
    let r = check(
        &m,
        &Options {
            stop,
            ..Options::default()
        },
    );
    raiser.join().unwrap();
    assert_eq!(r.verdict, Verdict::Incomplete);
    assert_eq!(r.incomplete_reason.as_deref(), Some("interrupted"));
}

#[test]
fn a_judge_that_makes_a_semaphore_per_lap_has_a_finite_space() {
    // Faneuil Hall with a fresh `confirmed` semaphore for each of the judge's sessions: an
    // immigrant takes the session's semaphore when it checks in. The judge loops forever; old
    // semaphores become garbage, so the space is about the size of the one-semaphore program.
    let entry = lbos_catalog::find("faneuil-hall").unwrap();
    let fixed = &entry.program("faneuil-fixed.sync").unwrap().source;
    let per_lap = fixed
        .replace(
            "self.ticket = checkedTotal\n",
            "self.ticket = checkedTotal\nself.confirmed = confirmed\n",
        )
        .replace("confirmed.wait()\n", "self.confirmed.wait()\n")
        .replace(
            "    confirmed.signal(checked)\n",
            "    confirmed.signal(checked)\n    confirmed = Semaphore(0)\n",
        );
    assert_ne!(&per_lap, fixed);
    let once = run(fixed);
    let fresh = run(&per_lap);
    assert_eq!((once.verdict, fresh.verdict), (Verdict::Ok, Verdict::Ok));
    assert!(
        fresh.stats.states < 3 * once.stats.states,
        "{} states with a semaphore per lap, {} with one",
        fresh.stats.states,
        once.stats.states
    );
}

#[test]
fn a_counterexample_is_found_when_symmetric_threads_tie_on_private_objects() {
    // Hilzer's barbershop without a customer's `customer2.signal()` (a mutant): customers tie
    // on their sort key while their private semaphores differ, so the stored path of the
    // symmetric search may not replay on the real program; the checker then finds the
    // counterexample without symmetry, bounded by the violation's depth. It used to panic.
    let entry = lbos_catalog::find("hilzer-barbershop").unwrap();
    let fixed = &entry.program("hilzer-fixed.sync").unwrap().source;
    let mutant = fixed.replacen("\ncustomer2.signal()\n", "\npass\n", 1);
    assert_ne!(&mutant, fixed);
    let m = machine(&mutant);
    let plain = check(
        &m,
        &Options {
            symmetry: false,
            ..Options::default()
        },
    );
    let symmetric = check(&m, &Options::default());
    assert_eq!(
        (plain.verdict, symmetric.verdict),
        (Verdict::Deadlock, Verdict::Deadlock)
    );
    let trace = symmetric.violation.unwrap().trace;
    assert_eq!(trace.len(), plain.violation.unwrap().trace.len());
    // The trace replays on the real program to a deadlock.
    let mut s = m.initial_state().clone();
    for tr in &trace {
        s = m.apply(&s, tr).unwrap().outcome.unwrap();
    }
    assert!(m.is_deadlock(&s));
}

#[test]
fn a_lightswitch_also_answers_to_the_books_wait_and_signal_names() {
    // Section 6.1 writes `ls.wait(sem)` / `ls.signal(sem)` for lock / unlock: the same
    // machine, sub-step for sub-step (9 states alone, the readers-writers mix below).
    let named = |lock: &str, unlock: &str| {
        format!(
            "ls = Lightswitch()\nr = Semaphore(1)\nc = 0\n## Thread x2\nls.{lock}(r)\nls.{unlock}(r)\n## Thread\nr.wait()\nc += 1\nassert c == 1, 'two writers'\nc -= 1\nr.signal()\n"
        )
    };
    let alone = run("ls = Lightswitch()\nr = Semaphore(1)\n## Thread\nls.wait(r)\nls.signal(r)\n");
    assert_eq!((alone.verdict, alone.stats.states), (Verdict::Ok, 9));
    let book = run(&named("wait", "signal"));
    let ours = run(&named("lock", "unlock"));
    assert_eq!(book.verdict, Verdict::Ok);
    assert_eq!(book.stats.states, ours.stats.states);
    assert_eq!(book.stats.transitions, ours.stats.transitions);
    // A semaphore's `signal(n)` as a statement is still one step that adds n.
    let r = run("s = Semaphore(0)\n## Thread w x2\ns.wait()\n## Thread\ns.signal(2)\n");
    assert_eq!((r.verdict, r.stats.states), (Verdict::Ok, 8));
    // On an inline `if` the multi-step unlock is refused at run time, not run half-way.
    let r =
        run("ls = Lightswitch()\nr = Semaphore(1)\n## Thread\nls.wait(r)\nif True: ls.signal(r)\n");
    assert_eq!(r.verdict, Verdict::Error);
    let fault = r.violation.unwrap().fault.unwrap();
    assert!(
        fault.message.contains("row of its own"),
        "{}",
        fault.message
    );
}

#[test]
fn an_invariant_reads_semaphore_values_and_lightswitch_counters() {
    // A turnstile holds at most one permit; without its wait, a looping thread adds one
    // permit per round, and the bound catches it after one round.
    let turnstile = "t = Semaphore(1)\n## Thread x2\nwhile True:\n    t.wait()\n    t.signal()\n## Invariant\nt.value <= 1\nt.value >= -1\n";
    let no_wait =
        "t = Semaphore(1)\n## Thread x2\nwhile True:\n    t.signal()\n## Invariant\nt.value <= 1\n";
    let switch = "s = Semaphore(1)\nls = Lightswitch()\n## Thread x2\nls.lock(s)\nls.unlock(s)\n## Invariant\nls.value <= 2\n";
    let leaky = "s = Semaphore(1)\nls = Lightswitch()\n## Thread x2\nls.lock(s)\n## Invariant\nls.value <= 1\n";
    for (src, want) in [
        (turnstile, Verdict::Ok),
        (no_wait, Verdict::Invariant),
        (switch, Verdict::Ok),
        (leaky, Verdict::Invariant),
    ] {
        for compiled in [true, false] {
            let r = check(
                &machine(src),
                &Options {
                    compiled,
                    ..Options::default()
                },
            );
            assert_eq!(r.verdict, want, "{src} (compiled: {compiled})");
        }
    }
}
