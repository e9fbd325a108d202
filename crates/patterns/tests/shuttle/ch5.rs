//! Chapter 5 problems under shuttle.

use super::harness::*;
use lbos_patterns::blocking::Semaphore;
use lbos_patterns::problems::barbershop::{Barbershop, FifoBarbershop, Visit};
use lbos_patterns::problems::h2o::Water;
use lbos_patterns::problems::hilzer::{self, HilzerShop};
use lbos_patterns::problems::river::{Dock, Kind};
use lbos_patterns::problems::roller_coaster::{Car, Coaster, MultiCarCoaster};
use lbos_patterns::problems::santa::{NorthPole, Wakeup};
use lbos_patterns::problems::savages::Pot;
use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

type Actor = Box<dyn FnOnce() + Send>;

fn savages_scenario(
    pot: impl Fn(&dyn Fn()) + Send + Sync + 'static,
    cook: impl Fn(&dyn Fn(usize)) + Send + Sync + 'static,
    rounds: usize,
) {
    let pot = Arc::new(pot);
    let servings = Arc::new(AtomicIsize::new(0));
    let mut actors: Vec<Actor> = Vec::new();
    for _ in 0..3 {
        let (pot, s) = (pot.clone(), servings.clone());
        actors.push(Box::new(move || {
            pot(&|| {
                let left = s.fetch_sub(1, Ordering::SeqCst);
                assert!(left > 0, "serving taken from an empty pot");
            })
        }));
    }
    let s = servings.clone();
    actors.push(Box::new(move || {
        for _ in 0..rounds {
            cook(&|m| {
                assert_eq!(s.load(Ordering::SeqCst), 0, "cook filled a non-empty pot");
                s.store(m as isize, Ordering::SeqCst);
            })
        }
    }));
    run_all(actors);
}

#[test]
fn savages_never_eat_from_empty_pot() {
    // 3 servings, pot of 2: the cook fills twice.
    explore(|| {
        let p = Arc::new(Pot::new(2));
        let p2 = p.clone();
        savages_scenario(move |take| p.get_serving(take), move |put| p2.cook(put), 2);
    });
}

/// Each savage checks the pot and waits for the cook without holding the
/// mutex: two savages both see it empty and both wake the cook.
#[test]
fn broken_savages_without_mutex_are_caught() {
    expect_bug(5000, || {
        let servings = Arc::new(AtomicUsize::new(0));
        let empty = Arc::new(Semaphore::new(0));
        let full = Arc::new(Semaphore::new(0));
        let (s2, e2, f2) = (servings.clone(), empty.clone(), full.clone());
        savages_scenario(
            move |take| {
                if s2.load(Ordering::SeqCst) == 0 {
                    e2.signal();
                    f2.wait();
                    s2.store(2, Ordering::SeqCst);
                }
                s2.fetch_sub(1, Ordering::SeqCst);
                take();
            },
            move |put| {
                empty.wait();
                put(2);
                full.signal();
            },
            2,
        );
    });
}

fn barbershop_scenario(customers: usize, shop: Arc<Barbershop>) {
    let in_chair = Occupancy::new();
    let cuts = Arc::new(AtomicUsize::new(0));
    let served = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..customers)
        .map(|_| {
            let (shop, in_chair, served) = (shop.clone(), in_chair.clone(), served.clone());
            shuttle::thread::spawn(move || {
                let v = shop.customer(|| {
                    in_chair.enter(1, "customers getting a haircut");
                    shuttle::thread::yield_now();
                    in_chair.leave();
                });
                if v == Visit::Haircut {
                    served.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    let (b, c) = (shop.clone(), cuts.clone());
    let barber = shuttle::thread::spawn(move || {
        while b.barber(|| {
            c.fetch_add(1, Ordering::SeqCst);
        }) {}
    });
    for h in hs {
        h.join().unwrap();
    }
    shop.close();
    barber.join().unwrap();
    assert_eq!(
        cuts.load(Ordering::SeqCst),
        served.load(Ordering::SeqCst),
        "a cut without a customer"
    );
    assert!(served.load(Ordering::SeqCst) >= 1);
}

#[test]
fn barbershop() {
    explore(|| barbershop_scenario(3, Arc::new(Barbershop::new(2))));
}

#[test]
fn fifo_barbershop_serves_in_order() {
    explore(|| {
        let shop = Arc::new(FifoBarbershop::new(2));
        let entered = Log::new();
        let cut = Log::new();
        let hs: Vec<_> = (0..3)
            .map(|i| {
                let (shop, entered, cut) = (shop.clone(), entered.clone(), cut.clone());
                shuttle::thread::spawn(move || shop.customer(|| entered.push(i), || cut.push(i)))
            })
            .collect();
        let b = shop.clone();
        let barber = shuttle::thread::spawn(move || while b.barber(|| {}) {});
        for h in hs {
            h.join().unwrap();
        }
        shop.close();
        barber.join().unwrap();
        assert_eq!(
            entered.snapshot(),
            cut.snapshot(),
            "served out of arrival order"
        );
    });
}

#[derive(Clone)]
struct HilzerCustomer {
    id: usize,
    sofa: usize,
    barbers: usize,
    log: Arc<Log<(usize, &'static str)>>,
    in_shop: Arc<Occupancy>,
    on_sofa: Arc<Occupancy>,
    cutting: Arc<Occupancy>,
}

impl hilzer::Customer for HilzerCustomer {
    fn enter_shop(&mut self) {
        self.in_shop.enter(3, "customers in shop");
        self.log.push((self.id, "enter"));
    }
    fn sit_on_sofa(&mut self) {
        self.on_sofa.enter(self.sofa, "sofa");
        self.log.push((self.id, "sofa"));
    }
    fn sit_in_barber_chair(&mut self) {
        self.on_sofa.leave();
        self.log.push((self.id, "chair"));
    }
    fn get_haircut(&mut self) {
        self.cutting.enter(self.barbers, "haircuts");
        self.log.push((self.id, "cut"));
        shuttle::thread::yield_now();
        self.cutting.leave();
    }
    fn pay(&mut self) {
        self.log.push((self.id, "pay"));
    }
}

struct HilzerBarber {
    register: Arc<Occupancy>,
    accepted: Arc<AtomicUsize>,
}

impl hilzer::Barber for HilzerBarber {
    fn accept_payment(&mut self) {
        self.register.enter(1, "cash register");
        self.accepted.fetch_add(1, Ordering::SeqCst);
        shuttle::thread::yield_now();
        self.register.leave();
    }
}

fn hilzer_scenario(barbers: usize, sofa: usize) {
    {
        let shop = Arc::new(HilzerShop::new(3, sofa));
        let template = HilzerCustomer {
            id: 0,
            sofa,
            barbers,
            log: Log::new(),
            in_shop: Occupancy::new(),
            on_sofa: Occupancy::new(),
            cutting: Occupancy::new(),
        };
        let served = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..3)
            .map(|id| {
                let (shop, served) = (shop.clone(), served.clone());
                let mut c = HilzerCustomer {
                    id,
                    ..template.clone()
                };
                shuttle::thread::spawn(move || {
                    if shop.customer(&mut c) == Visit::Haircut {
                        served.fetch_add(1, Ordering::SeqCst);
                    }
                    c.in_shop.leave();
                })
            })
            .collect();
        let register = Occupancy::new();
        let accepted = Arc::new(AtomicUsize::new(0));
        let barber_threads: Vec<_> = (0..barbers)
            .map(|_| {
                let shop = shop.clone();
                let mut b = HilzerBarber {
                    register: register.clone(),
                    accepted: accepted.clone(),
                };
                shuttle::thread::spawn(move || while shop.barber(&mut b) {})
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        shop.close(barbers);
        for b in barber_threads {
            b.join().unwrap();
        }
        assert_eq!(served.load(Ordering::SeqCst), 3);
        assert_eq!(accepted.load(Ordering::SeqCst), 3);
        let log = template.log.snapshot();
        for id in 0..3 {
            let mine: Vec<_> = log
                .iter()
                .filter(|(i, _)| *i == id)
                .map(|(_, e)| *e)
                .collect();
            assert_eq!(
                mine,
                vec!["enter", "sofa", "chair", "cut", "pay"],
                "customer {id} out of order"
            );
        }
        if barbers == 1 {
            // One barber calls customers one at a time: chair order is the
            // order of calls, which must be sofa order.
            let on_sofa: Vec<_> = log
                .iter()
                .filter(|(_, e)| *e == "sofa")
                .map(|(i, _)| *i)
                .collect();
            let chair: Vec<_> = log
                .iter()
                .filter(|(_, e)| *e == "chair")
                .map(|(i, _)| *i)
                .collect();
            assert_eq!(on_sofa, chair, "not served in sofa order");
        }
    }
}

#[test]
fn hilzer_two_barbers_small_sofa() {
    explore_n(1000, || hilzer_scenario(2, 1));
}

#[test]
fn hilzer_one_barber_serves_in_sofa_order() {
    explore_n(1000, || hilzer_scenario(1, 2));
}

fn santa_scenario(
    santa: impl Fn(&dyn Fn(), &dyn Fn()) -> Wakeup + Send + Sync + 'static,
    reindeer: impl Fn(&dyn Fn()) + Send + Sync + 'static,
    elf: impl Fn(&dyn Fn()) + Send + Sync + 'static,
) {
    let (santa, reindeer, elf) = (Arc::new(santa), Arc::new(reindeer), Arc::new(elf));
    let log = Log::new();
    let helps = Arc::new(AtomicUsize::new(0));
    let helped = Arc::new(AtomicUsize::new(0));
    let mut actors: Vec<Actor> = Vec::new();
    for _ in 0..2 {
        let (r, log) = (reindeer.clone(), log.clone());
        actors.push(Box::new(move || {
            r(&|| {
                assert!(
                    log.contains(&"sleigh"),
                    "hitched before the sleigh was ready"
                )
            });
        }));
    }
    for _ in 0..3 {
        let (e, helps, helped) = (elf.clone(), helps.clone(), helped.clone());
        actors.push(Box::new(move || {
            e(&|| {
                let n = helped.fetch_add(1, Ordering::SeqCst) + 1;
                assert!(
                    n <= 3 * helps.load(Ordering::SeqCst),
                    "an elf got help without Santa"
                );
            })
        }));
    }
    let (l, h) = (log.clone(), helps.clone());
    actors.push(Box::new(move || {
        let mut woke = Vec::new();
        for _ in 0..2 {
            woke.push(santa(&|| l.push("sleigh"), &|| {
                h.fetch_add(1, Ordering::SeqCst);
            }));
        }
        woke.sort_by_key(|w| *w as usize);
        assert_eq!(woke, vec![Wakeup::Reindeer, Wakeup::Elves]);
    }));
    run_all(actors);
}

#[test]
fn santa_claus() {
    explore(|| {
        let pole = Arc::new(NorthPole::with_reindeer(2));
        let (p1, p2) = (pole.clone(), pole.clone());
        santa_scenario(
            move |sleigh, help| pole.santa(sleigh, help),
            move |h| p1.reindeer(h),
            move |g| p2.elf(g),
        );
    });
}

/// The book's listing: elves get help as soon as they have counted
/// themselves, without waiting for a group or for Santa.
#[test]
fn broken_book_santa_elves_are_caught() {
    expect_bug(2000, || {
        let n = 2;
        let counts = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]); // elves, reindeer
        let santa_sem = Arc::new(Semaphore::new(0));
        let reindeer_sem = Arc::new(Semaphore::new(0));
        let elf_tex = Arc::new(Semaphore::new(1));
        let mutex = Arc::new(Semaphore::new(1));
        let (c1, s1, r1, m1) = (
            counts.clone(),
            santa_sem.clone(),
            reindeer_sem.clone(),
            mutex.clone(),
        );
        let (c2, s2, r2, m2) = (
            counts.clone(),
            santa_sem.clone(),
            reindeer_sem.clone(),
            mutex.clone(),
        );
        let (c3, s3, m3) = (counts.clone(), santa_sem.clone(), mutex.clone());
        santa_scenario(
            move |sleigh, help| {
                s1.wait();
                m1.wait();
                let w = if c1[1].load(Ordering::SeqCst) >= n {
                    sleigh();
                    r1.signal_n(n);
                    c1[1].fetch_sub(n, Ordering::SeqCst);
                    Wakeup::Reindeer
                } else {
                    help();
                    Wakeup::Elves
                };
                m1.signal();
                w
            },
            move |hitch| {
                m2.wait();
                if c2[1].fetch_add(1, Ordering::SeqCst) + 1 == n {
                    s2.signal();
                }
                m2.signal();
                r2.wait();
                hitch();
            },
            move |get_help| {
                elf_tex.wait();
                m3.wait();
                if c3[0].fetch_add(1, Ordering::SeqCst) + 1 == 3 {
                    s3.signal();
                } else {
                    elf_tex.signal();
                }
                m3.signal();
                get_help();
                m3.wait();
                if c3[0].fetch_sub(1, Ordering::SeqCst) - 1 == 0 {
                    elf_tex.signal();
                }
                m3.signal();
            },
        );
    });
}

fn check_molecules(bonds: &[char]) {
    assert_eq!(bonds.len() % 3, 0);
    for m in bonds.chunks(3) {
        let o = m.iter().filter(|c| **c == 'O').count();
        assert_eq!(o, 1, "molecule {m:?} is not H2O");
    }
}

#[test]
fn h2o_molecules_do_not_interleave() {
    explore(|| {
        let w = Arc::new(Water::new());
        let bonds = Log::new();
        let mut actors: Vec<Actor> = Vec::new();
        for _ in 0..2 {
            let (w, b) = (w.clone(), bonds.clone());
            actors.push(Box::new(move || w.oxygen(|| b.push('O'))));
        }
        for _ in 0..4 {
            let (w, b) = (w.clone(), bonds.clone());
            actors.push(Box::new(move || w.hydrogen(|| b.push('H'))));
        }
        run_all(actors);
        check_molecules(&bonds.snapshot());
    });
}

/// Without holding the mutex across the barrier, the next molecule's atoms
/// can bond in the middle of this one.
#[test]
fn broken_h2o_releasing_mutex_early_is_caught() {
    expect_bug(5000, || {
        let mutex = Arc::new(Semaphore::new(1));
        let counts = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]); // O, H
        let oq = Arc::new(Semaphore::new(0));
        let hq = Arc::new(Semaphore::new(0));
        let bonds = Log::new();
        let mut actors: Vec<Actor> = Vec::new();
        for k in 0..6 {
            let is_o = k < 2;
            let (mutex, counts, oq, hq, bonds) = (
                mutex.clone(),
                counts.clone(),
                oq.clone(),
                hq.clone(),
                bonds.clone(),
            );
            actors.push(Box::new(move || {
                mutex.wait();
                counts[if is_o { 0 } else { 1 }].fetch_add(1, Ordering::SeqCst);
                if counts[0].load(Ordering::SeqCst) >= 1 && counts[1].load(Ordering::SeqCst) >= 2 {
                    counts[0].fetch_sub(1, Ordering::SeqCst);
                    counts[1].fetch_sub(2, Ordering::SeqCst);
                    oq.signal();
                    hq.signal_n(2);
                }
                mutex.signal();
                if is_o {
                    oq.wait()
                } else {
                    hq.wait()
                }
                bonds.push(if is_o { 'O' } else { 'H' });
            }));
        }
        run_all(actors);
        let b = bonds.snapshot();
        check_molecules(&b);
    });
}

fn river_scenario(kinds: &[Kind]) {
    let dock = Arc::new(Dock::new());
    let boarded = Log::new();
    let rows = Arc::new(AtomicUsize::new(0));
    let captains = Arc::new(AtomicUsize::new(0));
    let actors = kinds
        .iter()
        .map(|&k| {
            let (dock, boarded, rows, captains) = (
                dock.clone(),
                boarded.clone(),
                rows.clone(),
                captains.clone(),
            );
            Box::new(move || {
                let cap = dock.cross(
                    k,
                    || boarded.push(k),
                    || {
                        let n = rows.fetch_add(1, Ordering::SeqCst) + 1;
                        assert_eq!(
                            boarded.snapshot().len(),
                            4 * n,
                            "rowed before the load boarded"
                        );
                    },
                );
                if cap {
                    captains.fetch_add(1, Ordering::SeqCst);
                }
            }) as Actor
        })
        .collect();
    run_all(actors);
    let b = boarded.snapshot();
    for load in b.chunks(4) {
        let h = load.iter().filter(|k| **k == Kind::Hacker).count();
        assert!(h == 0 || h == 2 || h == 4, "illegal boatload {load:?}");
    }
    assert_eq!(captains.load(Ordering::SeqCst), kinds.len() / 4);
}

#[test]
fn river_crossing_mixed() {
    explore(|| river_scenario(&[Kind::Hacker, Kind::Hacker, Kind::Serf, Kind::Serf]));
}

#[test]
fn river_crossing_two_boats() {
    explore_n(1000, || {
        river_scenario(&[
            Kind::Hacker,
            Kind::Hacker,
            Kind::Hacker,
            Kind::Hacker,
            Kind::Serf,
            Kind::Serf,
            Kind::Hacker,
            Kind::Hacker,
        ])
    });
}

struct LogCar {
    id: usize,
    log: Arc<Log<(usize, &'static str)>>,
}

impl Car for LogCar {
    fn load(&mut self) {
        self.log.push((self.id, "load"));
    }
    fn run(&mut self) {
        self.log.push((self.id, "run"));
    }
    fn unload(&mut self) {
        self.log.push((self.id, "unload"));
    }
}

#[test]
fn roller_coaster_one_car() {
    explore(|| {
        let c = 2;
        let coaster = Arc::new(Coaster::new(c));
        let log: Arc<Log<(usize, &str)>> = Log::new();
        let aboard = Occupancy::new();
        let mut actors: Vec<Actor> = Vec::new();
        for _ in 0..4 {
            let (coaster, log, aboard) = (coaster.clone(), log.clone(), aboard.clone());
            actors.push(Box::new(move || {
                coaster.passenger(
                    || {
                        aboard.enter(c, "passengers aboard");
                        let l = log.snapshot();
                        let loads = l.iter().filter(|e| e.1 == "load").count();
                        let unloads = l.iter().filter(|e| e.1 == "unload").count();
                        assert_eq!(loads, unloads + 1, "boarded while the car was not loading");
                        log.push((9, "board"));
                    },
                    || {
                        let l = log.snapshot();
                        let loads = l.iter().filter(|e| e.1 == "load").count();
                        let unloads = l.iter().filter(|e| e.1 == "unload").count();
                        assert_eq!(loads, unloads, "unboarded before unload");
                        aboard.leave();
                    },
                )
            }));
        }
        let (coaster, l) = (coaster.clone(), log.clone());
        actors.push(Box::new(move || {
            let mut car = LogCar {
                id: 0,
                log: l.clone(),
            };
            for _ in 0..2 {
                coaster.car(&mut car);
                let snap = l.snapshot();
                let run = snap.iter().rposition(|e| e.1 == "run").unwrap();
                let boards = snap[..run].iter().filter(|e| e.1 == "board").count();
                assert_eq!(boards % c, 0);
            }
        }));
        run_all(actors);
    });
}

#[test]
fn roller_coaster_two_cars_unload_in_order() {
    explore(|| {
        let coaster = Arc::new(MultiCarCoaster::new(2, 1));
        let log = Log::new();
        let mut actors: Vec<Actor> = Vec::new();
        for p in 0..4usize {
            let (coaster, log) = (coaster.clone(), log.clone());
            actors.push(Box::new(move || {
                coaster.passenger(
                    || log.push((100 + p, "board")),
                    || log.push((100 + p, "unboard")),
                )
            }));
        }
        for i in 0..2 {
            let (coaster, l) = (coaster.clone(), log.clone());
            actors.push(Box::new(move || {
                let mut car = LogCar { id: i, log: l };
                for _ in 0..2 {
                    coaster.car(i, &mut car);
                }
            }));
        }
        run_all(actors);
        let l = log.snapshot();
        let loads: Vec<_> = l.iter().filter(|e| e.1 == "load").map(|e| e.0).collect();
        let unloads: Vec<_> = l.iter().filter(|e| e.1 == "unload").map(|e| e.0).collect();
        assert_eq!(loads, unloads, "cars unloaded out of loading order");
        assert_eq!(loads, vec![0, 1, 0, 1]);
        // With one seat per car, boarders and unboarders come in the same order.
        let b: Vec<_> = l.iter().filter(|e| e.1 == "board").map(|e| e.0).collect();
        let u: Vec<_> = l.iter().filter(|e| e.1 == "unboard").map(|e| e.0).collect();
        assert_eq!(b, u, "a passenger left a car it was not in");
    });
}
