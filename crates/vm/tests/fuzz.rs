//! Random programs through the interpreter: any outcome is fine except a panic.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use lbos_vm::{Config, Machine};
use proptest::prelude::*;

fn row() -> impl Strategy<Value = String> {
    let var = prop_oneof![
        Just("x"),
        Just("y"),
        Just("q"),
        Just("s"),
        Just("self.v"),
        Just("ls"),
        Just("b")
    ];
    let expr = prop_oneof![
        Just("0".to_string()),
        Just("1".to_string()),
        Just("-3".to_string()),
        Just("x + 1".to_string()),
        Just("y * 9223372036854775807".to_string()),
        Just("x // y".to_string()),
        Just("q[0]".to_string()),
        Just("q.pop(0)".to_string()),
        Just("len(q)".to_string()),
        Just("[1, 2]".to_string()),
        Just("'a'".to_string()),
        Just("None".to_string()),
        Just("random.choice([1, 2])".to_string()),
        Just("Semaphore(1)".to_string()),
        Just("s".to_string()),
        Just("f(x)".to_string()),
        Just("pid()".to_string()),
    ];
    prop_oneof![
        (var.clone(), expr.clone()).prop_map(|(v, e)| format!("{v} = {e}")),
        (var.clone(), expr.clone()).prop_map(|(v, e)| format!("{v} += {e}")),
        Just("s.wait()".to_string()),
        Just("s.signal()".to_string()),
        Just("s.signal(2)".to_string()),
        Just("ls.lock(s)".to_string()),
        Just("ls.unlock(s)".to_string()),
        Just("b.wait()".to_string()),
        Just("q.append(x)".to_string()),
        expr.clone().prop_map(|e| format!("if {e}:\n    x -= 1")),
        expr.clone()
            .prop_map(|e| format!("if {e}:\n    pass\nelif x:\n    y = 2\nelse:\n    y = 1")),
        expr.clone()
            .prop_map(|e| format!("while {e}:\n    x += 1\n    if x > 3:\n        break")),
        Just("# comment".to_string()),
        Just("balk()".to_string()),
        Just("g(q)".to_string()),
        expr.prop_map(|e| format!("assert {e}")),
    ]
}

fn explore_bounded(m: &Machine, limit: usize) {
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([m.initial_state().clone()]);
    while let Some(s) = queue.pop_front() {
        if seen.len() > limit {
            break;
        }
        let mut enc = Vec::new();
        lbos_vm::codec::encode(&s, &mut enc);
        assert_eq!(
            lbos_vm::codec::decode(&enc),
            s,
            "the state encoding round-trips"
        );
        let (mut split, mut parts, mut joined) = (Vec::new(), Vec::new(), Vec::new());
        lbos_vm::codec::encode_parts(&s, &mut split, &mut parts);
        let part = |&(a, b): &(u32, u32)| &split[a as usize..b as usize];
        lbos_vm::codec::join_parts(part(&parts[0]), parts[1..].iter().map(part), &mut joined);
        assert_eq!(joined, enc, "the parts of an encoding join back into it");
        for t in 0..s.threads.len() {
            let _ = lbos_vm::describe::position(m, &s, t as u32);
        }
        let mut succ = Vec::new();
        m.successors(&s, &mut succ);
        for (tr, r) in succ {
            let _ = lbos_vm::describe::explain(m, &s, &tr, 1)
                .expect("a successor's transition applies");
            if let Ok(n) = r
                && seen.insert(n.clone())
            {
                queue.push_back(n);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_programs_never_panic(a in proptest::collection::vec(row(), 1..8), b in proptest::collection::vec(row(), 1..6)) {
        let src = format!(
            "x = 1\ny = 0\nq = [1]\ns = Semaphore(0)\nls = Lightswitch()\nb = Barrier(2)\ndef f(a): return a + 1\ndef g(l):\n    l.append(1)\n    return 0\n## Thread x2\n{}\n## Thread\n{}\n",
            a.join("\n"),
            b.join("\n")
        );
        let p = lbos_lang::compile(&src).unwrap_or_else(|d| panic!("generated programs compile:\n{src}\n{d}"));
        if let Ok(m) = Machine::new(Arc::new(p), Config::default()) {
            explore_bounded(&m, 300);
        }
    }
}
