//! Chapter 4 problems under shuttle.

use super::ch3::counter_scenario;
use super::harness::*;
use lbos_patterns::blocking::{Lightswitch, Sem, Semaphore};
use lbos_patterns::problems::dining_philosophers::{
    FootmanTable, LeftyTable, Table, TanenbaumTable, left, right,
};
use lbos_patterns::problems::no_starve_mutex::MorrisMutex;
use lbos_patterns::problems::producer_consumer::{BoundedBuffer, Buffer};
use lbos_patterns::problems::readers_writers::{
    NoStarve, Protocol, ReadersFirst, RwLock, WriterPriority,
};
use lbos_patterns::problems::smokers::{GeneralizedSmokers, Ingredient, Smokers};
use shuttle::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use shuttle::sync::{Arc, Mutex};

type Actor = Box<dyn FnOnce() + Send>;

#[test]
fn buffer_delivers_each_event_once_in_order() {
    explore(|| {
        let b = Arc::new(Buffer::new());
        let got = Log::new();
        let mut actors: Vec<Actor> = Vec::new();
        for p in 0..2u32 {
            let b = b.clone();
            actors.push(Box::new(move || {
                for i in 0..2 {
                    b.put((p, i));
                }
            }));
        }
        for _ in 0..2 {
            let (b, got) = (b.clone(), got.clone());
            actors.push(Box::new(move || {
                for _ in 0..2 {
                    let e = b.get();
                    got.push(e);
                }
            }));
        }
        run_all(actors);
        let mut all = got.snapshot();
        all.sort();
        assert_eq!(all, vec![(0, 0), (0, 1), (1, 0), (1, 1)]);
    });
}

/// A full bounded buffer: the producer's put cannot complete before a
/// consumer has started taking.
#[test]
fn bounded_buffer_blocks_when_full() {
    explore(|| {
        let b = Arc::new(BoundedBuffer::with_items(1, [0u32]));
        let log = Log::new();
        let (bp, lp) = (b.clone(), log.clone());
        let (bc, lc) = (b.clone(), log.clone());
        run_all(vec![
            Box::new(move || {
                bp.put(1);
                lp.push("put done");
            }),
            Box::new(move || {
                lc.push("get start");
                assert_eq!(bc.get(), 0);
                assert_eq!(bc.get(), 1);
            }),
        ]);
        let l = log.snapshot();
        assert_eq!(
            l,
            vec!["get start", "put done"],
            "put completed on a full buffer"
        );
    });
}

/// Book "Deadlock #4": the consumer waits for items while holding the mutex.
#[test]
fn broken_consumer_holding_mutex_deadlocks() {
    let msg = expect_bug(1000, || {
        let mutex = Arc::new(Semaphore::new(1));
        let items = Arc::new(Semaphore::new(0));
        let (m2, i2) = (mutex.clone(), items.clone());
        run_all(vec![
            Box::new(move || {
                mutex.wait();
                items.wait();
                mutex.signal();
            }),
            Box::new(move || {
                m2.wait();
                i2.signal();
                m2.signal();
            }),
        ]);
    });
    assert!(msg.contains("deadlock"), "{msg}");
}

fn rw_scenario(
    read: impl Fn(&dyn Fn()) + Send + Sync + 'static,
    write: impl Fn(&dyn Fn()) + Send + Sync + 'static,
) {
    let read = Arc::new(read);
    let write = Arc::new(write);
    let readers = Occupancy::new();
    let writers = Occupancy::new();
    let mut actors: Vec<Actor> = Vec::new();
    for _ in 0..2 {
        let (rd, rs, ws) = (read.clone(), readers.clone(), writers.clone());
        actors.push(Box::new(move || {
            for _ in 0..2 {
                rd(&|| {
                    rs.enter(usize::MAX, "readers");
                    assert_eq!(ws.now(), 0, "reader inside with a writer");
                    shuttle::thread::yield_now();
                    rs.leave();
                });
            }
        }));
        let (wr, rs, ws) = (write.clone(), readers.clone(), writers.clone());
        actors.push(Box::new(move || {
            wr(&|| {
                ws.enter(1, "writers");
                assert_eq!(rs.now(), 0, "writer inside with a reader");
                shuttle::thread::yield_now();
                ws.leave();
            });
        }));
    }
    run_all(actors);
}

fn rw_lock<P: Protocol + 'static>() {
    explore(|| {
        let l = Arc::new(RwLock::<u32, P>::new(0));
        let l2 = l.clone();
        rw_scenario(
            move |cs| {
                let _g = l.read();
                cs()
            },
            move |cs| {
                let mut g = l2.write();
                *g += 1;
                cs()
            },
        );
    });
}

#[test]
fn readers_writers_readers_first() {
    rw_lock::<ReadersFirst>();
}

#[test]
fn readers_writers_no_starve() {
    rw_lock::<NoStarve>();
}

#[test]
fn readers_writers_writer_priority() {
    rw_lock::<WriterPriority>();
}

/// Sync.py's lightswitch (catalog §9.3): the switch's mutex is released
/// before the first reader has got `roomEmpty`, so a second reader walks in
/// while a writer is inside.
#[test]
fn broken_sync_py_lightswitch_is_caught() {
    struct LeakyLightswitch {
        mutex: Semaphore,
        counter: AtomicUsize,
    }
    impl LeakyLightswitch {
        fn lock(&self, s: &Semaphore) {
            self.mutex.wait();
            let c = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
            self.mutex.signal();
            if c == 1 {
                s.wait();
            }
        }
        fn unlock(&self, s: &Semaphore) {
            self.mutex.wait();
            let c = self.counter.fetch_sub(1, Ordering::SeqCst) - 1;
            if c == 0 {
                s.signal();
            }
            self.mutex.signal();
        }
    }
    let msg = expect_bug(5000, || {
        let room = Arc::new(Semaphore::new(1));
        let sw = Arc::new(LeakyLightswitch {
            mutex: Semaphore::new(1),
            counter: AtomicUsize::new(0),
        });
        let room2 = room.clone();
        rw_scenario(
            move |cs| {
                sw.lock(&room);
                cs();
                sw.unlock(&room);
            },
            move |cs| {
                room2.wait();
                cs();
                room2.signal();
            },
        );
    });
    assert!(msg.contains("inside with"), "{msg}");
}

/// The crate's lightswitch passes the same scenario.
#[test]
fn lightswitch_holds_its_mutex_while_blocked() {
    explore(|| {
        let room = Arc::new(Semaphore::new(1));
        let sw = Arc::new(Lightswitch::new());
        let room2 = room.clone();
        rw_scenario(
            move |cs| {
                sw.lock(&*room);
                cs();
                sw.unlock(&*room);
            },
            move |cs| {
                room2.wait();
                cs();
                Sem::signal(&*room2);
            },
        );
    });
}

#[test]
fn morris_mutex_excludes() {
    explore(|| {
        let m = Arc::new(MorrisMutex::new(0u32));
        counter_scenario(1, move |cs| {
            let mut g = m.lock();
            *g += 1;
            cs();
        });
    });
}

fn philosophers<T: Table + 'static>(table: T, meals: usize) {
    let n = table.seats();
    let table = Arc::new(table);
    let eating: Arc<Vec<AtomicBool>> = Arc::new((0..n).map(|_| AtomicBool::new(false)).collect());
    let fork_used: Arc<Vec<AtomicBool>> =
        Arc::new((0..n).map(|_| AtomicBool::new(false)).collect());
    let meals_eaten = Arc::new(AtomicUsize::new(0));
    let actors = (0..n)
        .map(|i| {
            let (table, eating, forks, m) = (
                table.clone(),
                eating.clone(),
                fork_used.clone(),
                meals_eaten.clone(),
            );
            Box::new(move || {
                for _ in 0..meals {
                    table.get_forks(i);
                    for f in [left(i), right(i, n)] {
                        assert!(
                            !forks[f].swap(true, Ordering::SeqCst),
                            "fork {f} held twice"
                        );
                    }
                    eating[i].store(true, Ordering::SeqCst);
                    assert!(
                        !eating[(i + n - 1) % n].load(Ordering::SeqCst),
                        "neighbours eat together"
                    );
                    assert!(
                        !eating[(i + 1) % n].load(Ordering::SeqCst),
                        "neighbours eat together"
                    );
                    shuttle::thread::yield_now();
                    eating[i].store(false, Ordering::SeqCst);
                    for f in [left(i), right(i, n)] {
                        forks[f].store(false, Ordering::SeqCst);
                    }
                    m.fetch_add(1, Ordering::SeqCst);
                    table.put_forks(i);
                }
            }) as Actor
        })
        .collect();
    run_all(actors);
    assert_eq!(meals_eaten.load(Ordering::SeqCst), n * meals);
}

#[test]
fn dining_philosophers_footman() {
    explore(|| philosophers(FootmanTable::new(5), 2));
}

#[test]
fn dining_philosophers_lefty() {
    explore(|| philosophers(LeftyTable::new(5), 2));
}

#[test]
fn dining_philosophers_tanenbaum() {
    explore(|| philosophers(TanenbaumTable::new(5), 2));
}

/// Book "Deadlock #5": everyone takes the right fork first.
struct AllRighties {
    forks: Vec<Semaphore>,
}

impl Table for AllRighties {
    fn seats(&self) -> usize {
        self.forks.len()
    }
    fn get_forks(&self, i: usize) {
        let n = self.seats();
        self.forks[right(i, n)].wait();
        self.forks[left(i)].wait();
    }
    fn put_forks(&self, i: usize) {
        let n = self.seats();
        self.forks[right(i, n)].signal();
        self.forks[left(i)].signal();
    }
}

#[test]
fn broken_philosophers_deadlock_is_caught() {
    let msg = expect_bug(5000, || {
        philosophers(
            AllRighties {
                forks: (0..3).map(|_| Semaphore::new(1)).collect(),
            },
            1,
        )
    });
    assert!(msg.contains("deadlock"), "{msg}");
}

/// Ingredients the agent withholds, one agent thread each.
const AGENTS: [Ingredient; 3] = [Ingredient::Matches, Ingredient::Tobacco, Ingredient::Paper];

fn smokers_scenario(
    agent: impl Fn(Ingredient, &dyn Fn()) + Send + Sync + 'static,
    pusher: impl Fn(Ingredient) + Send + Sync + 'static,
    smoker: impl Fn(Ingredient, &dyn Fn()) + Send + Sync + 'static,
) {
    let agent = Arc::new(agent);
    let pusher = Arc::new(pusher);
    let smoker = Arc::new(smoker);
    let table: Arc<Mutex<Vec<Ingredient>>> = Arc::new(Mutex::new(Vec::new()));
    let smoked = Arc::new(AtomicUsize::new(0));
    let mut actors: Vec<Actor> = Vec::new();
    for missing in AGENTS {
        let (agent, table) = (agent.clone(), table.clone());
        actors.push(Box::new(move || {
            agent(missing, &|| {
                let mut t = table.lock().unwrap();
                assert!(t.is_empty(), "agent put ingredients on a non-empty table");
                t.extend(missing.others());
            })
        }));
    }
    for ing in Ingredient::ALL {
        // Each ingredient is put out by the two agents that do not withhold it.
        let pusher = pusher.clone();
        actors.push(Box::new(move || {
            for _ in 0..2 {
                pusher(ing)
            }
        }));
        let (smoker, table, smoked) = (smoker.clone(), table.clone(), smoked.clone());
        actors.push(Box::new(move || {
            smoker(ing, &|| {
                let mut t = table.lock().unwrap();
                let mut need = ing.others().to_vec();
                need.sort_by_key(|i| *i as usize);
                t.sort_by_key(|i| *i as usize);
                assert_eq!(
                    *t, need,
                    "smoker {ing:?} proceeds with the wrong ingredients"
                );
                t.clear();
                smoked.fetch_add(1, Ordering::SeqCst);
            })
        }));
    }
    run_all(actors);
    assert_eq!(smoked.load(Ordering::SeqCst), 3);
}

#[test]
fn smokers_with_pushers() {
    explore_n(1000, || {
        let s = Arc::new(Smokers::new());
        let (s1, s2) = (s.clone(), s.clone());
        smokers_scenario(
            move |m, put| s.agent(m, put),
            move |i| s1.pusher(i),
            move |h, make| s2.smoker(h, make),
        );
    });
}

/// Book "Deadlock #6": each smoker waits directly on the two ingredients it
/// lacks (no pushers). Same scenario and checks as the real solution.
#[test]
fn broken_naive_smokers_deadlock() {
    let msg = expect_bug(5000, || {
        let agent_sem = Arc::new(Semaphore::new(1));
        let ing: Arc<[Semaphore; 3]> =
            Arc::new([Semaphore::new(0), Semaphore::new(0), Semaphore::new(0)]);
        let (a1, i1) = (agent_sem.clone(), ing.clone());
        smokers_scenario(
            move |missing, put| {
                a1.wait();
                put();
                for x in missing.others() {
                    i1[x as usize].signal();
                }
            },
            |_| {},
            move |has, make| {
                let [x, y] = has.others();
                ing[x as usize].wait();
                ing[y as usize].wait();
                make();
                agent_sem.signal();
            },
        );
    });
    assert!(msg.contains("deadlock"), "{msg}");
}

#[test]
fn generalized_smokers_never_use_missing_ingredients() {
    explore_n(1000, || {
        let s = Arc::new(GeneralizedSmokers::new());
        let mut actors: Vec<Actor> = Vec::new();
        // Two agents withholding matches: tobacco and paper twice; the
        // matches smoker must smoke twice.
        for _ in 0..2 {
            let s = s.clone();
            actors.push(Box::new(move || s.agent(Ingredient::Matches)));
        }
        for ing in [Ingredient::Tobacco, Ingredient::Paper] {
            let s = s.clone();
            actors.push(Box::new(move || {
                for _ in 0..2 {
                    s.pusher(ing)
                }
            }));
        }
        let smoked = Arc::new(AtomicUsize::new(0));
        let (s2, sm) = (s.clone(), smoked.clone());
        actors.push(Box::new(move || {
            for _ in 0..2 {
                s2.smoker(Ingredient::Matches, || sm.fetch_add(1, Ordering::SeqCst));
            }
        }));
        run_all(actors);
        assert_eq!(smoked.load(Ordering::SeqCst), 2);
    });
}

/// The async bounded buffer on shuttle's executor via shuttle-tokio: every
/// event delivered once, and a full buffer holds back the producer.
#[test]
fn async_bounded_buffer() {
    use lbos_patterns::problems::producer_consumer::tasks::BoundedBuffer as AsyncBoundedBuffer;
    explore(|| {
        shuttle::future::block_on(async {
            let b = Arc::new(AsyncBoundedBuffer::new(1));
            let puts = Arc::new(AtomicUsize::new(0));
            let gets_started = Arc::new(AtomicUsize::new(0));
            let got = Arc::new(Mutex::new(Vec::new()));
            let mut hs = Vec::new();
            for p in 0..2u32 {
                let (b, puts, gs) = (b.clone(), puts.clone(), gets_started.clone());
                hs.push(tokio::spawn(async move {
                    for i in 0..2 {
                        b.put((p, i)).await;
                        let n = puts.fetch_add(1, Ordering::SeqCst) + 1;
                        assert!(
                            n <= gs.load(Ordering::SeqCst) + 1,
                            "more than 1 item in a buffer of 1"
                        );
                    }
                }));
            }
            for _ in 0..2 {
                let (b, gs, got) = (b.clone(), gets_started.clone(), got.clone());
                hs.push(tokio::spawn(async move {
                    for _ in 0..2 {
                        gs.fetch_add(1, Ordering::SeqCst);
                        let e = b.get().await;
                        got.lock().unwrap().push(e);
                    }
                }));
            }
            for h in hs {
                h.await.unwrap();
            }
            let mut all = got.lock().unwrap().clone();
            all.sort();
            assert_eq!(all, vec![(0, 0), (0, 1), (1, 0), (1, 1)]);
        })
    });
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Ev {
    Arrive(usize),
    Enter(usize),
}

/// For every `Arrive(a)` in `log`, counts how often each other actor
/// `Enter`s before `a`'s next `Enter`, and asserts at most `bound`.
fn assert_overtaking(log: &[Ev], bound: usize, what: &str) {
    for (i, e) in log.iter().enumerate() {
        let Ev::Arrive(a) = *e else { continue };
        let mut ahead = std::collections::BTreeMap::new();
        for e in &log[i + 1..] {
            match *e {
                Ev::Enter(x) if x == a => break,
                Ev::Enter(b) => *ahead.entry(b).or_insert(0) += 1,
                Ev::Arrive(_) => {}
            }
        }
        for (b, n) in ahead {
            assert!(
                n <= bound,
                "{what}: {b} entered {n} times ahead of {a} after it arrived (bound {bound}): {log:?}"
            );
        }
    }
}

/// `threads` actors each take the lock `rounds` times; `lock(arrive, cs)`
/// runs `arrive` at the point from which bounded waiting counts and `cs`
/// inside the critical section.
fn bounded_waiting(
    threads: usize,
    rounds: usize,
    bound: usize,
    lock: impl Fn(&dyn Fn(), &dyn Fn()) + Send + Sync + 'static,
) {
    let lock = Arc::new(lock);
    let log = Log::new();
    let actors: Vec<Box<dyn FnOnce() + Send>> = (0..threads)
        .map(|id| {
            let (lock, log) = (lock.clone(), log.clone());
            Box::new(move || {
                for _ in 0..rounds {
                    lock(&|| log.push(Ev::Arrive(id)), &|| log.push(Ev::Enter(id)));
                }
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    run_all(actors);
    assert_overtaking(&log.snapshot(), bound, "bounded waiting");
}

/// Morris's algorithm (catalog §4.3, L): once in room 1, a thread is
/// overtaken at most twice by each other thread, with weak semaphores only.
#[test]
fn morris_mutex_bounded_waiting() {
    explore(|| {
        let m = Arc::new(MorrisMutex::new(()));
        bounded_waiting(3, 3, 2, move |arrive, cs| {
            let _g = m.lock_noting(arrive);
            cs();
        });
    });
}

/// The book's "mutex loop" (L4.3-a) on the same weak semaphore: two looping
/// threads take turns and overtake the third without bound.
#[test]
fn broken_weak_mutex_loop_overtakes_without_bound() {
    let msg = expect_bug(5000, || {
        let m = Arc::new(lbos_patterns::problems::mutex::Mutex::new(()));
        bounded_waiting(3, 3, 2, move |arrive, cs| {
            arrive();
            let _g = m.lock();
            cs();
        });
    });
    assert!(msg.contains("bounded waiting"), "{msg}");
}

/// Readers keep coming (2 readers, 3 rounds each, yielding inside); the
/// writer logs its arrival through `write_noting`. Each reader may enter at
/// most `bound` times between the writer's arrival and its entry.
fn writer_overtaking<P: Protocol + 'static>(bound: usize) {
    let l = Arc::new(RwLock::<(), P>::new(()));
    let log = Log::new();
    let mut actors: Vec<Box<dyn FnOnce() + Send>> = Vec::new();
    for id in 0..2 {
        let (l, log) = (l.clone(), log.clone());
        actors.push(Box::new(move || {
            for _ in 0..3 {
                let _g = l.read();
                log.push(Ev::Enter(id));
                shuttle::thread::yield_now();
            }
        }));
    }
    let (l2, log2) = (l.clone(), log.clone());
    actors.push(Box::new(move || {
        for _ in 0..2 {
            let _g = l2.write_noting(|| log2.push(Ev::Arrive(9)));
            log2.push(Ev::Enter(9));
        }
    }));
    run_all(actors);
    assert_overtaking(&log.snapshot(), bound, "waiting writer");
}

/// No-starve readers-writers (§4.2.3): once the writer holds the turnstile,
/// each reader enters at most once more before it.
#[test]
fn readers_writers_no_starve_bounds_writer_wait() {
    explore(|| writer_overtaking::<NoStarve>(1));
}

/// Writer priority (§4.2.5): once the writer is in its lightswitch, no reader
/// enters before it... except one that already holds `noReaders`' permit
/// and is entering (it passed before the writer arrived): bound 1.
#[test]
fn readers_writers_writer_priority_bounds_writer_wait() {
    explore(|| writer_overtaking::<WriterPriority>(1));
}

/// Readers-first (§4.2.1) makes no such promise, and shuttle shows readers
/// overtaking a waiting writer more than once each.
#[test]
fn readers_first_lets_readers_overtake_a_waiting_writer() {
    let msg = expect_bug(5000, || writer_overtaking::<ReadersFirst>(1));
    assert!(msg.contains("waiting writer"), "{msg}");
}
