//! Random programs: the reductions and the parallel search must not change what the checker
//! says. Partial-order reduction must give the same verdict, dead rows and counterexample; with
//! symmetry the breadth-first order differs, so among equally short violations another kind may
//! come first: there the outcome (violation or not), the counterexample's length and the dead
//! rows must agree.

use std::sync::Arc;

use lbos_check::{Options, Report, Verdict, check};
use lbos_vm::{Config, Machine};
use proptest::prelude::*;

fn row() -> impl Strategy<Value = String> {
    let var = prop_oneof![Just("x"), Just("y"), Just("self.v"), Just("t")];
    let expr = prop_oneof![
        Just("0"),
        Just("1"),
        Just("x + 1"),
        Just("y - x"),
        Just("self.v"),
        Just("k"),
        Just("q[0]"),
        Just("len(q)"),
        Just("f(x)"),
        Just("x % k"),
        Just("random.choice([0, 1])"),
    ];
    prop_oneof![
        (var.clone(), expr.clone()).prop_map(|(v, e)| format!("{v} = {e}")),
        (var, expr.clone()).prop_map(|(v, e)| format!("{v} += {e}")),
        Just("s.wait()".to_string()),
        Just("s.signal()".to_string()),
        Just("m.wait()\nx += 1\nm.signal()".to_string()),
        Just("ls.lock(m)\ny += 1\nls.unlock(m)".to_string()),
        Just("b.wait()".to_string()),
        Just("q.append(x)".to_string()),
        Just("if len(q) > 1: q.pop(0)".to_string()),
        expr.clone()
            .prop_map(|e| format!("if {e}:\n    x -= 1\nelse:\n    # other\n    pass")),
        expr.clone().prop_map(|e| format!(
            "while {e}:\n    self.v += 1\n    if self.v > 2:\n        break"
        )),
        Just("# comment".to_string()),
        Just("x = 1\nx = 0".to_string()),
        Just("while k > 1:\n    self.v = 1 - self.v".to_string()),
        Just("assert x == 0, 'seen'".to_string()),
        Just("g(self.v)".to_string()),
        Just("self.v = h()".to_string()),
        expr.prop_map(|e| format!("assert {e} < 3, 'bound'")),
    ]
}

fn run(m: &Machine, symmetry: bool, por: bool, jobs: usize) -> Report {
    check(
        m,
        &Options {
            symmetry,
            por,
            jobs,
            max_states: 20_000,
            ..Options::default()
        },
    )
}

fn trace_len(r: &Report) -> Option<usize> {
    r.violation.as_ref().map(|v| v.trace.len())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn reductions_keep_what_the_checker_says(
        a in proptest::collection::vec(row(), 1..6),
        b in proptest::collection::vec(row(), 1..5),
        invariant in proptest::bool::ANY,
    ) {
        let src = format!(
            "k = 2\nx = 0\ny = 0\nt = 0\nq = [1]\ns = Semaphore(1)\nm = Semaphore(1)\nls = Lightswitch()\nb = Barrier(2)\ndef f(a): return a + k\ndef g(n):\n    # enter g\n    t = n\n    return 0\ndef h():\n    # compute\n    return k\n## Thread x2\nself.v = 0\n{}\n## Thread\nself.v = 1\n{}\n{}",
            a.join("\n"),
            b.join("\n"),
            if invariant { "## Invariant\nx < 4\n" } else { "" },
        );
        let p = lbos_lang::compile(&src).unwrap_or_else(|d| panic!("generated programs compile:\n{src}\n{d:?}"));
        let Ok(m) = Machine::new(Arc::new(p), Config::default()) else { return Ok(()) };
        let runs = [
            run(&m, false, false, 1),
            run(&m, false, true, 1),
            run(&m, true, false, 1),
            run(&m, true, true, 1),
        ];
        if runs.iter().any(|r| r.verdict == Verdict::Incomplete) {
            return Ok(());
        }
        // Partial-order reduction: the same result, with and without symmetry.
        for (off, on) in [(&runs[0], &runs[1]), (&runs[2], &runs[3])] {
            prop_assert_eq!(off.verdict, on.verdict, "{}", src);
            prop_assert_eq!(&off.dead_rows, &on.dead_rows, "{}", src);
            prop_assert_eq!(trace_len(off), trace_len(on), "{}", src);
        }
        // Symmetry: the same outcome and shortest length.
        prop_assert_eq!(runs[0].verdict == Verdict::Ok, runs[2].verdict == Verdict::Ok, "{}", src);
        prop_assert_eq!(&runs[0].dead_rows, &runs[2].dead_rows, "{}", src);
        prop_assert_eq!(trace_len(&runs[0]), trace_len(&runs[2]), "{}", src);
        // Two search threads: exactly the one-thread result.
        let two = run(&m, true, true, 2);
        prop_assert_eq!(two.verdict, runs[3].verdict, "{}", src);
        prop_assert_eq!(two.stats.states, runs[3].stats.states, "{}", src);
        prop_assert_eq!(&two.violation, &runs[3].violation, "{}", src);
    }
}
