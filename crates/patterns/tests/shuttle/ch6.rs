//! Chapter 6 problems under shuttle.

use super::harness::*;
use lbos_patterns::blocking::{FifoSemaphore, Lightswitch};
use lbos_patterns::problems::modus_hall::{Faction, ModusHall};
use lbos_patterns::problems::search_insert_delete::SearchInsertDelete;
use lbos_patterns::problems::unisex_bathroom::{Bathroom, Direction, Group, Rope};
use shuttle::sync::Arc;

type Actor = Box<dyn FnOnce() + Send>;
type Op = Arc<dyn Fn(&dyn Fn()) + Send + Sync>;

fn sid_scenario(
    search: impl Fn(&dyn Fn()) + Send + Sync + 'static,
    insert: impl Fn(&dyn Fn()) + Send + Sync + 'static,
    delete: impl Fn(&dyn Fn()) + Send + Sync + 'static,
) {
    let ops: [Op; 3] = [Arc::new(search), Arc::new(insert), Arc::new(delete)];
    let inside = [Occupancy::new(), Occupancy::new(), Occupancy::new()];
    let mut actors: Vec<Actor> = Vec::new();
    for role in 0..3 {
        for _ in 0..2 {
            let op = ops[role].clone();
            let inside = inside.clone();
            actors.push(Box::new(move || {
                op(&|| {
                    let limit = [usize::MAX, 1, 1][role];
                    inside[role].enter(limit, ["searchers", "inserters", "deleters"][role]);
                    if role == 2 {
                        assert_eq!(inside[0].now() + inside[1].now(), 0, "deleter not alone");
                    } else {
                        assert_eq!(inside[2].now(), 0, "deleter inside with others");
                    }
                    shuttle::thread::yield_now();
                    inside[role].leave();
                })
            }));
        }
    }
    run_all(actors);
}

#[test]
fn search_insert_delete() {
    explore(|| {
        let l = Arc::new(SearchInsertDelete::new());
        let (a, b, c) = (l.clone(), l.clone(), l.clone());
        sid_scenario(
            move |f| a.search(f),
            move |f| b.insert(f),
            move |f| c.delete(f),
        );
    });
}

/// Inserters without their lightswitch on `noInserter`: a deleter can run
/// alongside an inserter.
#[test]
fn broken_inserter_ignoring_deleters_is_caught() {
    expect_bug(2000, || {
        let no_searcher = Arc::new(FifoSemaphore::new(1));
        let no_inserter = Arc::new(FifoSemaphore::new(1));
        let insert_mutex = Arc::new(FifoSemaphore::new(1));
        let sw = Arc::new(Lightswitch::new());
        let (ns1, ns2, ni2) = (
            no_searcher.clone(),
            no_searcher.clone(),
            no_inserter.clone(),
        );
        sid_scenario(
            move |f| {
                sw.lock(&*ns1);
                f();
                sw.unlock(&*ns1);
            },
            move |f| {
                insert_mutex.wait();
                f();
                insert_mutex.signal();
            },
            move |f| {
                ns2.wait();
                ni2.wait();
                f();
                ni2.signal();
                ns2.signal();
            },
        );
    });
}

fn bathroom_scenario(
    visit: impl Fn(Group, &dyn Fn()) + Send + Sync + 'static,
    capacity: usize,
    women: usize,
    men: usize,
) {
    let visit = Arc::new(visit);
    let inside = [Occupancy::new(), Occupancy::new()];
    let mut actors: Vec<Actor> = Vec::new();
    for (g, count) in [(Group::Female, women), (Group::Male, men)] {
        for _ in 0..count {
            let (visit, inside) = (visit.clone(), inside.clone());
            actors.push(Box::new(move || {
                for _ in 0..2 {
                    visit(g, &|| {
                        let me = g as usize;
                        inside[me].enter(capacity, "people inside");
                        assert_eq!(inside[1 - me].now(), 0, "men and women inside together");
                        shuttle::thread::yield_now();
                        inside[me].leave();
                    })
                }
            }));
        }
    }
    run_all(actors);
}

#[test]
fn unisex_bathroom() {
    explore(|| {
        let b = Arc::new(Bathroom::new(2));
        bathroom_scenario(move |g, f| b.visit(g, f), 2, 3, 2);
    });
}

#[test]
fn unisex_bathroom_no_starve() {
    explore(|| {
        let b = Arc::new(Bathroom::new_no_starve(2));
        bathroom_scenario(move |g, f| b.visit(g, f), 2, 3, 2);
    });
}

/// One shared multiplex instead of one per group... and no lightswitch for
/// men: men walk in whenever there is room.
#[test]
fn broken_bathroom_without_mens_switch_is_caught() {
    expect_bug(2000, || {
        let b = Arc::new(Bathroom::new(2));
        let room = Arc::new(FifoSemaphore::new(2));
        bathroom_scenario(
            move |g, f| match g {
                Group::Female => b.visit(g, f),
                Group::Male => {
                    room.wait();
                    f();
                    room.signal();
                }
            },
            2,
            2,
            2,
        );
    });
}

#[test]
fn baboon_rope() {
    explore(|| {
        let r = Arc::new(Rope::new(2));
        bathroom_scenario(
            move |g, f| {
                let d = if g == Group::Female {
                    Direction::East
                } else {
                    Direction::West
                };
                r.cross(d, f)
            },
            2,
            2,
            2,
        );
    });
}

fn modus_scenario(hall: Arc<ModusHall>, heathens: usize, prudes: usize) {
    let inside = [Occupancy::new(), Occupancy::new()];
    let mut actors: Vec<Actor> = Vec::new();
    for (f, count) in [(Faction::Heathen, heathens), (Faction::Prude, prudes)] {
        for _ in 0..count {
            let (hall, inside) = (hall.clone(), inside.clone());
            actors.push(Box::new(move || {
                for _ in 0..2 {
                    hall.cross(f, || {
                        let me = f as usize;
                        inside[me].enter(usize::MAX, "crossing");
                        assert_eq!(
                            inside[1 - me].now(),
                            0,
                            "heathens and prudes on the field together"
                        );
                        shuttle::thread::yield_now();
                        inside[me].leave();
                    })
                }
            }));
        }
    }
    run_all(actors);
}

#[test]
fn modus_hall_2h_1p() {
    explore(|| modus_scenario(Arc::new(ModusHall::new()), 2, 1));
}

#[test]
fn modus_hall_2h_2p() {
    explore(|| modus_scenario(Arc::new(ModusHall::new()), 2, 2));
}
