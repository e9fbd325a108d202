//! The semantics of Sync programs, rule by rule.

mod common;
use common::*;
use lbos_vm::{FaultKind, Object, Status, Transition, Value};

#[test]
fn assignment_forms_and_operators() {
    let m = machine(
        "a = b = 3\nc = 0\n## Thread\nc = a * b - 1\nc += 10\nc -= 2\nc *= 2\nd = c // 4\ne = -7 // 2\nf = -7 % 3\ng = 7 % -3\nc++\nc--\nh = (1 < 2) and not (3 <= 2) or False\ni = 2 in [1, 2]\nj = 5 not in [1, 2]\nk = [0] * 3\nk[1] = 4\nl = min(4, 2, 9) + max([1, 7]) + abs(-3) + len(k)\n",
    );
    let s = run_first(&m).unwrap();
    assert_eq!(int(&m, &s, "c"), 32);
    assert_eq!(int(&m, &s, "d"), 8);
    assert_eq!(
        int(&m, &s, "e"),
        -4,
        "floor division rounds toward negative infinity"
    );
    assert_eq!(int(&m, &s, "f"), 2, "Python modulo has the divisor's sign");
    assert_eq!(int(&m, &s, "g"), -2);
    assert_eq!(shown(&m, &s, "h"), "True");
    assert_eq!(shown(&m, &s, "i"), "True");
    assert_eq!(shown(&m, &s, "j"), "True");
    assert_eq!(shown(&m, &s, "k"), "[0, 4, 0]");
    assert_eq!(int(&m, &s, "l"), 2 + 7 + 3 + 3);
}

#[test]
fn strings_booleans_none_and_comparisons() {
    let m = machine(
        "s = ['thinking'] * 2\n## Thread\ns[0] = 'hungry'\nx = s[0] == 'hungry' and s[1] != 'hungry'\ny = None\nz = 'a' < 'b'\n",
    );
    let s = run_first(&m).unwrap();
    assert_eq!(shown(&m, &s, "s"), "['hungry', 'thinking']");
    assert_eq!(shown(&m, &s, "x"), "True");
    assert_eq!(shown(&m, &s, "y"), "None");
    assert_eq!(shown(&m, &s, "z"), "True");
}

#[test]
fn lists_append_pop_insert_remove_and_comprehension() {
    let m = machine(
        "q = []\nsems = [Semaphore(i) for i in range(3)]\n## Thread\nq.append(1)\nq.append(2)\nq.insert(0, 5)\nx = q.pop(0)\ny = q.pop()\nq.remove(1)\nn = len(sems)\nz = [i * i for i in range(1, 4)]\nw = q.count(7) + [4, 5].index(5)\n",
    );
    let s = run_first(&m).unwrap();
    assert_eq!(int(&m, &s, "x"), 5);
    assert_eq!(int(&m, &s, "y"), 2);
    assert_eq!(shown(&m, &s, "q"), "[]");
    assert_eq!(int(&m, &s, "n"), 3);
    assert_eq!(shown(&m, &s, "z"), "[1, 4, 9]");
    assert_eq!(int(&m, &s, "w"), 1);
}

#[test]
fn runtime_errors_name_the_thread_row_and_values() {
    for (src, needle) in [
        (
            "q = []\n## Thread\nx = q.pop(0)\n",
            "pop from an empty list",
        ),
        (
            "x = 9223372036854775807\n## Thread\nx += 1\n",
            "integer overflow",
        ),
        (
            "## Thread\nif False:\n    y = 1\nz = y\n",
            "`y` is used before it has a value",
        ),
        (
            "x = 1\n## Thread\ny = x + None\n",
            "needs an integer, not None",
        ),
        (
            "x = [1]\n## Thread\ny = x[3]\n",
            "list index 3 out of range",
        ),
        ("x = 0\n## Thread\ny = 1 // x\n", "division by zero"),
        (
            "## Thread\ny = self.v\n",
            "`self.v` is used before it has a value",
        ),
    ] {
        let m = machine(src);
        let f = run_first(&m).expect_err(src);
        assert_eq!(f.kind, FaultKind::Error, "{src}");
        assert!(f.message.contains(needle), "{src}: {}", f.message);
        assert_eq!(f.thread, Some(0));
        assert!(f.line.is_some());
    }
}

#[test]
fn assertions_fail_with_their_message() {
    let m = machine("x = 1\n## Thread\nassert x == 1\nassert x == 2, 'x is not two'\n");
    let f = run_first(&m).unwrap_err();
    assert_eq!(f.kind, FaultKind::Assertion);
    assert_eq!(f.message, "x is not two");
    assert_eq!(f.line, Some(4));
}

#[test]
fn invariants_are_checked_after_every_step() {
    let m = machine("x = 0\n## Thread\nx += 1\nx += 1\nx -= 2\n## Invariant\nx <= 1\n");
    let f = run_first(&m).unwrap_err();
    assert_eq!(f.kind, FaultKind::Invariant);
    assert!(f.message.contains("x <= 1"));
}

#[test]
fn an_invariant_may_be_a_list_it_builds() {
    // The list is dropped after the check; its truth must be read before that.
    let holds = machine("x = 0\n## Thread\nx = 1\n## Invariant\nx < 1 or [7]\n");
    assert!(run_first(&holds).is_ok());
    let fails = machine("x = 0\n## Thread\nx = 1\n## Invariant\nx < 1 or []\n");
    assert_eq!(run_first(&fails).unwrap_err().kind, FaultKind::Invariant);
}

#[test]
fn semaphore_wait_blocks_when_negative_and_signal_moves_the_waiter_past_its_wait() {
    let m = machine("s = Semaphore(0)\nx = 0\n## Thread\ns.wait()\nx = 1\n## Thread\ns.signal()\n");
    let s1 = run_schedule(&m, &[0]).unwrap();
    assert_eq!(s1.threads[0].status, Status::Blocked(0));
    let Object::Semaphore { value, queue, .. } = &*s1.heap[0] else {
        panic!()
    };
    assert_eq!((*value, queue.clone()), (-1, vec![0]));
    let s2 = run_schedule(&m, &[0, 1]).unwrap();
    assert_eq!(s2.threads[0].status, Status::Runnable);
    // The woken thread is past its wait: its next step is `x = 1`.
    let s3 = run_schedule(&m, &[0, 1, 0]).unwrap();
    assert_eq!(int(&m, &s3, "x"), 1);
    assert!(s3.all_done());
}

#[test]
fn weak_semaphore_wakes_any_waiter_as_a_choice() {
    let m = machine("s = Semaphore(0)\n## Thread w x2\ns.wait()\n## Thread\ns.signal()\n");
    let both_waiting = run_schedule(&m, &[0, 1]).unwrap();
    let mut succ = Vec::new();
    m.successors(&both_waiting, &mut succ);
    let signals: Vec<_> = succ.iter().filter(|(t, _)| t.thread == 2).collect();
    assert_eq!(signals.len(), 2, "one successor per waiter");
    let woken: Vec<Status> = signals
        .iter()
        .map(|(_, s)| s.as_ref().unwrap().threads[0].status)
        .collect();
    assert_eq!(woken, vec![Status::Done, Status::Blocked(0)]);
    assert_eq!(signals[1].0.choices, vec![1]);
}

#[test]
fn fifo_semaphore_wakes_the_longest_waiter() {
    let m = machine("s = FifoSemaphore(0)\n## Thread w x2\ns.wait()\n## Thread\ns.signal()\n");
    // B waits first, then A: the signal must wake B.
    let s = run_schedule(&m, &[1, 0, 2]).unwrap();
    assert_eq!(s.threads[1].status, Status::Done);
    assert_eq!(s.threads[0].status, Status::Blocked(0));
    let mut succ = Vec::new();
    m.successors(&run_schedule(&m, &[1, 0]).unwrap(), &mut succ);
    assert_eq!(
        succ.iter().filter(|(t, _)| t.thread == 2).count(),
        1,
        "no choice with FIFO"
    );
    // --semaphores fifo makes plain semaphores FIFO too.
    let m2 = machine_with(
        "s = Semaphore(0)\n## Thread w x2\ns.wait()\n## Thread\ns.signal()\n",
        fifo(),
    );
    let s2 = run_schedule(&m2, &[1, 0, 2]).unwrap();
    assert_eq!(s2.threads[1].status, Status::Done);
}

#[test]
fn signal_n_wakes_up_to_n_waiters_in_one_step() {
    let m = machine("s = Semaphore(0)\n## Thread w x3\ns.wait()\n## Thread\ns.signal(2)\n");
    let waiting = run_schedule(&m, &[0, 1, 2]).unwrap();
    let mut succ = Vec::new();
    m.successors(&waiting, &mut succ);
    let outs: Vec<_> = succ.iter().filter(|(t, _)| t.thread == 3).collect();
    assert_eq!(outs.len(), 3, "C(3,2) choices of which two wake");
    for (_, s) in &outs {
        let s = s.as_ref().unwrap();
        assert_eq!(
            s.threads
                .iter()
                .filter(|t| t.status == Status::Runnable || t.status == Status::Done)
                .count(),
            3
        );
        let Object::Semaphore { value, .. } = &*s.heap[0] else {
            panic!()
        };
        assert_eq!(*value, -1);
    }
}

#[test]
fn aliases_p_v_increment_decrement() {
    let m = machine(
        "s = Semaphore(2)\n## Thread\ns.P()\ns.decrement()\ns.V()\ns.increment()\ns.signal()\n",
    );
    let s = run_first(&m).unwrap();
    assert_eq!(m.show(&s, global(&m, &s, "s")), "s");
    let Object::Semaphore { value, .. } = &*s.heap[0] else {
        panic!()
    };
    assert_eq!(*value, 3);
}

#[test]
fn lightswitch_runs_as_the_books_code_in_four_substeps() {
    let m = machine(
        "ls = Lightswitch()\nroom = Semaphore(1)\n## Thread\nls.lock(room)\nls.unlock(room)\n",
    );
    let (states, faults) = explore(&m);
    assert!(faults.is_empty());
    assert_eq!(states.len(), 9, "4 sub-steps of lock, 4 of unlock, done");
}

#[test]
fn lightswitch_first_reader_blocks_holding_the_mutex() {
    // A writer holds room; reader A blocks inside lock (sub-step 3) holding the lightswitch's
    // mutex, so reader B blocks on that mutex (sub-step 1), not in the critical section.
    let m = machine(
        "ls = Lightswitch()\nroom = Semaphore(0)\ninside = 0\n## Thread r x2\nls.lock(room)\ninside += 1\n",
    );
    let s = run_schedule(&m, &[0, 0, 0, 1]).unwrap();
    assert!(matches!(s.threads[0].status, Status::Blocked(_)));
    assert!(matches!(s.threads[1].status, Status::Blocked(_)));
    let pos_a = lbos_vm::describe::position(&m, &s, 0);
    let pos_b = lbos_vm::describe::position(&m, &s, 1);
    assert_eq!(
        (pos_a.substep, pos_a.blocked_on.as_deref()),
        (Some(3), Some("room"))
    );
    assert_eq!(
        (pos_b.substep, pos_b.blocked_on.as_deref()),
        (Some(1), Some("ls.mutex"))
    );
    assert_eq!(int(&m, &s, "inside"), 0);
    assert!(m.is_deadlock(&s));
}

#[test]
fn barrier_releases_all_on_the_nth_arrival_and_is_reusable() {
    let m = machine("b = Barrier(2)\nn = 0\n## Thread x2\nb.wait()\nb.wait()\nn += 1\n");
    let (states, faults) = explore(&m);
    assert!(faults.is_empty());
    let finals: Vec<_> = states.iter().filter(|s| s.all_done()).collect();
    assert_eq!(finals.len(), 1);
    assert_eq!(int(&m, finals[0], "n"), 2);
    assert!(!states.iter().any(|s| m.is_deadlock(s)));
    let one = run_schedule(&m, &[0]).unwrap();
    assert!(matches!(one.threads[0].status, Status::Blocked(_)));
}

#[test]
fn objects_have_identity_through_lists() {
    // Downey's FIFO barbershop: a thread's own semaphore is queued and signalled by another.
    let m = machine(
        "queue = []\n## Thread\nself.sem = Semaphore(0)\nqueue.append(self.sem)\nself.sem.wait()\n## Thread\nwhile len(queue) == 0:\n    pass\nsem = queue.pop(0)\nsem.signal()\n",
    );
    let (states, faults) = explore(&m);
    assert!(faults.is_empty());
    assert!(states.iter().any(|s| s.all_done()));
    assert!(!states.iter().any(|s| m.is_deadlock(s)));
}

#[test]
fn self_attributes_are_per_thread_and_index_is_the_instance_number() {
    let m = machine("ids = []\n## Thread x3\nself.me = self.index * 10\nids.append(self.me)\n");
    let s = run_first(&m).unwrap();
    assert_eq!(shown(&m, &s, "ids"), "[0, 10, 20]");
}

#[test]
fn pid_num_threads_print_and_actions() {
    let m = machine(
        "who = []\n## Thread\nwho.append(pid())\nn = num_threads()\ncutHair()\nbuffer.add(3)\nprint('hi', n)\n## Thread\npass\n",
    );
    let mut s = m.initial_state().clone();
    let mut events = Vec::new();
    while s.threads[0].status == Status::Runnable {
        let a = m
            .apply(
                &s,
                &Transition {
                    thread: 0,
                    choices: vec![],
                },
            )
            .unwrap();
        events.extend(a.events.clone());
        s = a.outcome.unwrap();
    }
    assert_eq!(shown(&m, &s, "who"), "['A']");
    assert_eq!(int(&m, &s, "n"), 2);
    let texts: Vec<String> = events
        .iter()
        .map(|e| lbos_vm::describe::event_text(&m, &s, e))
        .collect();
    assert!(texts.contains(&"cutHair()".to_string()), "{texts:?}");
    assert!(texts.contains(&"buffer.add(3)".to_string()), "{texts:?}");
    assert!(texts.contains(&"prints \"hi 2\"".to_string()), "{texts:?}");
}

#[test]
fn balk_ends_the_thread_at_once() {
    let m = machine("x = 0\n## Thread\nbalk()\nx = 1\n");
    let s = run_first(&m).unwrap();
    assert!(s.all_done());
    assert_eq!(int(&m, &s, "x"), 0);
}

#[test]
fn random_choices_are_transitions() {
    let m = machine("x = 0\n## Thread\nx = random.choice([1, 2, 3]) + random.randint(10, 11)\n");
    let mut succ = Vec::new();
    m.successors(m.initial_state(), &mut succ);
    let mut values: Vec<i64> = succ
        .iter()
        .map(|(_, s)| int(&m, s.as_ref().unwrap(), "x"))
        .collect();
    values.sort();
    assert_eq!(values, vec![11, 12, 12, 13, 13, 14]);
    assert_eq!(succ[5].0.choices, vec![2, 1]);
}

#[test]
fn procedures_have_locals_a_call_stack_and_return_values() {
    let m = machine(
        "forks = [Semaphore(1) for i in range(3)]\ndef left(i): return i\ndef right(i): return (i + 1) % 3\ndef get_forks(i):\n    forks[right(i)].wait()\n    forks[left(i)].wait()\n    got = 2\n    return got\n## Thread x3\nself.n = get_forks(self.index)\nforks[right(self.index)].signal()\nforks[left(self.index)].signal()\n",
    );
    // Runs alone: each row of get_forks is a step of its own.
    let lines = lines_run(&m, 0);
    assert_eq!(lines, vec![10, 5, 6, 7, 8, 11, 12]);
    let s = run_schedule(&m, &[0, 0, 0, 0, 0]).unwrap();
    assert_eq!(s.threads[0].attrs[0], Value::Int(2));
    // Every philosopher grabbing its right fork first deadlocks (the book's Deadlock #5).
    let (states, _) = explore(&m);
    assert!(states.iter().any(|s| m.is_deadlock(s)));
}

#[test]
fn while_break_and_nested_blocks() {
    let m = machine(
        "i = 0\nhits = 0\n## Thread\nwhile True:\n    i += 1\n    if i % 2 == 0:\n        hits += 1\n    elif i == 5:\n        break\n    else:\n        pass\ndone = True\n",
    );
    let s = run_first(&m).unwrap();
    assert_eq!(int(&m, &s, "i"), 5);
    assert_eq!(int(&m, &s, "hits"), 2);
    assert_eq!(shown(&m, &s, "done"), "True");
}

#[test]
fn else_row_is_a_step_in_both_cases_and_elif_skips_once() {
    let m = machine(
        "x = 1\n## Thread\nif x == 1:\n    a = 1\nelif x == 2:\n    a = 2\nelse:\n    a = 3\npass\n",
    );
    assert_eq!(lines_run(&m, 0), vec![3, 4, 5, 9]);
    let m2 = machine(
        "x = 3\n## Thread\nif x == 1:\n    a = 1\nelif x == 2:\n    a = 2\nelse:\n    a = 3\npass\n",
    );
    assert_eq!(lines_run(&m2, 0), vec![3, 5, 7, 8, 9]);
}

#[test]
fn book_notation_is_accepted() {
    let m = machine(
        "a = b = 0\n## Thread\na++\nb--\nif a == 1:\n    pass\nelse if a == 2:\n    pass\n",
    );
    let s = run_first(&m).unwrap();
    assert_eq!((int(&m, &s, "a"), int(&m, &s, "b")), (1, -1));
}

#[test]
fn thread_counts_from_headers_and_flags() {
    let src = "## Thread reader x3\npass\n## Thread writer\npass\n";
    let m = machine(src);
    assert_eq!(m.counts, vec![3, 1]);
    assert_eq!(machine_with(src, threads(&["2"])).counts, vec![2, 2]);
    assert_eq!(machine_with(src, threads(&["writer=4"])).counts, vec![3, 4]);
    assert_eq!(
        machine_with(src, threads(&["1=0", "2=2"])).counts,
        vec![0, 2]
    );
    let p = std::sync::Arc::new(lbos_lang::compile(src).unwrap());
    let err = lbos_vm::Machine::new(p, threads(&["nobody=1"]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no column `nobody`") && err.contains("reader"),
        "{err}"
    );
    let names: Vec<&str> = (0..4).map(|t| m.thread_name(t)).collect();
    assert_eq!(names, vec!["A", "B", "C", "D"]);
}

#[test]
fn initialization_block_runs_once_and_must_not_block() {
    let m = machine(
        "x = 1\ndef f(a):\n    x = a\nf(5)\ns = Semaphore(x)\ns.signal()\n## Thread\npass\n",
    );
    assert_eq!(int(&m, m.initial_state(), "x"), 5);
    let p = std::sync::Arc::new(lbos_lang::compile("s = Semaphore(0)\ns.wait()\n").unwrap());
    let e = lbos_vm::Machine::new(p, Default::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot block"), "{e}");
}

#[test]
fn spawn_adds_a_thread_at_the_top_of_a_column() {
    let m = machine("n = 0\n## Thread\nn += 1\n");
    let s = m.spawn(m.initial_state(), 0).unwrap();
    assert_eq!(s.threads.len(), 2);
    assert_eq!(s.threads[1].index, 1);
    assert!(m.spawn(&s, 5).is_err());
}

#[test]
fn apply_refuses_a_thread_that_cannot_move_and_says_why() {
    let m = machine("s = Semaphore(0)\n## Thread\ns.wait()\n## Thread\npass\n");
    let s = run_schedule(&m, &[0]).unwrap();
    let err = m
        .apply(
            &s,
            &Transition {
                thread: 0,
                choices: vec![],
            },
        )
        .unwrap_err();
    assert!(err.contains("blocked on s"), "{err}");
    let done = run_schedule(&m, &[1]).unwrap();
    assert!(
        m.apply(
            &done,
            &Transition {
                thread: 1,
                choices: vec![]
            }
        )
        .unwrap_err()
        .contains("done")
    );
}

#[test]
fn unbounded_growth_hits_limits_not_memory() {
    let m = machine("q = []\n## Thread\nwhile True:\n    q.append(1)\n");
    let mut s = m.initial_state().clone();
    let mut err = None;
    for _ in 0..30_000 {
        let mut succ = Vec::new();
        m.successors(&s, &mut succ);
        match succ.pop().unwrap().1 {
            Ok(n) => s = n,
            Err(f) => {
                err = Some(f);
                break;
            }
        }
    }
    assert!(err.expect("limit reached").message.contains("longer than"));
}
