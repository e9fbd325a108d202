//! Chapter 6: search-insert-delete, the unisex bathroom, the baboons, Modus
//! Hall.
//!
//! `cargo run -p lbos-patterns --example ch6_not_so_classical`

use lbos_patterns::problems::modus_hall::{Faction, ModusHall};
use lbos_patterns::problems::search_insert_delete::SearchInsertDelete;
use lbos_patterns::problems::unisex_bathroom::{Bathroom, Group};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

fn main() {
    println!("== search-insert-delete on one list");
    let l = Arc::new(SearchInsertDelete::new());
    let hs: Vec<_> = (0..6)
        .map(|i| {
            let l = l.clone();
            thread::spawn(move || match i % 3 {
                0 => l.search(|| println!("searcher {i} (with other searchers and one inserter)")),
                1 => l.insert(|| println!("inserter {i} (one at a time)")),
                _ => l.delete(|| println!("deleter {i} (alone)")),
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());

    println!("\n== no-starve unisex bathroom for 3");
    let b = Arc::new(Bathroom::new_no_starve(3));
    let hs: Vec<_> = (0..8)
        .map(|i| {
            let b = b.clone();
            let g = if i % 4 == 3 {
                Group::Male
            } else {
                Group::Female
            };
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(2 * i));
                b.visit(g, || {
                    println!("{g:?} {i} inside");
                    thread::sleep(Duration::from_millis(10));
                })
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());

    println!("\n== Modus Hall: 3 heathens and 2 prudes cross twice each");
    let h = Arc::new(ModusHall::new());
    let hs: Vec<_> = (0..5)
        .map(|i| {
            let h = h.clone();
            let f = if i < 3 {
                Faction::Heathen
            } else {
                Faction::Prude
            };
            thread::spawn(move || {
                for _ in 0..2 {
                    h.cross(f, || {
                        println!("{f:?} {i} on the field");
                        thread::sleep(Duration::from_millis(5));
                    })
                }
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
}
