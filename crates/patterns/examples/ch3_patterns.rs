//! Chapter 3: signaling, rendezvous, mutex, multiplex, barrier, queue.
//!
//! `cargo run -p lbos-patterns --example ch3_patterns`

use lbos_patterns::blocking::Barrier;
use lbos_patterns::problems::{
    multiplex::Multiplex, mutex::Mutex, queue::ExclusiveQueue, rendezvous::Rendezvous,
    signaling::Signal,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

fn main() {
    println!("== signaling: B waits for A's statement a1");
    let s = Arc::new(Signal::new());
    let s2 = s.clone();
    let b = thread::spawn(move || {
        println!("B: waiting for a1");
        s2.wait();
        println!("B: b1 (after a1)");
    });
    thread::sleep(Duration::from_millis(10));
    println!("A: a1");
    s.notify();
    b.join().unwrap();

    println!("\n== rendezvous: a1 and b1 both happen before a2 and b2");
    let r = Arc::new(Rendezvous::new());
    let r2 = r.clone();
    let b = thread::spawn(move || {
        println!("B: b1");
        r2.b();
        println!("B: b2");
    });
    thread::sleep(Duration::from_millis(10));
    println!("A: a1");
    r.a();
    println!("A: a2");
    b.join().unwrap();

    println!("\n== mutex: 8 threads add 1,000 each to a shared count");
    let m = Arc::new(Mutex::new_fifo(0));
    let hs: Vec<_> = (0..8)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || (0..1000).for_each(|_| *m.lock() += 1))
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
    println!("count = {} (expected 8000)", *m.lock());

    println!("\n== multiplex of 3: 6 threads, never more than 3 inside");
    let mx = Arc::new(Multiplex::new(3));
    let inside = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..6)
        .map(|i| {
            let (mx, inside) = (mx.clone(), inside.clone());
            thread::spawn(move || {
                mx.run(|| {
                    let n = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    println!("thread {i} in ({n} inside)");
                    thread::sleep(Duration::from_millis(20));
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());

    println!("\n== reusable barrier: 3 threads, 3 rounds, nobody laps");
    let bar = Arc::new(Barrier::new(3));
    let hs: Vec<_> = (0..3)
        .map(|i| {
            let bar = bar.clone();
            thread::spawn(move || {
                for k in 1..=3 {
                    thread::sleep(Duration::from_millis(5 * i as u64));
                    println!("thread {i} reaches the barrier, round {k}");
                    if bar.wait_leader() {
                        println!("  round {k} complete (leader: thread {i})");
                    }
                }
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());

    println!("\n== exclusive queue: dancers leave the queue strictly in pairs");
    let q = Arc::new(ExclusiveQueue::new());
    let hs: Vec<_> = (0..6)
        .map(|i| {
            let q = q.clone();
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(3 * i as u64));
                if i % 2 == 0 {
                    q.leader(|| println!("leader {i} dances"))
                } else {
                    q.follower(|| println!("follower {i} dances"))
                }
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
}
