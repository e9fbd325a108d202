//! The async flavour of every problem (`problems::NAME::tasks`), one scenario
//! per problem, written once and run two ways:
//!
//! * `cargo test -p lbos-patterns --features shuttle --test tasks`: under
//!   shuttle's random and PCT schedulers (through the shuttle-tokio package),
//!   on the small size of each scenario, `LBOS_SHUTTLE_ITERS` schedules per
//!   scheduler (default 1000). A failing schedule is printed for replay.
//! * `cargo test -p lbos-patterns --test tasks`: stress on tokio's
//!   multi-threaded runtime (4 workers) on the big size, with a deadline that
//!   turns a deadlock into a failure.
//!
//! Each scenario checks the properties of the thread flavour's tests
//! (`tests/shuttle/`, `tests/stress.rs`) with counters and logs that the test
//! owns, and joins every task (every actor finishes).
#![cfg(not(loom))]

use lbos_patterns::problems::tasks::*;
use std::future::Future;

#[cfg(feature = "shuttle")]
use shuttle::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::SeqCst},
};
#[cfg(not(feature = "shuttle"))]
use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::SeqCst},
};

/// Runs `scenario(small)` under shuttle (feature `shuttle`) or
/// `scenario(big)` on a multi-threaded tokio runtime.
fn check<Fut>(small: usize, big: usize, scenario: impl Fn(usize) -> Fut + Send + Sync + 'static)
where
    Fut: Future<Output = ()> + Send + 'static,
{
    #[cfg(feature = "shuttle")]
    {
        let _ = big;
        let iters = std::env::var("LBOS_SHUTTLE_ITERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        let f = std::sync::Arc::new(scenario);
        let g = f.clone();
        shuttle::check_random(move || shuttle::future::block_on(g(small)), iters);
        shuttle::check_pct(move || shuttle::future::block_on(f(small)), iters, 3);
    }
    #[cfg(not(feature = "shuttle"))]
    {
        let _ = small;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            tokio::time::timeout(std::time::Duration::from_secs(60), scenario(big))
                .await
                .expect("scenario did not finish within 60 s: deadlock or starvation");
        });
    }
}

/// Spawns `f(state, i)` for `i in 0..n` as tasks and awaits them all.
async fn par<S, Fut>(n: usize, s: &Arc<S>, f: impl Fn(Arc<S>, usize) -> Fut)
where
    S: Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let hs: Vec<_> = (0..n).map(|i| tokio::spawn(f(s.clone(), i))).collect();
    for h in hs {
        h.await.expect("actor panicked");
    }
}

/// Spawns one task.
fn spawn<S: Send + Sync + 'static, Fut>(
    s: &Arc<S>,
    f: impl FnOnce(Arc<S>) -> Fut,
) -> tokio::task::JoinHandle<()>
where
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(f(s.clone()))
}

async fn yield_now() {
    tokio::task::yield_now().await
}

/// Counts actors inside a region, with the maximum.
#[derive(Default)]
struct Occ {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl Occ {
    fn enter(&self, limit: usize, what: &str) {
        let n = self.now.fetch_add(1, SeqCst) + 1;
        assert!(n <= limit, "{what}: {n} inside, limit {limit}");
        self.max.fetch_max(n, SeqCst);
    }
    fn leave(&self) {
        self.now.fetch_sub(1, SeqCst);
    }
    fn now(&self) -> usize {
        self.now.load(SeqCst)
    }
}

fn log<T>() -> Mutex<Vec<T>> {
    Mutex::new(Vec::new())
}

// ---------------------------------------------------------------- chapter 3

#[test]
fn signal() {
    check(2, 16, |n| async move {
        let st = Arc::new((signaling::Signal::new(), AtomicBool::new(false)));
        let waiters = spawn(&st, |st| async move {
            par(n, &st, |st, _| async move {
                st.0.wait().await;
                assert!(st.1.load(SeqCst), "woke before the signal");
            })
            .await
        });
        st.1.store(true, SeqCst);
        st.0.notify();
        waiters.await.unwrap();
    });
}

#[test]
fn rendezvous() {
    check(2, 1000, |rounds| async move {
        let st = Arc::new((
            rendezvous::Rendezvous::new(),
            [AtomicUsize::new(0), AtomicUsize::new(0)],
        ));
        par(2, &st, move |st, side| async move {
            for k in 0..rounds {
                st.1[side].store(k + 1, SeqCst);
                if side == 0 {
                    st.0.a().await
                } else {
                    st.0.b().await
                }
                assert!(st.1[1 - side].load(SeqCst) > k, "passed round {k} alone");
            }
        })
        .await;
    });
}

async fn mutex_counter(m: mutex::Mutex<usize>, tasks: usize, each: usize) {
    let m = Arc::new(m);
    par(tasks, &m, move |m, _| async move {
        for _ in 0..each {
            let mut g = m.lock().await;
            let v = *g;
            yield_now().await;
            *g = v + 1;
        }
    })
    .await;
    assert_eq!(*m.lock().await, tasks * each, "lost update");
}

#[test]
fn mutex_weak_and_fifo() {
    check(3, 100, |n| async move {
        mutex_counter(mutex::Mutex::new(0), n, n * 10).await;
        mutex_counter(mutex::Mutex::new_fifo(0), n, n * 10).await;
    });
}

/// The scenario of `mutex_weak_and_fifo` with a multiplex of 2 in place of
/// the mutex: shuttle must find the lost update in the async flavour too.
#[cfg(feature = "shuttle")]
#[test]
fn broken_multiplex_as_mutex_is_caught() {
    let r = std::panic::catch_unwind(|| {
        check(2, 0, |n| async move {
            let st = Arc::new((multiplex::Multiplex::new(2), AtomicUsize::new(0)));
            par(n, &st, |st, _| async move {
                let _g = st.0.enter().await;
                let v = st.1.load(SeqCst);
                yield_now().await;
                st.1.store(v + 1, SeqCst);
            })
            .await;
            assert_eq!(st.1.load(SeqCst), n, "lost update");
        })
    });
    assert!(r.is_err(), "shuttle did not find the lost update");
}

#[test]
fn multiplex_of_3_with_5_contenders() {
    // At most 3 inside; on tokio, the multiplex must also fill up.
    check(1, 50, |rounds| async move {
        let st = Arc::new((multiplex::Multiplex::new(3), Occ::default()));
        par(5, &st, move |st, _| async move {
            for _ in 0..rounds {
                let _g = st.0.enter().await;
                st.1.enter(3, "multiplex");
                yield_now().await;
                st.1.leave();
            }
        })
        .await;
        if cfg!(not(feature = "shuttle")) {
            assert_eq!(st.1.max.load(SeqCst), 3, "never reached 3 inside");
        }
    });
}

#[test]
fn one_shot_barrier() {
    check(3, 64, |n| async move {
        let st = Arc::new((barrier::OneShotBarrier::new(n), AtomicUsize::new(0)));
        par(n, &st, move |st, _| async move {
            st.1.fetch_add(1, SeqCst);
            st.0.wait().await;
            assert_eq!(st.1.load(SeqCst), n, "passed before everyone arrived");
        })
        .await;
    });
}

#[test]
fn reusable_barrier_no_lap_overtaking() {
    // (parties, rounds)
    check(3, 1000, |rounds| async move {
        let n = if rounds == 3 { 3 } else { 8 };
        let st = Arc::new((
            lbos_patterns::tasks::Barrier::new(n),
            (0..rounds).map(|_| AtomicUsize::new(0)).collect::<Vec<_>>(),
            AtomicUsize::new(0),
        ));
        par(n, &st, move |st, _| async move {
            for k in 0..rounds {
                st.1[k].fetch_add(1, SeqCst);
                if st.0.wait().await {
                    st.2.fetch_add(1, SeqCst);
                }
                assert_eq!(st.1[k].load(SeqCst), n, "left round {k} early");
                if k + 1 < rounds {
                    assert!(
                        st.1[k + 1].load(SeqCst) < n,
                        "round {} finished while one is in {k}",
                        k + 1
                    );
                }
            }
        })
        .await;
        assert_eq!(st.2.load(SeqCst), rounds, "one leader per round");
    });
}

#[test]
fn queue_pairs() {
    check(2, 50, |pairs| async move {
        let st = Arc::new((queue::Queue::new(), [(); 4].map(|_| AtomicUsize::new(0))));
        par(2 * pairs, &st, |st, i| async move {
            let side = i % 2;
            st.1[side].fetch_add(1, SeqCst);
            if side == 0 {
                st.0.leader().await
            } else {
                st.0.follower().await
            }
            let passed = st.1[2 + side].fetch_add(1, SeqCst) + 1;
            assert!(
                passed <= st.1[1 - side].load(SeqCst),
                "passed without a partner"
            );
        })
        .await;
    });
}

#[test]
fn exclusive_queue_dances_in_pairs() {
    check(2, 50, |pairs| async move {
        let st = Arc::new((
            queue::ExclusiveQueue::new(),
            [Occ::default(), Occ::default()],
            log::<usize>(),
        ));
        par(2 * pairs, &st, |st, i| async move {
            let side = i % 2;
            let dance = || {
                st.1[side].enter(1, "dancers of one side");
                st.2.lock().unwrap().push(side);
                st.1[side].leave();
            };
            if side == 0 {
                st.0.leader(dance).await
            } else {
                st.0.follower(dance).await
            };
        })
        .await;
        let l = st.2.lock().unwrap();
        for p in l.chunks(2) {
            assert!(
                p.contains(&0) && p.contains(&1),
                "dances not in pairs: {l:?}"
            );
        }
    });
}

// ---------------------------------------------------------------- chapter 4

#[test]
fn unbounded_buffer() {
    check(2, 1000, |each| async move {
        let st = Arc::new((producer_consumer::Buffer::new(), log::<(usize, usize)>()));
        par(4, &st, move |st, i| async move {
            if i < 2 {
                for k in 0..each {
                    st.0.put((i, k)).await;
                }
            } else {
                let mut last = [None; 2];
                for _ in 0..each {
                    let (p, k) = st.0.get().await;
                    assert!(
                        last[p].is_none_or(|l| l < k),
                        "a producer's events out of order"
                    );
                    last[p] = Some(k);
                    st.1.lock().unwrap().push((p, k));
                }
            }
        })
        .await;
        let mut all = st.1.lock().unwrap().clone();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 2 * each, "an event lost or duplicated");
    });
}

#[test]
fn bounded_buffer_never_overfills() {
    check(3, 2000, |each| async move {
        let cap = 2;
        let st = Arc::new((
            producer_consumer::BoundedBuffer::new(cap),
            AtomicIsize::new(0),
            AtomicIsize::new(0),
        ));
        par(4, &st, move |st, i| async move {
            for _ in 0..each {
                if i % 2 == 0 {
                    st.0.put(i).await;
                    let p = st.1.fetch_add(1, SeqCst) + 1;
                    assert!(
                        p - st.2.load(SeqCst) <= cap as isize,
                        "more than {cap} items in the buffer"
                    );
                } else {
                    st.2.fetch_add(1, SeqCst);
                    st.0.get().await;
                }
            }
        })
        .await;
    });
}

macro_rules! rw_scenario {
    ($name:ident, $policy:ty) => {
        #[test]
        fn $name() {
            check(1, 300, |rounds| async move {
                let l = Arc::new(readers_writers::RwLock::<(u64, u64), $policy>::new((0, 0)));
                let writers = 2;
                par(4, &l, move |l, i| async move {
                    for _ in 0..rounds {
                        if i < writers {
                            let mut g = l.write().await;
                            g.0 += 1;
                            yield_now().await;
                            g.1 += 1;
                        } else {
                            let g = l.read().await;
                            let a = g.0;
                            yield_now().await;
                            assert_eq!((a, a), (g.0, g.1), "a write during a read");
                        }
                    }
                })
                .await;
                let g = l.read().await;
                let w = (writers * rounds) as u64;
                assert_eq!(*g, (w, w));
            });
        }
    };
}
rw_scenario!(readers_writers_readers_first, readers_writers::ReadersFirst);
rw_scenario!(readers_writers_no_starve, readers_writers::NoStarve);
rw_scenario!(
    readers_writers_writer_priority,
    readers_writers::WriterPriority
);

#[test]
fn morris_mutex() {
    check(3, 16, |n| async move {
        let m = Arc::new(no_starve_mutex::MorrisMutex::new(0usize));
        par(n, &m, move |m, _| async move {
            for _ in 0..n * 2 {
                let mut g = m.lock().await;
                let v = *g;
                yield_now().await;
                *g = v + 1;
            }
        })
        .await;
        assert_eq!(*m.lock().await, n * n * 2);
    });
}

macro_rules! philosophers {
    ($name:ident, $table:expr) => {
        #[test]
        fn $name() {
            use dining_philosophers::{Table, left, right};
            check(1, 300, |meals| async move {
                let t = $table;
                let n = t.seats();
                let st = Arc::new((
                    t,
                    (0..n).map(|_| AtomicBool::new(false)).collect::<Vec<_>>(),
                    AtomicUsize::new(0),
                ));
                par(n, &st, move |st, i| async move {
                    for _ in 0..meals {
                        st.0.dine(i, || {
                            for f in [left(i), right(i, n)] {
                                assert!(!st.1[f].swap(true, SeqCst), "fork {f} shared");
                            }
                            for f in [left(i), right(i, n)] {
                                st.1[f].store(false, SeqCst);
                            }
                            st.2.fetch_add(1, SeqCst);
                        })
                        .await;
                        yield_now().await;
                    }
                })
                .await;
                assert_eq!(st.2.load(SeqCst), n * meals);
            });
        }
    };
}
philosophers!(
    philosophers_footman,
    dining_philosophers::FootmanTable::new(if cfg!(feature = "shuttle") { 3 } else { 5 })
);
philosophers!(
    philosophers_lefty,
    dining_philosophers::LeftyTable::new(if cfg!(feature = "shuttle") { 3 } else { 5 })
);
philosophers!(
    philosophers_tanenbaum,
    dining_philosophers::TanenbaumTable::new(if cfg!(feature = "shuttle") { 3 } else { 5 })
);

#[test]
fn smokers_right_smoker_wakes() {
    use smokers::Ingredient;
    check(1, 100, |rounds| async move {
        let st = Arc::new((smokers::Smokers::new(), log::<Ingredient>()));
        par(9, &st, move |st, i| async move {
            let ing = Ingredient::ALL[i % 3];
            match i / 3 {
                // Agent `ing` puts out the two others.
                0 => {
                    for _ in 0..rounds {
                        st.0.agent(ing, || {
                            let mut t = st.1.lock().unwrap();
                            assert!(t.is_empty(), "agent woke with things on the table");
                            t.extend(ing.others());
                        })
                        .await
                    }
                }
                1 => {
                    for _ in 0..2 * rounds {
                        st.0.pusher(ing).await
                    }
                }
                _ => {
                    for _ in 0..rounds {
                        st.0.smoker(ing, || {
                            let mut t = st.1.lock().unwrap();
                            assert!(
                                !t.contains(&ing) && t.len() == 2,
                                "wrong smoker woken: {t:?}"
                            );
                            t.clear();
                        })
                        .await;
                    }
                }
            }
        })
        .await;
    });
}

#[test]
fn generalized_smokers() {
    use smokers::Ingredient;
    check(2, 200, |rounds| async move {
        let st = Arc::new((smokers::GeneralizedSmokers::new(), AtomicUsize::new(0)));
        par(4, &st, move |st, i| async move {
            for _ in 0..rounds {
                match i {
                    0 => st.0.agent(Ingredient::Matches),
                    1 => st.0.pusher(Ingredient::Tobacco).await,
                    2 => st.0.pusher(Ingredient::Paper).await,
                    _ => {
                        st.0.smoker(Ingredient::Matches, || st.1.fetch_add(1, SeqCst))
                            .await;
                    }
                }
            }
        })
        .await;
        assert_eq!(st.1.load(SeqCst), rounds);
    });
}

// ---------------------------------------------------------------- chapter 5

#[test]
fn savages_never_eat_from_empty_pot() {
    // (savages x servings each) / pot size fills
    check(1, 50, |each| async move {
        let (m, savages) = (2, 4);
        let st = Arc::new((savages::Pot::new(m), AtomicIsize::new(0)));
        let cook = spawn(&st, move |st| async move {
            for _ in 0..savages * each / m {
                st.0.cook(|k| {
                    assert_eq!(st.1.load(SeqCst), 0, "filled a non-empty pot");
                    st.1.store(k as isize, SeqCst);
                })
                .await;
            }
        });
        par(savages, &st, move |st, _| async move {
            for _ in 0..each {
                st.0.get_serving(|| {
                    assert!(st.1.fetch_sub(1, SeqCst) > 0, "served from an empty pot")
                })
                .await;
            }
        })
        .await;
        cook.await.unwrap();
    });
}

#[test]
fn barbershop() {
    check(3, 40, |customers| async move {
        let st = Arc::new((
            barbershop::Barbershop::new(2),
            Occ::default(),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        ));
        let barber = spawn(&st, |st| async move {
            while st
                .0
                .barber(|| {
                    st.2.fetch_add(1, SeqCst);
                })
                .await
            {}
        });
        par(customers, &st, |st, _| async move {
            let v =
                st.0.customer(|| {
                    st.1.enter(1, "customers in the chair");
                    st.1.leave();
                })
                .await;
            if v == barbershop::Visit::Haircut {
                st.3.fetch_add(1, SeqCst);
            }
        })
        .await;
        st.0.close();
        barber.await.unwrap();
        assert_eq!(
            st.2.load(SeqCst),
            st.3.load(SeqCst),
            "cuts != customers served"
        );
        assert!(st.3.load(SeqCst) >= 1);
    });
}

#[test]
fn fifo_barbershop_serves_in_order() {
    check(3, 40, |customers| async move {
        let st = Arc::new((
            barbershop::FifoBarbershop::new(2),
            log::<usize>(),
            log::<usize>(),
        ));
        let barber = spawn(&st, |st| async move { while st.0.barber(|| {}).await {} });
        par(customers, &st, |st, i| async move {
            st.0.customer(
                || st.1.lock().unwrap().push(i),
                || st.2.lock().unwrap().push(i),
            )
            .await;
        })
        .await;
        st.0.close();
        barber.await.unwrap();
        assert_eq!(
            *st.1.lock().unwrap(),
            *st.2.lock().unwrap(),
            "served out of order"
        );
    });
}

#[test]
fn hilzer() {
    struct C(Arc<Occ>);
    impl hilzer::Customer for C {
        fn sit_on_sofa(&mut self) {
            self.0.enter(2, "sofa");
        }
        fn sit_in_barber_chair(&mut self) {
            self.0.leave();
        }
    }
    struct B(Arc<Occ>, Arc<AtomicUsize>);
    impl hilzer::Barber for B {
        fn cut_hair(&mut self) {
            self.1.fetch_add(1, SeqCst);
        }
        fn accept_payment(&mut self) {
            self.0.enter(1, "cash register");
            self.0.leave();
        }
    }
    check(3, 40, |customers| async move {
        let barbers = 2;
        let st = Arc::new((
            hilzer::HilzerShop::new(customers.min(5), 2),
            Arc::new(Occ::default()),
            Arc::new(Occ::default()),
            Arc::new(AtomicUsize::new(0)),
            AtomicUsize::new(0),
        ));
        let bs: Vec<_> = (0..barbers)
            .map(|_| {
                spawn(&st, |st| async move {
                    let mut b = B(st.2.clone(), st.3.clone());
                    while st.0.barber(&mut b).await {}
                })
            })
            .collect();
        par(customers, &st, |st, _| async move {
            if st.0.customer(&mut C(st.1.clone())).await == hilzer::Visit::Haircut {
                st.4.fetch_add(1, SeqCst);
            }
        })
        .await;
        st.0.close(barbers);
        for b in bs {
            b.await.unwrap();
        }
        assert_eq!(
            st.3.load(SeqCst),
            st.4.load(SeqCst),
            "cuts != customers served"
        );
    });
}

#[test]
fn santa() {
    // reindeer, groups of 3 elves
    check(2, 9, |reindeer| async move {
        let groups = if reindeer == 2 { 1 } else { 4 };
        let st = Arc::new((
            santa::NorthPole::with_reindeer(reindeer),
            AtomicBool::new(false),
            Occ::default(),
        ));
        let santa = spawn(&st, move |st| async move {
            let mut woke = Vec::new();
            for _ in 0..1 + groups {
                woke.push(st.0.santa(|| st.1.store(true, SeqCst), || {}).await);
            }
            assert_eq!(
                woke.iter()
                    .filter(|w| **w == santa::Wakeup::Reindeer)
                    .count(),
                1
            );
        });
        par(reindeer + 3 * groups, &st, move |st, i| async move {
            if i < reindeer {
                st.0.reindeer(|| assert!(st.1.load(SeqCst), "hitched before the sleigh was ready"))
                    .await;
            } else {
                st.0.elf(|| {
                    st.2.enter(3, "elves getting help");
                    st.2.leave();
                })
                .await;
            }
        })
        .await;
        santa.await.unwrap();
    });
}

#[test]
fn h2o_complete_molecules() {
    check(2, 100, |molecules| async move {
        let st = Arc::new((h2o::Water::new(), log::<char>()));
        par(3 * molecules, &st, |st, i| async move {
            if i % 3 == 0 {
                st.0.oxygen(|| st.1.lock().unwrap().push('O')).await
            } else {
                st.0.hydrogen(|| st.1.lock().unwrap().push('H')).await
            }
        })
        .await;
        let b = st.1.lock().unwrap();
        for m in b.chunks(3) {
            assert_eq!(
                m.iter().filter(|c| **c == 'O').count(),
                1,
                "bad molecule {m:?}"
            );
        }
    });
}

#[test]
fn river_crossing_legal_boatloads() {
    use river::Kind;
    check(1, 10, |boats| async move {
        let st = Arc::new((river::Dock::new(), log::<Kind>(), AtomicUsize::new(0)));
        par(4 * boats, &st, |st, i| async move {
            let kind = if i % 2 == 0 { Kind::Hacker } else { Kind::Serf };
            st.0.cross(
                kind,
                || st.1.lock().unwrap().push(kind),
                || {
                    st.2.fetch_add(1, SeqCst);
                },
            )
            .await;
        })
        .await;
        assert_eq!(st.2.load(SeqCst), boats, "one captain per boat");
        for load in st.1.lock().unwrap().chunks(4) {
            let h = load.iter().filter(|k| **k == Kind::Hacker).count();
            assert!(h % 2 == 0, "illegal boatload {load:?}");
        }
    });
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
    check(1, 100, |rides| async move {
        let c = 2;
        let st = Arc::new((
            roller_coaster::Coaster::new(c),
            Arc::new(log()),
            Occ::default(),
            AtomicUsize::new(0),
        ));
        let car = spawn(&st, move |st| async move {
            let mut car = LogCar(0, st.1.clone());
            for _ in 0..rides {
                st.0.car(&mut car).await;
            }
        });
        // Exactly rides x c tickets; a passenger takes one only when ashore.
        par(c + 1, &st, move |st, _| async move {
            while st.3.fetch_add(1, SeqCst) < rides * c {
                st.0.passenger(|| st.2.enter(c, "passengers aboard"), || st.2.leave())
                    .await;
            }
        })
        .await;
        car.await.unwrap();
        assert_eq!(st.2.now(), 0);
    });
}

#[test]
fn roller_coaster_cars_unload_in_load_order() {
    check(1, 50, |rides| async move {
        let (m, c) = (2, 1);
        let st = Arc::new((
            roller_coaster::MultiCarCoaster::new(m, c),
            Arc::new(log()),
            AtomicUsize::new(0),
        ));
        let cars: Vec<_> = (0..m)
            .map(|i| {
                spawn(&st, move |st| async move {
                    let mut car = LogCar(i, st.1.clone());
                    for _ in 0..rides {
                        st.0.car(i, &mut car).await;
                    }
                })
            })
            .collect();
        par(m * c + 1, &st, move |st, _| async move {
            while st.2.fetch_add(1, SeqCst) < m * rides * c {
                st.0.passenger(|| {}, || {}).await;
            }
        })
        .await;
        for car in cars {
            car.await.unwrap();
        }
        let l = st.1.lock().unwrap();
        let loads: Vec<_> = l.iter().filter(|e| e.1 == "load").map(|e| e.0).collect();
        let unloads: Vec<_> = l.iter().filter(|e| e.1 == "unload").map(|e| e.0).collect();
        assert_eq!(loads, unloads, "cars overtook each other");
    });
}

// ---------------------------------------------------------------- chapter 6

#[test]
fn search_insert_delete() {
    check(1, 200, |rounds| async move {
        let st = Arc::new((
            search_insert_delete::SearchInsertDelete::new(),
            [(); 3].map(|_| Occ::default()),
        ));
        par(
            if rounds == 1 { 4 } else { 12 },
            &st,
            move |st, i| async move {
                let role = i % 3;
                for _ in 0..rounds {
                    let f = || {
                        st.1[role]
                            .enter([usize::MAX, 1, 1][role], "searchers, inserters, deleters");
                        if role == 2 {
                            assert_eq!(
                                st.1[0].now() + st.1[1].now(),
                                0,
                                "delete with others inside"
                            );
                        } else {
                            assert_eq!(st.1[2].now(), 0, "a deleter inside");
                        }
                        st.1[role].leave();
                    };
                    match role {
                        0 => st.0.search(f).await,
                        1 => st.0.insert(f).await,
                        _ => st.0.delete(f).await,
                    }
                }
            },
        )
        .await;
    });
}

macro_rules! bathroom {
    ($name:ident, $make:expr, $visit:ident, $sides:expr, $cap:expr) => {
        #[test]
        fn $name() {
            check(1, 200, |rounds| async move {
                let st = Arc::new(($make, [Occ::default(), Occ::default()]));
                par(
                    if rounds == 1 { 4 } else { 10 },
                    &st,
                    move |st, i| async move {
                        let g = i % 2;
                        for _ in 0..rounds {
                            st.0.$visit($sides[g], || {
                                st.1[g].enter($cap, "one side");
                                assert_eq!(st.1[1 - g].now(), 0, "both sides inside");
                                st.1[g].leave();
                            })
                            .await;
                            yield_now().await;
                        }
                    },
                )
                .await;
            });
        }
    };
}
bathroom!(
    unisex_bathroom,
    unisex_bathroom::Bathroom::new(2),
    visit,
    [unisex_bathroom::Group::Female, unisex_bathroom::Group::Male],
    2
);
bathroom!(
    unisex_bathroom_no_starve,
    unisex_bathroom::Bathroom::new_no_starve(2),
    visit,
    [unisex_bathroom::Group::Female, unisex_bathroom::Group::Male],
    2
);
bathroom!(
    baboon_rope,
    unisex_bathroom::Rope::new(2),
    cross,
    [
        unisex_bathroom::Direction::East,
        unisex_bathroom::Direction::West
    ],
    2
);

#[test]
fn modus_hall_factions_never_mix() {
    use modus_hall::Faction;
    check(1, 200, |rounds| async move {
        let st = Arc::new((
            modus_hall::ModusHall::new(),
            [Occ::default(), Occ::default()],
        ));
        par(
            if rounds == 1 { 3 } else { 12 },
            &st,
            move |st, i| async move {
                let f = if i % 3 == 0 {
                    Faction::Prude
                } else {
                    Faction::Heathen
                };
                for _ in 0..rounds {
                    st.0.cross(f, || {
                        let me = f as usize;
                        st.1[me].enter(usize::MAX, "faction");
                        assert_eq!(st.1[1 - me].now(), 0, "factions mixed");
                        st.1[me].leave();
                    })
                    .await;
                }
            },
        )
        .await;
    });
}

// ---------------------------------------------------------------- chapter 7

#[test]
fn sushi_bar_seats() {
    check(1, 200, |rounds| async move {
        let seats = 2;
        let st = Arc::new((sushi_bar::SushiBar::new(seats), Occ::default()));
        par(
            if rounds == 1 { 4 } else { 12 },
            &st,
            move |st, _| async move {
                for _ in 0..rounds {
                    st.0.eat(|| {
                        st.1.enter(seats, "diners");
                        st.1.leave();
                    })
                    .await;
                    yield_now().await;
                }
            },
        )
        .await;
    });
}

#[test]
fn child_care_ratio_holds() {
    check(1, 100, |rounds| async move {
        let (adults, children) = if rounds == 1 { (1, 3) } else { (3, 9) };
        let ratio = 2;
        // (adults in, children in), checked together.
        let st = Arc::new((
            child_care::ChildCare::new(ratio),
            Mutex::new((0usize, 0usize)),
            AtomicUsize::new(0),
        ));
        par(adults + children, &st, move |st, i| async move {
            if i < adults {
                while st.2.load(SeqCst) < children * rounds {
                    st.1.lock().unwrap().0 += 1;
                    st.0.adult(|| {}).await;
                    {
                        let mut h = st.1.lock().unwrap();
                        h.0 -= 1;
                        assert!(h.1 <= ratio * h.0, "an adult left too many children");
                    }
                    yield_now().await;
                }
            } else {
                for _ in 0..rounds {
                    st.0.child(|| {
                        let mut h = st.1.lock().unwrap();
                        h.1 += 1;
                        assert!(h.1 <= ratio * h.0, "ratio broken");
                        h.1 -= 1;
                    })
                    .await;
                    st.2.fetch_add(1, SeqCst);
                }
            }
        })
        .await;
    });
}

#[test]
fn room_party_dean_alone_or_with_a_party() {
    check(1, 100, |rounds| async move {
        let threshold = 2;
        let st = Arc::new((
            room_party::Room::new(threshold),
            Occ::default(),
            AtomicBool::new(false),
        ));
        let dean = spawn(&st, |st| async move {
            let mut visits = 0;
            while !st.2.load(SeqCst) || visits == 0 {
                st.0.dean(
                    || assert_eq!(st.1.now(), 0, "searched with students in"),
                    || {},
                )
                .await;
                visits += 1;
                yield_now().await;
            }
        });
        par(
            if rounds == 1 { 3 } else { 10 },
            &st,
            move |st, _| async move {
                for _ in 0..rounds {
                    st.0.student(|| {
                        st.1.enter(usize::MAX, "students");
                        st.1.leave();
                    })
                    .await;
                }
            },
        )
        .await;
        st.2.store(true, SeqCst);
        dean.await.unwrap();
    });
}

#[test]
fn senate_bus() {
    check(3, 200, |riders| async move {
        let cap = if riders == 3 { 2 } else { 50 };
        let st = Arc::new((
            senate_bus::BusStop::new(cap),
            AtomicUsize::new(0),
            Occ::default(),
        ));
        let bus = spawn(&st, move |st| async move {
            let mut total = 0;
            while total < riders {
                let n = st.0.bus(|| {}).await;
                assert!(n <= cap, "bus over capacity");
                total += n;
                yield_now().await;
            }
            assert_eq!(st.1.load(SeqCst), riders);
        });
        par(riders, &st, |st, _| async move {
            st.0.rider(|| {
                st.1.fetch_add(1, SeqCst);
            })
            .await
        })
        .await;
        bus.await.unwrap();
    });
}

#[test]
fn faneuil_hall_judge_alone() {
    use faneuil_hall::{Immigrant, Judge};
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
    check(2, 50, |immigrants| async move {
        let st = Arc::new((
            faneuil_hall::FaneuilHall::new(),
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicUsize::new(0)),
        ));
        let judge = spawn(&st, move |st| async move {
            let mut j = J(st.1.clone(), st.2.clone());
            while st.2.load(SeqCst) < immigrants {
                st.0.judge(&mut j).await;
                yield_now().await;
            }
        });
        par(immigrants + 1, &st, move |st, i| async move {
            if i < immigrants {
                st.0.immigrant(&mut I(st.1.clone())).await;
            } else {
                st.0.spectator(|| {}).await;
            }
        })
        .await;
        judge.await.unwrap();
        assert_eq!(st.2.load(SeqCst), immigrants, "confirmed != immigrants");
    });
}

#[derive(Default)]
struct Table {
    /// Students at the table, from before they sit down until they leave.
    at_table: usize,
    /// Students inside `dine`, with the event number at which they started.
    dining: Vec<(usize, usize)>,
    /// When each student finished dining.
    done_at: Vec<usize>,
    events: Vec<String>,
}

/// Nobody sits alone (catalog §7.6): nobody leaves while exactly one other
/// student remains at the table, dining since before the leaver finished.
#[test]
fn dining_hall_nobody_eats_alone() {
    check(3, 40, |students| async move {
        let st = Arc::new((
            dining_hall::DiningHall::new(),
            Mutex::new(Table {
                done_at: vec![0; students],
                ..Table::default()
            }),
        ));
        par(students, &st, |st, id| async move {
            {
                let mut s = st.1.lock().unwrap();
                s.at_table += 1;
                s.events.push(format!("{id} arrives"));
            }
            st.0.student(
                || {
                    {
                        let mut s = st.1.lock().unwrap();
                        let t = s.events.len();
                        s.dining.push((id, t));
                        s.events.push(format!("{id} dines"));
                    }
                    let mut s = st.1.lock().unwrap();
                    s.dining.retain(|d| d.0 != id);
                    s.done_at[id] = s.events.len();
                    s.events.push(format!("{id} done"));
                },
                || {
                    let mut s = st.1.lock().unwrap();
                    s.at_table -= 1;
                    s.events.push(format!("{id} leaves"));
                    if s.at_table == 1 && s.dining.len() == 1 {
                        let (other, since) = s.dining[0];
                        assert!(
                            since > s.done_at[id],
                            "{id} left {other} eating alone: {:?}",
                            s.events
                        );
                    }
                },
            )
            .await
        })
        .await;
        assert_eq!(st.1.lock().unwrap().at_table, 0, "someone never left");
    });
}

// ---------------------------------------------------------------- chapter 8

#[test]
fn mutex_checker_no_lost_update() {
    check(3, 100_000, |end| async move {
        let m = Arc::new(mutex_checker::MutexChecker::new(end));
        par(2, &m, |m, _| async move {
            m.child().await;
        })
        .await;
        assert_eq!(
            m.histogram().await,
            std::collections::BTreeMap::from([(1, end)])
        );
    });
}

#[test]
fn coke_machine_bounds() {
    check(2, 5000, |rounds| async move {
        let cap = 2;
        let m = Arc::new(coke_machine::CokeMachine::new(cap, 1));
        par(4, &m, move |m, i| async move {
            for _ in 0..rounds {
                let n = if i < 2 {
                    m.produce().await
                } else {
                    m.consume().await
                };
                assert!(n <= cap, "{n} cokes in a machine of {cap}");
            }
        })
        .await;
    });
}
