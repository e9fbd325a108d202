//! The async flavour on tokio's multi-threaded runtime: the same solutions
//! as the other examples, from `problems::NAME::tasks`, with `.await` where a
//! task may wait. Narrates H2O, the barbershop and a no-starve
//! readers-writers lock.
//!
//! `cargo run -p lbos-patterns --example async_tasks`

#[cfg(feature = "shuttle")]
fn main() {
    eprintln!("this example runs on tokio: build it without `--features shuttle`");
}

#[cfg(not(feature = "shuttle"))]
fn main() {
    use lbos_patterns::problems::tasks::{barbershop, h2o, readers_writers};
    use std::sync::{Arc, Mutex};

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        println!("== H2O: 6 hydrogen and 3 oxygen tasks, arriving in any order");
        let water = Arc::new(h2o::Water::new());
        let bonds = Arc::new(Mutex::new(String::new()));
        let mut atoms = Vec::new();
        for i in 0..9 {
            let (w, b) = (water.clone(), bonds.clone());
            atoms.push(tokio::spawn(async move {
                if i % 3 == 0 {
                    w.oxygen(|| b.lock().unwrap().push('O')).await;
                } else {
                    w.hydrogen(|| b.lock().unwrap().push('H')).await;
                }
            }));
        }
        for a in atoms {
            a.await.unwrap();
        }
        let bonds = bonds.lock().unwrap().clone();
        for (k, m) in bonds.as_bytes().chunks(3).enumerate() {
            println!("molecule {k}: {}", String::from_utf8_lossy(m));
        }

        println!("== barbershop with 2 places: 5 customers arrive at once");
        let shop = Arc::new(barbershop::Barbershop::new(2));
        let s = shop.clone();
        let barber = tokio::spawn(async move {
            let mut cuts = 0;
            while s.barber(|| cuts += 1).await {}
            println!("barber: closing after {cuts} haircuts");
        });
        let customers: Vec<_> = (0..5)
            .map(|i| {
                let s = shop.clone();
                tokio::spawn(async move {
                    let v = s.customer(|| println!("customer {i}: in the chair")).await;
                    println!("customer {i}: {v:?}");
                })
            })
            .collect();
        for c in customers {
            c.await.unwrap();
        }
        shop.close();
        barber.await.unwrap();

        println!("== no-starve readers-writers: 3 readers and a writer share a log");
        let lock = Arc::new(readers_writers::RwLock::<
            Vec<String>,
            readers_writers::NoStarve,
        >::new(Vec::new()));
        let mut tasks = Vec::new();
        for r in 0..3 {
            let l = lock.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..2 {
                    let g = l.read().await;
                    println!("reader {r}: sees {} entries", g.len());
                    tokio::task::yield_now().await;
                }
            }));
        }
        let l = lock.clone();
        tasks.push(tokio::spawn(async move {
            for k in 0..3 {
                let mut g = l.write().await;
                g.push(format!("entry {k}"));
                println!("writer: wrote entry {k} (alone in the room)");
            }
        }));
        for t in tasks {
            t.await.unwrap();
        }
        println!("final log: {:?}", lock.read().await.as_slice());
    });
}
