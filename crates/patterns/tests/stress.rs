//! Stress tests on real threads and on tokio's multi-threaded runtime, the
//! way a reader would write them: many threads, many rounds, counters owned
//! by the test. They complement the shuttle tests (which explore schedules
//! systematically on few threads) with real parallelism and real timing.
#![cfg(not(any(feature = "shuttle", loom)))]

use lbos_patterns::blocking::{Barrier, FifoSemaphore, Semaphore};
use lbos_patterns::problems::*;
use lbos_patterns::tasks;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Runs `f(i)` on `n` threads and joins them all (every actor finishes).
fn par(n: usize, f: impl Fn(usize) + Send + Sync + 'static) {
    let f = Arc::new(f);
    let hs: Vec<_> = (0..n)
        .map(|i| {
            let f = f.clone();
            std::thread::spawn(move || f(i))
        })
        .collect();
    for h in hs {
        h.join().expect("actor panicked");
    }
}

/// Counts threads inside a region and remembers the maximum.
#[derive(Default)]
struct Occ {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl Occ {
    fn enter(&self, limit: usize) {
        let n = self.now.fetch_add(1, SeqCst) + 1;
        assert!(n <= limit, "{n} inside, limit {limit}");
        self.max.fetch_max(n, SeqCst);
    }
    fn leave(&self) {
        self.now.fetch_sub(1, SeqCst);
    }
}

// ---------------------------------------------------------------- chapter 3

#[test]
fn signal_many_waiters() {
    let s = Arc::new(signaling::Signal::new());
    let done = Arc::new(AtomicBool::new(false));
    let (s2, d2) = (s.clone(), done.clone());
    let notifier = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(5));
        d2.store(true, SeqCst);
        s2.notify();
    });
    par(16, move |_| {
        s.wait();
        assert!(done.load(SeqCst));
    });
    notifier.join().unwrap();
}

#[test]
fn rendezvous_1000_rounds() {
    let r = Arc::new(rendezvous::Rendezvous::new());
    let rounds = [AtomicUsize::new(0), AtomicUsize::new(0)];
    let rounds = Arc::new(rounds);
    par(2, move |side| {
        for k in 0..1000 {
            rounds[side].store(k + 1, SeqCst);
            if side == 0 {
                r.a()
            } else {
                r.b()
            }
            assert!(rounds[1 - side].load(SeqCst) > k, "passed round {k} alone");
        }
    });
}

/// The issue's "100 threads hammering a mutex-protected counter 100,000
/// times each", at full scale (10 M increments). Every contended unlock hands
/// the permit to a waiter (no barging); it stays fast because a waiter watches
/// its slot briefly before sleeping, and the weak mutex hands to the newest
/// waiter, which is usually still watching (about 15 s here on 2 busy cores,
/// debug build; it took 284 s when every hand-off was a sleep and a wake-up).
fn mutex_counter(threads: usize, each: usize) {
    let m = Arc::new(mutex::Mutex::new(0usize));
    let m2 = m.clone();
    par(threads, move |_| {
        for _ in 0..each {
            *m2.lock() += 1;
        }
    });
    assert_eq!(*m.lock(), threads * each);
}

#[test]
fn mutex_counter_100_threads_100000_each() {
    mutex_counter(100, 100_000);
}

/// The FIFO mutex at 100 x 1,000: it hands every permit to the **oldest**
/// waiter, which has long gone to sleep, so each hand-off is a wake-up and a
/// context switch (about 25 us here); 100 x 100,000 would take minutes.
#[test]
fn fifo_mutex_counter_100_threads() {
    let m = Arc::new(mutex::Mutex::new_fifo(0usize));
    let m2 = m.clone();
    par(100, move |_| {
        for _ in 0..1_000 {
            *m2.lock() += 1;
        }
    });
    assert_eq!(*m.lock(), 100_000);
}

#[test]
fn multiplex_of_5_with_7_contenders_reaches_exactly_5() {
    let m = Arc::new(multiplex::Multiplex::new(5));
    let occ = Arc::new(Occ::default());
    let o = occ.clone();
    par(7, move |_| {
        for _ in 0..50 {
            m.run(|| {
                o.enter(5);
                std::thread::sleep(Duration::from_micros(200));
                o.leave();
            });
        }
    });
    assert_eq!(occ.max.load(SeqCst), 5, "never reached 5 inside");
}

#[test]
fn one_shot_barrier_16_threads() {
    let b = Arc::new(barrier::OneShotBarrier::new(16));
    let arrived = Arc::new(AtomicUsize::new(0));
    par(16, move |_| {
        arrived.fetch_add(1, SeqCst);
        b.wait();
        assert_eq!(arrived.load(SeqCst), 16);
    });
}

#[test]
fn barrier_reused_1000_times() {
    let n = 8;
    let b = Arc::new(Barrier::new(n));
    let arrived: Arc<Vec<AtomicUsize>> = Arc::new((0..1000).map(|_| AtomicUsize::new(0)).collect());
    let leaders = Arc::new(AtomicUsize::new(0));
    let l = leaders.clone();
    par(n, move |_| {
        for k in 0..1000 {
            arrived[k].fetch_add(1, SeqCst);
            if b.wait_leader() {
                l.fetch_add(1, SeqCst);
            }
            assert_eq!(arrived[k].load(SeqCst), n, "round {k} passed early");
        }
    });
    assert_eq!(leaders.load(SeqCst), 1000);
}

#[test]
fn async_barrier_reused_1000_times_on_tokio() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    rt.block_on(async {
        let n = 8;
        let b = Arc::new(tasks::Barrier::new(n));
        let arrived: Arc<Vec<AtomicUsize>> =
            Arc::new((0..1000).map(|_| AtomicUsize::new(0)).collect());
        let hs: Vec<_> = (0..n)
            .map(|_| {
                let (b, arrived) = (b.clone(), arrived.clone());
                tokio::spawn(async move {
                    for k in 0..1000 {
                        arrived[k].fetch_add(1, SeqCst);
                        b.wait().await;
                        assert_eq!(arrived[k].load(SeqCst), n);
                    }
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
}

#[test]
fn async_semaphore_100_tasks_on_tokio() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    rt.block_on(async {
        let s = Arc::new(tasks::Semaphore::new(1));
        let occ = Arc::new(Occ::default());
        let count = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..100)
            .map(|_| {
                let (s, occ, count) = (s.clone(), occ.clone(), count.clone());
                tokio::spawn(async move {
                    for _ in 0..1000 {
                        s.wait().await;
                        occ.enter(1);
                        count.fetch_add(1, SeqCst);
                        occ.leave();
                        s.signal();
                    }
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
        assert_eq!(count.load(SeqCst), 100_000);
    });
}

#[test]
fn async_cancellation_storm_loses_no_permit() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    rt.block_on(async {
        let s = Arc::new(tasks::FifoSemaphore::new(3));
        for round in 0..200 {
            let hs: Vec<_> = (0..8)
                .map(|_| {
                    let s = s.clone();
                    tokio::spawn(async move {
                        // No await point while holding the permit: a bare
                        // permit (no guard) aborted there would be lost by
                        // design. Aborts land before or during `wait`.
                        s.wait().await;
                        std::thread::yield_now();
                        s.signal();
                    })
                })
                .collect();
            for (i, h) in hs.into_iter().enumerate() {
                if (i + round) % 3 == 0 {
                    h.abort();
                }
                let _ = h.await;
            }
        }
        // All three permits are still there, and no more.
        assert!(s.try_wait() && s.try_wait() && s.try_wait());
        assert!(!s.try_wait());
    });
}

#[test]
fn queue_50_pairs() {
    let q = Arc::new(queue::Queue::new());
    let c = Arc::new([
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ]);
    par(100, move |i| {
        let side = i % 2;
        c[side].fetch_add(1, SeqCst);
        if side == 0 {
            q.leader()
        } else {
            q.follower()
        }
        let passed = c[2 + side].fetch_add(1, SeqCst) + 1;
        assert!(passed <= c[1 - side].load(SeqCst));
    });
}

#[test]
fn exclusive_queue_50_pairs() {
    let q = Arc::new(queue::ExclusiveQueue::new());
    let dancing = Arc::new([Occ::default(), Occ::default()]);
    par(100, move |i| {
        let side = i % 2;
        let dance = || {
            dancing[side].enter(1);
            std::thread::yield_now();
            dancing[side].leave();
        };
        if side == 0 {
            q.leader(dance)
        } else {
            q.follower(dance)
        }
    });
}

// ---------------------------------------------------------------- chapter 4

#[test]
fn buffer_4_producers_4_consumers() {
    let b = Arc::new(producer_consumer::Buffer::new());
    let got = Arc::new(Mutex::new(Vec::new()));
    let (b2, g2) = (b.clone(), got.clone());
    par(8, move |i| {
        if i < 4 {
            for k in 0..1000 {
                b2.put((i, k));
            }
        } else {
            let mut last = [None; 4];
            for _ in 0..1000 {
                let (p, k) = b2.get();
                // Each producer's events come out in order.
                assert!(last[p].is_none_or(|l| l < k));
                last[p] = Some(k);
                g2.lock().unwrap().push((p, k));
            }
        }
    });
    let mut all = got.lock().unwrap().clone();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4000);
}

#[test]
fn bounded_buffer_never_overfills() {
    let b = Arc::new(producer_consumer::BoundedBuffer::new(3));
    // puts completed (counted after `put` returns) minus gets started
    // (counted before `get` is called) never exceeds what the buffer holds.
    let puts = Arc::new(std::sync::atomic::AtomicIsize::new(0));
    let gets = Arc::new(std::sync::atomic::AtomicIsize::new(0));
    par(8, move |i| {
        for _ in 0..2000 {
            if i % 2 == 0 {
                b.put(i);
                let p = puts.fetch_add(1, SeqCst) + 1;
                assert!(
                    p - gets.load(SeqCst) <= 3,
                    "more than 3 items in the buffer"
                );
            } else {
                gets.fetch_add(1, SeqCst);
                b.get();
            }
        }
    });
}

fn rw_stress<P: readers_writers::Protocol + 'static>() {
    let l = Arc::new(readers_writers::RwLock::<(u64, u64), P>::new((0, 0)));
    let l2 = l.clone();
    par(10, move |i| {
        for _ in 0..500 {
            if i < 2 {
                let mut g = l2.write();
                g.0 += 1;
                std::thread::yield_now();
                g.1 += 1;
            } else {
                let g = l2.read();
                assert_eq!(g.0, g.1, "reader saw a half-done write");
            }
        }
    });
    let g = l.read();
    assert_eq!(*g, (1000, 1000));
}

#[test]
fn readers_writers_all_policies() {
    rw_stress::<readers_writers::ReadersFirst>();
    rw_stress::<readers_writers::NoStarve>();
    rw_stress::<readers_writers::WriterPriority>();
}

#[test]
fn morris_mutex_16_threads() {
    let m = Arc::new(no_starve_mutex::MorrisMutex::new(0usize));
    let m2 = m.clone();
    par(16, move |_| {
        for _ in 0..2000 {
            *m2.lock() += 1;
        }
    });
    assert_eq!(*m.lock(), 32_000);
}

fn philosophers_stress<T: dining_philosophers::Table + 'static>(t: T) {
    use dining_philosophers::{left, right};
    let n = t.seats();
    let t = Arc::new(t);
    let forks: Arc<Vec<AtomicBool>> = Arc::new((0..n).map(|_| AtomicBool::new(false)).collect());
    let meals = Arc::new(AtomicUsize::new(0));
    let m = meals.clone();
    par(n, move |i| {
        for _ in 0..500 {
            t.dine(i, || {
                for f in [left(i), right(i, n)] {
                    assert!(!forks[f].swap(true, SeqCst), "fork {f} shared");
                }
                std::thread::yield_now();
                for f in [left(i), right(i, n)] {
                    forks[f].store(false, SeqCst);
                }
                m.fetch_add(1, SeqCst);
            });
        }
    });
    assert_eq!(meals.load(SeqCst), n * 500);
}

#[test]
fn dining_philosophers_all_tables() {
    philosophers_stress(dining_philosophers::FootmanTable::new(5));
    philosophers_stress(dining_philosophers::LeftyTable::new(5));
    philosophers_stress(dining_philosophers::TanenbaumTable::new(5));
}

#[test]
fn smokers_300_rounds() {
    use smokers::Ingredient;
    let s = Arc::new(smokers::Smokers::new());
    let table = Arc::new(Mutex::new(Vec::<Ingredient>::new()));
    let rounds = 100;
    // 3 agents x rounds; each ingredient is put out 2 x rounds times; each
    // smoker smokes `rounds` times.
    par(9, move |i| {
        let ing = Ingredient::ALL[i % 3];
        match i / 3 {
            0 => {
                for _ in 0..rounds {
                    s.agent(ing, || {
                        let mut t = table.lock().unwrap();
                        assert!(t.is_empty());
                        t.extend(ing.others());
                    })
                }
            }
            1 => {
                for _ in 0..2 * rounds {
                    s.pusher(ing)
                }
            }
            _ => {
                for _ in 0..rounds {
                    s.smoker(ing, || {
                        let mut t = table.lock().unwrap();
                        assert!(!t.contains(&ing) && t.len() == 2, "wrong smoker woken");
                        t.clear();
                    })
                }
            }
        }
    });
}

#[test]
fn generalized_smokers() {
    use smokers::Ingredient;
    let s = Arc::new(smokers::GeneralizedSmokers::new());
    let smoked = Arc::new(AtomicUsize::new(0));
    let sm = smoked.clone();
    par(7, move |i| match i {
        0 => (0..200).for_each(|_| s.agent(Ingredient::Matches)),
        1 => (0..200).for_each(|_| s.pusher(Ingredient::Tobacco)),
        2 => (0..200).for_each(|_| s.pusher(Ingredient::Paper)),
        3 => (0..200).for_each(|_| {
            s.smoker(Ingredient::Matches, || sm.fetch_add(1, SeqCst));
        }),
        _ => {}
    });
    assert_eq!(smoked.load(SeqCst), 200);
}

// ---------------------------------------------------------------- chapter 5

#[test]
fn savages_and_cook() {
    let pot = Arc::new(savages::Pot::new(5));
    let servings = Arc::new(std::sync::atomic::AtomicIsize::new(0));
    let (p, s) = (pot.clone(), servings.clone());
    let cook = std::thread::spawn(move || {
        // 8 savages x 100 servings / 5 per fill
        for _ in 0..160 {
            p.cook(|m| {
                assert_eq!(s.load(SeqCst), 0, "filled a non-empty pot");
                s.store(m as isize, SeqCst);
            });
        }
    });
    par(8, move |_| {
        for _ in 0..100 {
            pot.get_serving(|| assert!(servings.fetch_sub(1, SeqCst) > 0, "empty pot"));
        }
    });
    cook.join().unwrap();
}

#[test]
fn barbershop_20_customers() {
    let shop = Arc::new(barbershop::Barbershop::new(4));
    let cuts = Arc::new(AtomicUsize::new(0));
    let served = Arc::new(AtomicUsize::new(0));
    let (b, c) = (shop.clone(), cuts.clone());
    let barber = std::thread::spawn(move || {
        while b.barber(|| {
            c.fetch_add(1, SeqCst);
        }) {}
    });
    let (s2, sv) = (shop.clone(), served.clone());
    let chair = Arc::new(Occ::default());
    par(20, move |_| {
        for _ in 0..20 {
            if s2.customer(|| {
                chair.enter(1);
                chair.leave();
            }) == barbershop::Visit::Haircut
            {
                sv.fetch_add(1, SeqCst);
            }
        }
    });
    shop.close();
    barber.join().unwrap();
    assert_eq!(cuts.load(SeqCst), served.load(SeqCst));
}

#[test]
fn fifo_barbershop_20_customers() {
    let shop = Arc::new(barbershop::FifoBarbershop::new(4));
    let entered = Arc::new(Mutex::new(Vec::new()));
    let cut = Arc::new(Mutex::new(Vec::new()));
    let b = shop.clone();
    let barber = std::thread::spawn(move || while b.barber(|| {}) {});
    let (s2, e2, c2) = (shop.clone(), entered.clone(), cut.clone());
    par(20, move |i| {
        for k in 0..10 {
            s2.customer(
                || e2.lock().unwrap().push((i, k)),
                || c2.lock().unwrap().push((i, k)),
            );
        }
    });
    shop.close();
    barber.join().unwrap();
    assert_eq!(*entered.lock().unwrap(), *cut.lock().unwrap());
}

#[test]
fn hilzer_20_customers_3_barbers() {
    struct C {
        sofa: Arc<Occ>,
    }
    impl hilzer::Customer for C {
        fn sit_on_sofa(&mut self) {
            self.sofa.enter(4);
        }
        fn sit_in_barber_chair(&mut self) {
            self.sofa.leave();
        }
    }
    struct B {
        register: Arc<Occ>,
        cuts: Arc<AtomicUsize>,
    }
    impl hilzer::Barber for B {
        fn cut_hair(&mut self) {
            self.cuts.fetch_add(1, SeqCst);
        }
        fn accept_payment(&mut self) {
            self.register.enter(1);
            self.register.leave();
        }
    }
    let shop = Arc::new(hilzer::HilzerShop::new(20, 4));
    let cuts = Arc::new(AtomicUsize::new(0));
    let register = Arc::new(Occ::default());
    let barbers: Vec<_> = (0..3)
        .map(|_| {
            let shop = shop.clone();
            let mut b = B {
                register: register.clone(),
                cuts: cuts.clone(),
            };
            std::thread::spawn(move || while shop.barber(&mut b) {})
        })
        .collect();
    let served = Arc::new(AtomicUsize::new(0));
    let sofa = Arc::new(Occ::default());
    let (s2, sv) = (shop.clone(), served.clone());
    par(25, move |_| {
        let mut c = C { sofa: sofa.clone() };
        for _ in 0..10 {
            if s2.customer(&mut c) == hilzer::Visit::Haircut {
                sv.fetch_add(1, SeqCst);
            }
        }
    });
    shop.close(3);
    for b in barbers {
        b.join().unwrap();
    }
    assert_eq!(cuts.load(SeqCst), served.load(SeqCst));
}

#[test]
fn santa_nine_reindeer_and_elves() {
    let pole = Arc::new(santa::NorthPole::new());
    let sleigh = Arc::new(AtomicBool::new(false));
    let (p, s) = (pole.clone(), sleigh.clone());
    let helping = Arc::new(Occ::default());
    let santa = std::thread::spawn(move || {
        // 1 reindeer wake-up and 4 groups of 3 elves
        let mut woke = Vec::new();
        for _ in 0..5 {
            woke.push(p.santa(|| s.store(true, SeqCst), || {}));
        }
        assert_eq!(
            woke.iter()
                .filter(|w| **w == santa::Wakeup::Reindeer)
                .count(),
            1
        );
    });
    let (p2, s2, h2) = (pole.clone(), sleigh.clone(), helping.clone());
    par(21, move |i| {
        if i < 9 {
            p2.reindeer(|| assert!(s2.load(SeqCst), "hitched before the sleigh was ready"));
        } else {
            p2.elf(|| {
                h2.enter(3);
                std::thread::yield_now();
                h2.leave();
            });
        }
    });
    santa.join().unwrap();
}

#[test]
fn h2o_100_molecules() {
    let w = Arc::new(h2o::Water::new());
    let bonds = Arc::new(Mutex::new(Vec::new()));
    let b2 = bonds.clone();
    par(300, move |i| {
        let b = b2.clone();
        if i % 3 == 0 {
            w.oxygen(|| b.lock().unwrap().push('O'))
        } else {
            w.hydrogen(|| b.lock().unwrap().push('H'))
        }
    });
    let b = bonds.lock().unwrap();
    for m in b.chunks(3) {
        assert_eq!(
            m.iter().filter(|c| **c == 'O').count(),
            1,
            "bad molecule {m:?}"
        );
    }
}

#[test]
fn river_crossing_40_passengers() {
    use river::Kind;
    let dock = Arc::new(river::Dock::new());
    let boarded = Arc::new(Mutex::new(Vec::new()));
    let rows = Arc::new(AtomicUsize::new(0));
    let (b2, r2) = (boarded.clone(), rows.clone());
    par(40, move |i| {
        let kind = if i % 2 == 0 { Kind::Hacker } else { Kind::Serf };
        let b = b2.clone();
        dock.cross(
            kind,
            || b.lock().unwrap().push(kind),
            || {
                r2.fetch_add(1, SeqCst);
            },
        );
    });
    assert_eq!(rows.load(SeqCst), 10);
    for load in boarded.lock().unwrap().chunks(4) {
        let h = load.iter().filter(|k| **k == Kind::Hacker).count();
        assert!(h % 2 == 0, "illegal boatload {load:?}");
    }
}

#[derive(Clone)]
struct LogCar(usize, Arc<Mutex<Vec<(usize, &'static str)>>>);

impl roller_coaster::Car for LogCar {
    fn load(&mut self) {
        self.1.lock().unwrap().push((self.0, "load"));
    }
    fn unload(&mut self) {
        self.1.lock().unwrap().push((self.0, "unload"));
    }
}

#[test]
fn roller_coaster_one_car() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let c = Arc::new(roller_coaster::Coaster::new(4));
    let aboard = Arc::new(Occ::default());
    let (c2, l2) = (c.clone(), log.clone());
    let car = std::thread::spawn(move || {
        let mut car = LogCar(0, l2);
        for _ in 0..100 {
            c2.car(&mut car);
        }
    });
    // Exactly 100 x 4 rides are handed out as tickets; a passenger takes a
    // ticket only when off the car, so every ride can be filled.
    let tickets = Arc::new(AtomicUsize::new(0));
    par(10, move |_| {
        while tickets.fetch_add(1, SeqCst) < 400 {
            c.passenger(|| aboard.enter(4), || aboard.leave());
        }
    });
    car.join().unwrap();
}

#[test]
fn roller_coaster_three_cars() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let m = Arc::new(roller_coaster::MultiCarCoaster::new(3, 2));
    let cars: Vec<_> = (0..3)
        .map(|i| {
            let (m, l) = (m.clone(), log.clone());
            std::thread::spawn(move || {
                let mut car = LogCar(i, l);
                for _ in 0..50 {
                    m.car(i, &mut car);
                }
            })
        })
        .collect();
    let tickets = Arc::new(AtomicUsize::new(0));
    par(8, move |_| {
        while tickets.fetch_add(1, SeqCst) < 3 * 50 * 2 {
            m.passenger(|| {}, || {});
        }
    });
    for c in cars {
        c.join().unwrap();
    }
    let l = log.lock().unwrap();
    let loads: Vec<_> = l.iter().filter(|e| e.1 == "load").map(|e| e.0).collect();
    let unloads: Vec<_> = l.iter().filter(|e| e.1 == "unload").map(|e| e.0).collect();
    assert_eq!(loads, unloads);
}

// ---------------------------------------------------------------- chapter 6

#[test]
fn search_insert_delete_12_threads() {
    let l = Arc::new(search_insert_delete::SearchInsertDelete::new());
    let inside = Arc::new([Occ::default(), Occ::default(), Occ::default()]);
    par(12, move |i| {
        let role = i % 3;
        for _ in 0..300 {
            let f = || {
                inside[role].enter([usize::MAX, 1, 1][role]);
                if role == 2 {
                    assert_eq!(inside[0].now.load(SeqCst) + inside[1].now.load(SeqCst), 0);
                } else {
                    assert_eq!(inside[2].now.load(SeqCst), 0);
                }
                inside[role].leave();
            };
            match role {
                0 => l.search(f),
                1 => l.insert(f),
                _ => l.delete(f),
            }
        }
    });
}

fn bathroom_stress(visit: impl Fn(usize, &dyn Fn()) + Send + Sync + 'static, cap: usize) {
    let inside = Arc::new([Occ::default(), Occ::default()]);
    par(10, move |i| {
        let g = i % 2;
        for _ in 0..300 {
            visit(g, &|| {
                inside[g].enter(cap);
                assert_eq!(inside[1 - g].now.load(SeqCst), 0, "mixed");
                inside[g].leave();
            });
        }
    });
}

#[test]
fn unisex_bathrooms_and_rope() {
    use unisex_bathroom::{Bathroom, Direction, Group, Rope};
    let g = |i| if i == 0 { Group::Female } else { Group::Male };
    let b = Bathroom::new(3);
    bathroom_stress(move |i, f| b.visit(g(i), f), 3);
    let b = Bathroom::new_no_starve(3);
    bathroom_stress(move |i, f| b.visit(g(i), f), 3);
    let r = Rope::new(5);
    bathroom_stress(
        move |i, f| {
            r.cross(
                if i == 0 {
                    Direction::East
                } else {
                    Direction::West
                },
                f,
            )
        },
        5,
    );
}

#[test]
fn modus_hall_12_students() {
    use modus_hall::Faction;
    let h = Arc::new(modus_hall::ModusHall::new());
    let inside = Arc::new([Occ::default(), Occ::default()]);
    par(12, move |i| {
        let f = if i % 3 == 0 {
            Faction::Prude
        } else {
            Faction::Heathen
        };
        for _ in 0..200 {
            h.cross(f, || {
                let me = f as usize;
                inside[me].enter(usize::MAX);
                assert_eq!(inside[1 - me].now.load(SeqCst), 0, "factions mixed");
                inside[me].leave();
            });
        }
    });
}

// ---------------------------------------------------------------- chapter 7

#[test]
fn sushi_bar_12_customers() {
    let bar = Arc::new(sushi_bar::SushiBar::new(5));
    let occ = Arc::new(Occ::default());
    par(12, move |_| {
        for _ in 0..200 {
            bar.eat(|| {
                occ.enter(5);
                std::thread::yield_now();
                occ.leave();
            });
        }
    });
}

#[test]
fn child_care_ratio_holds() {
    let cc = Arc::new(child_care::ChildCare::new(3));
    // (adults present: superset, children inside: subset), checked together.
    let here = Arc::new(Mutex::new((0usize, 0usize)));
    let kids_done = Arc::new(AtomicUsize::new(0));
    par(12, move |i| {
        if i < 3 {
            while kids_done.load(SeqCst) < 9 * 100 {
                here.lock().unwrap().0 += 1;
                cc.adult(std::thread::yield_now);
                let mut h = here.lock().unwrap();
                h.0 -= 1;
                assert!(h.1 <= 3 * h.0, "an adult left too many children");
            }
        } else {
            for _ in 0..100 {
                cc.child(|| {
                    {
                        let mut h = here.lock().unwrap();
                        h.1 += 1;
                        assert!(h.1 <= 3 * h.0, "ratio broken");
                    }
                    here.lock().unwrap().1 -= 1;
                });
                kids_done.fetch_add(1, SeqCst);
            }
        }
    });
}

#[test]
fn room_party_dean_visits() {
    let room = Arc::new(room_party::Room::new(5));
    let inside = Arc::new(Occ::default());
    let stop = Arc::new(AtomicBool::new(false));
    let (r, i2, st) = (room.clone(), inside.clone(), stop.clone());
    let dean = std::thread::spawn(move || {
        let mut visits = 0;
        while !st.load(SeqCst) || visits == 0 {
            r.dean(|| assert_eq!(i2.now.load(SeqCst), 0), || {});
            visits += 1;
            std::thread::yield_now();
        }
    });
    let (r, i3) = (room.clone(), inside.clone());
    par(10, move |_| {
        for _ in 0..100 {
            r.student(|| {
                i3.enter(usize::MAX);
                std::thread::yield_now();
                i3.leave();
            });
        }
    });
    stop.store(true, SeqCst);
    dean.join().unwrap();
}

#[test]
fn senate_bus_200_riders() {
    let stop = Arc::new(senate_bus::BusStop::new(50));
    let boarded = Arc::new(AtomicUsize::new(0));
    let (s, b) = (stop.clone(), boarded.clone());
    let bus = std::thread::spawn(move || {
        let mut total = 0;
        while total < 200 {
            let n = s.bus(|| {});
            assert!(n <= 50);
            total += n;
            std::thread::yield_now();
        }
        assert_eq!(b.load(SeqCst), 200);
    });
    let b2 = boarded.clone();
    par(200, move |_| {
        stop.rider(|| {
            b2.fetch_add(1, SeqCst);
        })
    });
    bus.join().unwrap();
}

#[test]
fn faneuil_hall_many_immigrants() {
    use faneuil_hall::{FaneuilHall, Immigrant, Judge};
    struct I(Arc<AtomicBool>);
    impl Immigrant for I {
        fn enter(&mut self) {
            assert!(!self.0.load(SeqCst), "entered while the judge was in");
        }
        fn leave(&mut self) {
            assert!(!self.0.load(SeqCst), "left while the judge was in");
        }
    }
    struct J(Arc<AtomicBool>, Arc<AtomicUsize>);
    impl Judge for J {
        fn enter(&mut self) {
            self.0.store(true, SeqCst);
        }
        fn confirm(&mut self, n: usize) {
            self.1.fetch_add(n, SeqCst);
        }
        fn leave(&mut self) {
            self.0.store(false, SeqCst);
        }
    }
    let hall = Arc::new(FaneuilHall::new());
    let judge_in = Arc::new(AtomicBool::new(false));
    let confirmed = Arc::new(AtomicUsize::new(0));
    let (h, j, c) = (hall.clone(), judge_in.clone(), confirmed.clone());
    let judge = std::thread::spawn(move || {
        let mut jj = J(j, c.clone());
        while c.load(SeqCst) < 50 {
            h.judge(&mut jj);
            std::thread::yield_now();
        }
    });
    par(60, move |i| {
        if i < 50 {
            hall.immigrant(&mut I(judge_in.clone()));
        } else {
            hall.spectator(|| {});
        }
    });
    judge.join().unwrap();
}

#[test]
fn dining_hall_40_students() {
    let hall = Arc::new(dining_hall::DiningHall::new());
    let done = Arc::new(AtomicUsize::new(0));
    let d = done.clone();
    par(40, move |_| {
        hall.student(std::thread::yield_now, || {
            d.fetch_add(1, SeqCst);
        })
    });
    assert_eq!(done.load(SeqCst), 40);
}

// ---------------------------------------------------------------- chapter 8

#[test]
fn mutex_checker_100000() {
    let m = Arc::new(mutex_checker::MutexChecker::new(100_000));
    let m2 = m.clone();
    par(2, move |_| {
        m2.child();
    });
    assert_eq!(
        m.histogram(),
        std::collections::BTreeMap::from([(1, 100_000)])
    );
}

#[test]
fn coke_machine_2_and_2() {
    let m = Arc::new(coke_machine::CokeMachine::new(10, 5));
    par(4, move |i| {
        for _ in 0..5000 {
            let n = if i < 2 { m.produce() } else { m.consume() };
            assert!(n <= 10);
        }
    });
}

// Keep the unused-import lint quiet when some primitives are only used by
// a subset of the tests above.
#[allow(dead_code)]
fn _uses(_: FifoSemaphore, _: Semaphore) {}
