//! Chapter 8: the mutex checker and the coke machine, on real threads.
//!
//! `cargo run -p lbos-patterns --example ch8_python`

use lbos_patterns::problems::coke_machine::CokeMachine;
use lbos_patterns::problems::mutex_checker::MutexChecker;
use std::sync::Arc;
use std::thread;

fn main() {
    println!("== mutex checker: 2 children share 100,000 indices");
    let m = Arc::new(MutexChecker::new(100_000));
    let hs: Vec<_> = (0..2)
        .map(|i| {
            let m = m.clone();
            thread::spawn(move || {
                let n = m.child();
                println!("child {i} used {n} indices");
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
    println!(
        "histogram: {:?} (every index used exactly once)",
        m.histogram()
    );

    println!("\n== coke machine (10 slots, 5 cokes): 2 producers, 2 consumers");
    let cm = Arc::new(CokeMachine::new(10, 5));
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let cm = cm.clone();
            thread::spawn(move || {
                for _ in 0..5 {
                    if i < 2 {
                        println!("producer {i}: now {}", cm.produce());
                    } else {
                        println!("consumer {i}: left {}", cm.consume());
                    }
                }
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
}
