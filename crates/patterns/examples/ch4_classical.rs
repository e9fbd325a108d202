//! Chapter 4: producer–consumer, readers–writers, the no-starve mutex and the
//! smokers (dining philosophers have their own example).
//!
//! `cargo run -p lbos-patterns --example ch4_classical`

use lbos_patterns::problems::no_starve_mutex::MorrisMutex;
use lbos_patterns::problems::producer_consumer::BoundedBuffer;
use lbos_patterns::problems::readers_writers::{NoStarve, RwLock};
use lbos_patterns::problems::smokers::{Ingredient, Smokers};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

fn main() {
    println!("== bounded buffer of 2: a fast producer waits for a slow consumer");
    let buf = Arc::new(BoundedBuffer::new(2));
    let b2 = buf.clone();
    let producer = thread::spawn(move || {
        for e in 1..=5 {
            println!("producer: putting event {e}");
            b2.put(e);
        }
    });
    for _ in 0..5 {
        thread::sleep(Duration::from_millis(20));
        println!("consumer: got event {}", buf.get());
    }
    producer.join().unwrap();

    println!("\n== readers-writers, no-starve: a writer gets in despite a stream of readers");
    let db = Arc::new(RwLock::<u32, NoStarve>::new(0));
    let mut hs = Vec::new();
    for r in 0..4 {
        let db = db.clone();
        hs.push(thread::spawn(move || {
            for _ in 0..3 {
                let v = db.read();
                println!("reader {r} reads {}", *v);
                thread::sleep(Duration::from_millis(10));
            }
        }));
    }
    let db2 = db.clone();
    hs.push(thread::spawn(move || {
        thread::sleep(Duration::from_millis(5));
        println!("writer arrives");
        let mut v = db2.write();
        *v += 1;
        println!("writer wrote {}", *v);
    }));
    hs.into_iter().for_each(|h| h.join().unwrap());

    println!("\n== Morris's mutex (weak semaphores only): 4 threads x 3 turns");
    let m = Arc::new(MorrisMutex::new(Vec::new()));
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let m = m.clone();
            thread::spawn(move || (0..3).for_each(|_| m.lock().push(i)))
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
    println!("turns taken: {:?}", *m.lock());

    println!("\n== cigarette smokers with pushers: 3 rounds of each agent");
    let s = Arc::new(Smokers::new());
    let mut hs = Vec::new();
    for ing in Ingredient::ALL {
        let s1 = s.clone();
        hs.push(thread::spawn(move || {
            for _ in 0..3 {
                s1.agent(ing, || println!("agent puts out {:?}", ing.others()));
            }
        }));
        let s2 = s.clone();
        hs.push(thread::spawn(move || (0..6).for_each(|_| s2.pusher(ing))));
        let s3 = s.clone();
        hs.push(thread::spawn(move || {
            for _ in 0..3 {
                s3.smoker(ing, || println!("  smoker with {ing:?} makes a cigarette"));
            }
        }));
    }
    hs.into_iter().for_each(|h| h.join().unwrap());
}
