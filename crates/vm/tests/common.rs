//! Helpers shared by the semantics tests.
#![allow(dead_code)]

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use lbos_vm::{Config, Fault, Machine, SemaphoreModel, State, ThreadSpec, Transition, Value};

pub fn machine(src: &str) -> Machine {
    machine_with(src, Config::default())
}

pub fn machine_with(src: &str, config: Config) -> Machine {
    let program = lbos_lang::compile(src)
        .unwrap_or_else(|d| panic!("does not compile:\n{}", d.render("test", src)));
    Machine::new(Arc::new(program), config).expect("machine")
}

pub fn threads(specs: &[&str]) -> Config {
    Config {
        threads: specs
            .iter()
            .map(|s| s.parse::<ThreadSpec>().unwrap())
            .collect(),
        ..Config::default()
    }
}

pub fn fifo() -> Config {
    Config {
        semaphores: SemaphoreModel::Fifo,
        ..Config::default()
    }
}

/// Runs the first enabled transition until no thread can move; returns the final state.
pub fn run_first(m: &Machine) -> Result<State, Fault> {
    let mut s = m.initial_state().clone();
    for _ in 0..10_000 {
        let mut succ = Vec::new();
        m.successors(&s, &mut succ);
        let Some((_, next)) = succ.into_iter().next() else {
            return Ok(s);
        };
        s = next?;
    }
    panic!("did not stop within 10000 steps");
}

/// Applies a schedule of thread indices (first choice each time).
pub fn run_schedule(m: &Machine, schedule: &[u32]) -> Result<State, Fault> {
    let mut s = m.initial_state().clone();
    for &t in schedule {
        let applied = m
            .apply(
                &s,
                &Transition {
                    thread: t,
                    choices: vec![],
                },
            )
            .unwrap_or_else(|e| panic!("step {t}: {e}"));
        s = applied.outcome?;
    }
    Ok(s)
}

/// Every reachable state (independent of the checker), and every fault reachable.
pub fn explore(m: &Machine) -> (HashSet<State>, Vec<Fault>) {
    let mut seen = HashSet::new();
    let mut faults = Vec::new();
    let mut queue = VecDeque::new();
    seen.insert(m.initial_state().clone());
    queue.push_back(m.initial_state().clone());
    while let Some(s) = queue.pop_front() {
        let mut succ = Vec::new();
        m.successors(&s, &mut succ);
        for (_, r) in succ {
            match r {
                Ok(n) => {
                    if seen.insert(n.clone()) {
                        queue.push_back(n);
                    }
                }
                Err(f) => faults.push(f),
            }
        }
    }
    (seen, faults)
}

pub fn global(m: &Machine, s: &State, name: &str) -> Value {
    let g = m
        .program
        .globals
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no global {name}"));
    s.globals[g]
}

pub fn int(m: &Machine, s: &State, name: &str) -> i64 {
    match global(m, s, name) {
        Value::Int(i) => i,
        v => panic!("{name} is {v:?}"),
    }
}

pub fn shown(m: &Machine, s: &State, name: &str) -> String {
    m.show(s, global(m, s, name))
}

/// The source lines one thread executes, in order, when it runs alone.
pub fn lines_run(m: &Machine, thread: u32) -> Vec<u32> {
    let mut s = m.initial_state().clone();
    let mut lines = Vec::new();
    while s.threads[thread as usize].status == lbos_vm::Status::Runnable {
        let (r, out) = lbos_vm::describe::explain(
            m,
            &s,
            &Transition {
                thread,
                choices: vec![],
            },
            lines.len() + 1,
        )
        .unwrap();
        lines.push(r.line.unwrap());
        s = out.unwrap();
    }
    lines
}
