//! Ring symmetry (`lbos_vm::ring`): hand-counted orbits, the rotation checked to be an
//! automorphism of the real state graph, counterexamples that replay on the real program, and
//! programs that must get no ring symmetry.

use std::collections::HashSet;

use lbos_check::{Options, Report, Verdict, check};
use lbos_vm::ring::Ring;
use lbos_vm::{FaultKind, Machine, State};

mod common;

use common::{bench_source, catalog_source, machine, machine_with};

fn run(m: &Machine, symmetry: bool) -> Report {
    check(
        m,
        &Options {
            symmetry,
            por: false,
            ..Options::default()
        },
    )
}

fn ring(m: &Machine) -> Ring {
    m.ring()
        .unwrap_or_else(|why| panic!("no ring symmetry: {why}"))
}

const FLAGS4: &str = "n = 4\nflags = [False] * n\n## Thread t x4\nflags[self.index] = True\n";

#[test]
fn hand_counted_orbits_of_a_ring_of_four() {
    // Each of 4 threads sets its own flag once: the states are the 16 subsets of done threads.
    // Up to rotation: {}, one, two adjacent, two opposite, three, all = 6 (full permutation
    // symmetry would also merge "adjacent" with "opposite": 5).
    let m = machine(FLAGS4);
    assert_eq!(ring(&m).threads, 0..4);
    assert_eq!(run(&m, false).stats.states, 16);
    assert_eq!(run(&m, true).stats.states, 6);
}

#[test]
fn hand_counted_orbits_of_a_ring_of_three_with_a_neighbour() {
    // Each thread sets the flag of its right neighbour: the same 8 subsets, 4 up to rotation.
    let src = "n = 3\nflags = [False] * n\ndef right(i): return (i + 1) % n\n\
               ## Thread t x3\nflags[right(self.index)] = True\n";
    let m = machine(src);
    ring(&m);
    assert_eq!(run(&m, false).stats.states, 8);
    assert_eq!(run(&m, true).stats.states, 4);
}

#[test]
fn positions_pass_through_procedures_and_functions() {
    // A position in a procedure's parameter and local, a procedure without a value assigned
    // to a local, `(i + n - 1) % n`, and `==` between positions: still the four orbits.
    let src = "n = 3\nflags = [False] * n\n\
               def left(i): return (i + n - 1) % n\n\
               def nothing(i):\n    pass\n\
               def mark(i):\n    j = left(i)\n    r = nothing(j)\n    if j != i:\n        flags[left(j)] = True\n\
               ## Thread t x3\nmark(self.index)\n";
    let m = machine(src);
    let r = ring(&m);
    assert_eq!(
        r.slots[2],
        [true, true, false],
        "i and j hold positions, r does not"
    );
    let (plain, sym) = (run(&m, false), run(&m, true));
    assert_eq!((plain.verdict, sym.verdict), (Verdict::Ok, Verdict::Ok));
    // Classes have at most 3 members, and most have 3.
    assert!(sym.stats.states * 3 >= plain.stats.states);
    assert!(sym.stats.states * 2 < plain.stats.states);
    assert_automorphism("procedures", &m);
}

#[test]
fn footman_philosophers_count_one_state_per_rotation_class() {
    // Without partial-order reduction the 3-philosopher space has 1183 states
    // (bench/expected-states.txt). Rotation classes have 3 members except the states that are
    // their own rotations; 1183 = 3 * 397 - 2 * 4 (Burnside: 4 fixed states, such as the
    // initial one).
    let m = machine_with(&bench_source("philosophers.sync"), &["philosopher=3"]);
    ring(&m);
    let (plain, sym) = (run(&m, false), run(&m, true));
    assert_eq!((plain.verdict, sym.verdict), (Verdict::Ok, Verdict::Ok));
    assert_eq!((plain.stats.states, sym.stats.states), (1183, 397));
    assert_eq!(plain.dead_rows, sym.dead_rows);
    // With the reduction (lbos's default): 271 (bench/expected-states.txt), 93 with the ring.
    let default = check(&m, &Options::default());
    assert_eq!(default.stats.states, 93);
}

/// Every state reachable from `m`'s initial state, heap canonical.
fn reachable(m: &Machine) -> Vec<State> {
    let mut init = m.initial_state().clone();
    lbos_vm::heap::canonicalize_heap(&mut init);
    let mut seen: HashSet<State> = HashSet::from([init.clone()]);
    let mut todo = vec![init];
    let mut all = Vec::new();
    let mut succ = Vec::new();
    while let Some(s) = todo.pop() {
        m.successors(&s, &mut succ);
        for (_, outcome) in succ.drain(..) {
            if let Ok(mut next) = outcome {
                lbos_vm::heap::canonicalize_heap(&mut next);
                if seen.insert(next.clone()) {
                    todo.push(next);
                }
            }
        }
        all.push(s);
        assert!(all.len() < 50_000, "a small program");
    }
    all
}

/// The successors of `s`: heap-canonical states, and the kinds of the faults.
fn outcomes(m: &Machine, s: &State) -> (HashSet<State>, Vec<FaultKind>) {
    let mut succ = Vec::new();
    m.successors(s, &mut succ);
    let mut states = HashSet::new();
    let mut faults = Vec::new();
    for (_, outcome) in succ {
        match outcome {
            Ok(mut next) => {
                lbos_vm::heap::canonicalize_heap(&mut next);
                states.insert(next);
            }
            Err(f) => faults.push(f.kind),
        }
    }
    faults.sort_by_key(|k| *k as u8);
    (states, faults)
}

fn rotated(ring: &Ring, s: &State, k: usize) -> State {
    let mut r = s.clone();
    ring.rotate(&mut r, k);
    lbos_vm::heap::canonicalize_heap(&mut r);
    r
}

/// The claim the ring's soundness rests on, checked on every reachable state: rotating a state
/// and then stepping gives the rotations of stepping it (same successors, same faults, same
/// deadlock), and the canonical form is the same for the whole rotation class.
fn assert_automorphism(name: &str, m: &Machine) {
    let ring = ring(m);
    let n = ring.threads.len();
    let states = reachable(m);
    let set: HashSet<&State> = states.iter().collect();
    for s in &states {
        let (succ, faults) = outcomes(m, s);
        let mut canonical = s.clone();
        ring.canonicalize(&mut canonical);
        for k in 1..n {
            let r = rotated(&ring, s, k);
            assert!(
                set.contains(&r),
                "{name}: a rotation of a reachable state is reachable"
            );
            let (rsucc, rfaults) = outcomes(m, &r);
            let expected: HashSet<State> = succ.iter().map(|x| rotated(&ring, x, k)).collect();
            assert_eq!(
                rsucc, expected,
                "{name}: successors commute with rotation by {k}"
            );
            assert_eq!(
                rfaults, faults,
                "{name}: faults commute with rotation by {k}"
            );
            assert_eq!(m.is_deadlock(&r), m.is_deadlock(s), "{name}: deadlock");
            let mut rc = r.clone();
            ring.canonicalize(&mut rc);
            assert_eq!(rc, canonical, "{name}: one canonical form per class");
        }
    }
}

#[test]
fn rotation_is_an_automorphism_of_the_ring_programs() {
    assert_automorphism("flags", &machine(FLAGS4));
    for n in ["philosopher=3", "philosopher=4"] {
        let m = machine_with(&bench_source("philosophers.sync"), &[n]);
        assert_automorphism(n, &m);
    }
    for file in [
        "philosophers-footman.sync",
        "philosophers-deadlock.sync",
        "philosophers-tanenbaum.sync",
        "philosophers-tanenbaum-fixed.sync",
    ] {
        // At three philosophers (the catalog's four take long in a debug build); without the
        // invariants, whose lines name four.
        let src = catalog_source(file);
        let src = src.split("## Invariant").next().unwrap();
        let src = src.replace("n = 4", "n = 3").replace("x4", "x3");
        assert_automorphism(file, &machine(&src));
    }
}

/// Replays `trace` on the real program and returns the state it reaches (or the fault).
fn replay(m: &Machine, v: &lbos_check::Violation) -> Result<State, lbos_vm::Fault> {
    let mut s = m.initial_state().clone();
    let mut succ = Vec::new();
    for (i, tr) in v.trace.iter().enumerate() {
        m.successors(&s, &mut succ);
        let (_, outcome) = succ
            .drain(..)
            .find(|(t, _)| t == tr)
            .unwrap_or_else(|| panic!("step {i} of the counterexample is a real move"));
        match outcome {
            Ok(next) => s = next,
            Err(f) => {
                assert_eq!(i + 1, v.trace.len(), "only the last step faults");
                return Err(f);
            }
        }
    }
    Ok(s)
}

#[test]
fn counterexamples_under_ring_symmetry_replay_and_are_as_short() {
    // The deadlocking philosophers (each takes the right fork, then the left).
    let m = machine(&catalog_source("philosophers-deadlock.sync"));
    ring(&m);
    let (plain, sym) = (run(&m, false), run(&m, true));
    assert_eq!(
        (plain.verdict, sym.verdict),
        (Verdict::Deadlock, Verdict::Deadlock)
    );
    let v = sym.violation.as_ref().unwrap();
    assert_eq!(v.trace.len(), plain.violation.as_ref().unwrap().trace.len());
    assert!(m.is_deadlock(&replay(&m, v).unwrap()));
    assert!(sym.stats.states < plain.stats.states);

    // Each philosopher takes only its own fork: neighbours eat together, an invariant fails.
    // The canonical state's failing line may be another rotation's: the trace must still end
    // in a real violation, and the reported fault is the one the trace reaches.
    let src = "n = 3\neating = [False] * n\nforks = [Semaphore(1) for i in range(n)]\n\
               ## Thread p x3\nforks[self.index].wait()\neating[self.index] = True\n\
               eating[self.index] = False\nforks[self.index].signal()\n\
               ## Invariant\nnot (eating[0] and eating[1])\nnot (eating[1] and eating[2])\n\
               not (eating[2] and eating[0])\n";
    let m = machine(src);
    ring(&m);
    for por in [false, true] {
        let opts = |symmetry| Options {
            symmetry,
            por,
            ..Options::default()
        };
        let (plain, sym) = (check(&m, &opts(false)), check(&m, &opts(true)));
        assert_eq!(
            (plain.verdict, sym.verdict),
            (Verdict::Invariant, Verdict::Invariant)
        );
        let v = sym.violation.as_ref().unwrap();
        assert_eq!(v.trace.len(), plain.violation.as_ref().unwrap().trace.len());
        let fault = replay(&m, v).expect_err("the trace ends in the violation");
        assert_eq!(fault.kind, FaultKind::Invariant);
        assert_eq!(
            Some(&fault),
            v.fault.as_ref(),
            "the reported fault is the replayed one"
        );
    }
}

fn refused(src: &str, threads: &[&str]) -> String {
    let m = machine_with(src, threads);
    assert!(m.symmetry().is_none(), "no symmetry at all for\n{src}");
    m.ring().expect_err("no ring symmetry")
}

#[test]
fn programs_that_break_the_rotation_get_no_ring_symmetry() {
    // Philosopher 0 is a leftie (`i == 0`).
    let why = refused(&catalog_source("philosophers-asymmetric.sync"), &[]);
    assert!(why.contains("as a number"), "{why}");
    let base = "n = 3\nflags = [False] * n\n";
    // The index used as a number, in a comparison, in arithmetic without `% n`, stored.
    for (body, reason) in [
        (
            "if self.index < 1:\n    flags[self.index] = True\n",
            "as a number",
        ),
        ("flags[self.index] = self.index > 0\n", "as a number"),
        ("flags[(self.index + 1)] = True\n", "indexed by other"),
        ("flags[self.index] = True\nx = self.index\n", "stored"),
        (
            "flags[self.index] = True\nflags[0] = False\n",
            "indexed by other",
        ),
        ("flags[(self.index * 2) % n] = True\n", "as a number"),
        ("flags[(1 - self.index) % n] = True\n", "as a number"),
        ("flags[self.index] = pid()\n", "pid"),
    ] {
        let src = format!("{base}x = 0\n## Thread t x3\n{body}");
        let why = refused(&src, &[]);
        assert!(why.contains(reason), "{body}: {why}");
    }
    // A recursive function of the index: the analysis gives up rather than recurse forever.
    let why = refused(
        "n = 3\nflags = [False] * n\ndef f(i): return f(i)\n## Thread t x3\nflags[f(self.index)] = True\n",
        &[],
    );
    assert!(why.contains("nest"), "{why}");
    // The initial state is not its own rotation.
    let why = refused(
        "flags = [False, False, True]\n## Thread t x3\nflags[self.index] = True\n",
        &[],
    );
    assert!(why.contains("initial state"), "{why}");
    // The ring list is also reachable another way.
    let why = refused(
        "n = 3\nflags = [False] * n\nother = flags\n## Thread t x3\nflags[self.index] = True\n",
        &[],
    );
    assert!(why.contains("also the value"), "{why}");
    // The invariants single out one pair of neighbours.
    let why = refused(
        "n = 3\nflags = [False] * n\n## Thread t x3\nflags[self.index] = True\n\
         ## Invariant\nnot (flags[0] and flags[1])\n",
        &[],
    );
    assert!(why.contains("invariants"), "{why}");
    // `% n` with another n than the number of threads: the catalog's n = 4 with 3 threads.
    let why = refused(
        &catalog_source("philosophers-footman.sync"),
        &["philosopher=3"],
    );
    assert!(!why.is_empty());
}

#[test]
fn the_catalog_philosophers_with_a_ring_get_it() {
    for file in [
        "philosophers-footman.sync",
        "philosophers-deadlock.sync",
        "philosophers-tanenbaum.sync",
        "philosophers-tanenbaum-fixed.sync",
        // Its invariant counts the eaters: `eating.count(True) <= 1`.
        "philosophers-claim-one-eats.sync",
    ] {
        assert_eq!(
            ring(&machine(&catalog_source(file))).threads,
            0..4,
            "{file}"
        );
    }
}

#[test]
fn the_benchmark_invariants_fold_to_a_rotation_closed_set() {
    // Ten invariant lines guarded by `n <= i or ...`: at N = 4 six fold to True, four remain.
    for n in 2..=9 {
        let m = machine_with(
            &bench_source("philosophers.sync"),
            &[&format!("philosopher={n}")],
        );
        assert_eq!(ring(&m).threads.len(), n);
    }
}
