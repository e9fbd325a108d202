//! Five philosophers, three tables, one narrated run each.
//!
//! `cargo run -p lbos-patterns --example dining_philosophers`

use lbos_patterns::problems::dining_philosophers::{
    FootmanTable, LeftyTable, Table, TanenbaumTable, left, right,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn dinner<T: Table + 'static>(name: &str, table: T, meals: usize) {
    println!(
        "== {name}: {} philosophers, {meals} meals each",
        table.seats()
    );
    let n = table.seats();
    let table = Arc::new(table);
    let eating = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let hs: Vec<_> = (0..n)
        .map(|i| {
            let (table, eating, most) = (table.clone(), eating.clone(), most.clone());
            std::thread::spawn(move || {
                for meal in 1..=meals {
                    std::thread::sleep(Duration::from_millis(3 + i as u64)); // think
                    table.dine(i, || {
                        let now = eating.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        println!(
                            "{:>5} ms  philosopher {i} eats meal {meal} with forks {} and {} ({now} eating)",
                            start.elapsed().as_millis(),
                            left(i),
                            right(i, n)
                        );
                        std::thread::sleep(Duration::from_millis(5));
                        eating.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    println!(
        "-- everyone ate {meals} times in {} ms; at most {} ate at once, never two neighbours\n",
        start.elapsed().as_millis(),
        most.load(Ordering::SeqCst)
    );
}

fn main() {
    dinner("footman (at most 4 at the table)", FootmanTable::new(5), 3);
    dinner("one lefty breaks the cycle", LeftyTable::new(5), 3);
    dinner(
        "Tanenbaum (eat only if neither neighbour eats)",
        TanenbaumTable::new(5),
        3,
    );
}
