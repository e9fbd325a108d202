//! Chapter 7 problems under shuttle.

use super::harness::*;
use lbos_patterns::blocking::Semaphore;
use lbos_patterns::problems::child_care::ChildCare;
use lbos_patterns::problems::dining_hall::DiningHall;
use lbos_patterns::problems::faneuil_hall::{self, FaneuilHall};
use lbos_patterns::problems::room_party::{DeanVisit, Room};
use lbos_patterns::problems::senate_bus::BusStop;
use lbos_patterns::problems::sushi_bar::SushiBar;
use shuttle::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use shuttle::sync::{Arc, Mutex};

type Actor = Box<dyn FnOnce() + Send>;

struct Party {
    seats: usize,
    occ: Arc<Occupancy>,
    full: AtomicBool,
}

impl Party {
    fn enter(&self) {
        assert!(
            !self.full.load(Ordering::SeqCst),
            "sat down while a full party was still there"
        );
        self.occ.enter(self.seats, "customers eating");
        if self.occ.now() == self.seats {
            self.full.store(true, Ordering::SeqCst);
        }
    }
    fn leave(&self) {
        self.occ.leave();
        if self.occ.now() == 0 {
            self.full.store(false, Ordering::SeqCst);
        }
    }
}

fn sushi_scenario(eat: impl Fn(&dyn Fn()) + Send + Sync + 'static, seats: usize, customers: usize) {
    let eat = Arc::new(eat);
    let party = Arc::new(Party {
        seats,
        occ: Occupancy::new(),
        full: AtomicBool::new(false),
    });
    let actors = (0..customers)
        .map(|_| {
            let (eat, party) = (eat.clone(), party.clone());
            Box::new(move || {
                for _ in 0..2 {
                    eat(&|| {
                        party.enter();
                        shuttle::thread::yield_now();
                        party.leave();
                    })
                }
            }) as Actor
        })
        .collect();
    run_all(actors);
}

#[test]
fn sushi_bar() {
    explore(|| {
        let bar = Arc::new(SushiBar::new(2));
        sushi_scenario(move |f| bar.eat(f), 2, 4);
    });
}

/// Reek's non-solution: woken customers retake the mutex and count
/// themselves in, so newcomers can slip in first and overfill the bar.
#[test]
fn broken_reek_sushi_bar_is_caught() {
    expect_bug(5000, || {
        let seats = 2;
        let mutex = Arc::new(Semaphore::new(1));
        let block = Arc::new(Semaphore::new(0));
        // eating, waiting, must_wait
        let st = Arc::new(Mutex::new((0usize, 0usize, false)));
        sushi_scenario(
            move |f| {
                mutex.wait();
                let wait = st.lock().unwrap().2;
                if wait {
                    st.lock().unwrap().1 += 1;
                    mutex.signal();
                    block.wait();
                    mutex.wait();
                    st.lock().unwrap().1 -= 1;
                }
                {
                    let mut s = st.lock().unwrap();
                    s.0 += 1;
                    s.2 = s.0 == seats;
                }
                mutex.signal();
                f();
                mutex.wait();
                let n = {
                    let mut s = st.lock().unwrap();
                    s.0 -= 1;
                    if s.0 == 0 {
                        s.2 = false;
                        s.1.min(seats)
                    } else {
                        0
                    }
                };
                block.signal_n(n);
                mutex.signal();
            },
            seats,
            4,
        );
    });
}

fn child_care_scenario(cc: Arc<ChildCare>, ratio: usize, adults: usize, children: usize) {
    // (adults present, children inside), updated and checked together under
    // one test-owned lock so that the check reads a consistent snapshot.
    // Adults count from before they ask to enter until after they are let
    // out (a superset of the centre's own count); children only while in
    // their closure (a subset). So the centre's invariant implies ours.
    let here = Arc::new(Mutex::new((0usize, 0usize)));
    let kids_done = Arc::new(AtomicUsize::new(0));
    let mut actors: Vec<Actor> = Vec::new();
    for _ in 0..adults {
        let (cc, here, done) = (cc.clone(), here.clone(), kids_done.clone());
        // Adults keep coming back until every child has been looked after.
        actors.push(Box::new(move || {
            while done.load(Ordering::SeqCst) < children {
                here.lock().unwrap().0 += 1;
                cc.adult(shuttle::thread::yield_now);
                let mut h = here.lock().unwrap();
                h.0 -= 1;
                assert!(h.1 <= ratio * h.0, "an adult left too many children behind");
            }
        }));
    }
    for _ in 0..children {
        let (cc, here, done) = (cc.clone(), here.clone(), kids_done.clone());
        actors.push(Box::new(move || {
            cc.child(|| {
                {
                    let mut h = here.lock().unwrap();
                    h.1 += 1;
                    assert!(h.1 <= ratio * h.0, "too many children per adult");
                }
                shuttle::thread::yield_now();
                here.lock().unwrap().1 -= 1;
            });
            done.fetch_add(1, Ordering::SeqCst);
        }));
    }
    run_all(actors);
}

#[test]
fn child_care_ratio() {
    // Every child needs an adult to come eventually: 2 adults, 3 children.
    explore_n(1000, || {
        child_care_scenario(Arc::new(ChildCare::new(2)), 2, 2, 3)
    });
}

/// Hailperin's adult (book non-solution): two adults leaving at once can
/// split the tokens and both block.
#[test]
fn broken_hailperin_adults_deadlock() {
    let msg = expect_bug(5000, || {
        let multiplex = Arc::new(Semaphore::new(0));
        let mut actors: Vec<Actor> = Vec::new();
        for _ in 0..2 {
            let m = multiplex.clone();
            actors.push(Box::new(move || {
                m.signal_n(3);
                shuttle::thread::yield_now();
                m.wait();
                m.wait();
                m.wait();
            }));
        }
        for _ in 0..3 {
            let m = multiplex.clone();
            actors.push(Box::new(move || {
                m.wait();
                shuttle::thread::yield_now();
                m.signal();
            }));
        }
        // Children leave for good: the adults must be able to get out.
        run_all(actors);
    });
    assert!(msg.contains("deadlock"), "{msg}");
}

#[test]
fn room_party() {
    explore(|| {
        let threshold = 2;
        let room = Arc::new(Room::new(threshold));
        // `outer`: from before a student asks to come in until it has left
        // (a superset of the room's own count); `inner`: while partying (a
        // subset); `entered`/`left`: students that started / ended partying.
        let outer = Arc::new(AtomicUsize::new(0));
        let inner = Occupancy::new();
        let entered = Arc::new(AtomicUsize::new(0));
        let left = Arc::new(AtomicUsize::new(0));
        let mut actors: Vec<Actor> = Vec::new();
        for _ in 0..3 {
            let (room, o, i, e, l) = (
                room.clone(),
                outer.clone(),
                inner.clone(),
                entered.clone(),
                left.clone(),
            );
            actors.push(Box::new(move || {
                o.fetch_add(1, Ordering::SeqCst);
                room.student(|| {
                    e.fetch_add(1, Ordering::SeqCst);
                    i.enter(usize::MAX, "students");
                    shuttle::thread::yield_now();
                    i.leave();
                    l.fetch_add(1, Ordering::SeqCst);
                });
                o.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        let (r, o, i, e, l) = (
            room.clone(),
            outer.clone(),
            inner.clone(),
            entered.clone(),
            left.clone(),
        );
        actors.push(Box::new(move || {
            let at_breakup = Arc::new(AtomicUsize::new(0));
            let ab = at_breakup.clone();
            let v = r.dean(
                || assert_eq!(i.now(), 0, "searched a room with students"),
                move || {
                    assert!(
                        o.load(Ordering::SeqCst) >= threshold,
                        "broke up a party below the threshold"
                    );
                    ab.store(e.load(Ordering::SeqCst), Ordering::SeqCst);
                },
            );
            if v == DeanVisit::BrokeUp {
                // Everyone who was partying at the break-up has left.
                assert!(
                    l.load(Ordering::SeqCst) >= at_breakup.load(Ordering::SeqCst),
                    "Dean left before the room was clear"
                );
            }
        }));
        run_all(actors);
    });
}

#[test]
fn senate_bus() {
    explore(|| {
        let stop = Arc::new(BusStop::new(2));
        let boarded = Arc::new(AtomicUsize::new(0));
        let departed = Arc::new(AtomicBool::new(false));
        let mut actors: Vec<Actor> = Vec::new();
        for _ in 0..3 {
            let (stop, b, d) = (stop.clone(), boarded.clone(), departed.clone());
            actors.push(Box::new(move || {
                stop.rider(|| {
                    assert!(!d.load(Ordering::SeqCst) || b.load(Ordering::SeqCst) >= 2);
                    b.fetch_add(1, Ordering::SeqCst);
                })
            }));
        }
        let (s, b) = (stop.clone(), boarded.clone());
        actors.push(Box::new(move || {
            // Buses keep coming until everyone has boarded.
            let mut total = 0;
            while total < 3 {
                let before = b.load(Ordering::SeqCst);
                let n = s.bus(|| {});
                assert!(n <= 2, "bus over capacity");
                assert_eq!(
                    b.load(Ordering::SeqCst) - before,
                    n,
                    "departed before its riders boarded"
                );
                total += n;
                shuttle::thread::yield_now();
            }
        }));
        run_all(actors);
    });
}

#[derive(Clone)]
struct Imm {
    judge_in: Arc<AtomicBool>,
    confirmed: Arc<AtomicUsize>,
    entered_total: Arc<AtomicUsize>,
    checked: Arc<AtomicUsize>,
}

impl faneuil_hall::Immigrant for Imm {
    fn enter(&mut self) {
        assert!(
            !self.judge_in.load(Ordering::SeqCst),
            "entered while the judge was in"
        );
        self.entered_total.fetch_add(1, Ordering::SeqCst);
    }
    fn check_in(&mut self) {
        self.checked.fetch_add(1, Ordering::SeqCst);
    }
    fn get_certificate(&mut self) {
        assert!(
            self.confirmed.load(Ordering::SeqCst) >= 1,
            "certificate before confirmation"
        );
    }
    fn leave(&mut self) {
        assert!(
            !self.judge_in.load(Ordering::SeqCst),
            "immigrant left while the judge was in"
        );
    }
}

struct J {
    imm: Imm,
}

impl faneuil_hall::Judge for J {
    fn enter(&mut self) {
        self.imm.judge_in.store(true, Ordering::SeqCst);
    }
    fn confirm(&mut self, checked: usize) {
        assert_eq!(
            self.imm.entered_total.load(Ordering::SeqCst),
            self.imm.checked.load(Ordering::SeqCst),
            "confirmed before everyone checked in"
        );
        self.imm.confirmed.fetch_add(checked, Ordering::SeqCst);
    }
    fn leave(&mut self) {
        self.imm.judge_in.store(false, Ordering::SeqCst);
    }
}

#[test]
fn faneuil_hall() {
    explore(|| {
        let hall = Arc::new(FaneuilHall::new());
        let imm = Imm {
            judge_in: Arc::new(AtomicBool::new(false)),
            confirmed: Arc::new(AtomicUsize::new(0)),
            entered_total: Arc::new(AtomicUsize::new(0)),
            checked: Arc::new(AtomicUsize::new(0)),
        };
        let mut actors: Vec<Actor> = Vec::new();
        for _ in 0..2 {
            let (hall, mut i) = (hall.clone(), imm.clone());
            actors.push(Box::new(move || hall.immigrant(&mut i)));
        }
        let h2 = hall.clone();
        actors.push(Box::new(move || h2.spectator(shuttle::thread::yield_now)));
        // The judge comes until every immigrant has been confirmed.
        let (h, i) = (hall.clone(), imm.clone());
        actors.push(Box::new(move || {
            let mut j = J { imm: i.clone() };
            while i.confirmed.load(Ordering::SeqCst) < 2 {
                h.judge(&mut j);
                shuttle::thread::yield_now();
            }
        }));
        run_all(actors);
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

fn dining_hall_scenario(students: usize) {
    let hall = Arc::new(DiningHall::new());
    let st = Arc::new(Mutex::new(Table {
        done_at: vec![0; students],
        ..Table::default()
    }));
    let actors = (0..students)
        .map(|id| {
            let (hall, st) = (hall.clone(), st.clone());
            let st2 = st.clone();
            Box::new(move || {
                {
                    let mut s = st.lock().unwrap();
                    s.at_table += 1;
                    s.events.push(format!("{id} arrives"));
                }
                hall.student(
                    || {
                        {
                            let mut s = st.lock().unwrap();
                            let t = s.events.len();
                            s.dining.push((id, t));
                            s.events.push(format!("{id} dines"));
                        }
                        shuttle::thread::yield_now();
                        let mut s = st.lock().unwrap();
                        s.dining.retain(|d| d.0 != id);
                        s.done_at[id] = s.events.len();
                        s.events.push(format!("{id} done"));
                    },
                    || {
                        let mut s = st2.lock().unwrap();
                        s.at_table -= 1;
                        s.events.push(format!("{id} leaves"));
                        // Alone: the one other student at the table is still
                        // dining, and was already dining when I finished.
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
            }) as Actor
        })
        .collect();
    run_all(actors);
}

/// The obvious protocol: leave as soon as you are done.
#[test]
fn broken_leave_when_done_is_caught() {
    expect_bug(2000, || {
        // Same checks, with students who never wait for each other.
        let st = Arc::new(Mutex::new(Table {
            done_at: vec![0; 2],
            ..Table::default()
        }));
        let actors = (0..2)
            .map(|id| {
                let st = st.clone();
                Box::new(move || {
                    st.lock().unwrap().at_table += 1;
                    {
                        let mut s = st.lock().unwrap();
                        let t = s.events.len();
                        s.dining.push((id, t));
                        s.events.push(format!("{id} dines"));
                    }
                    shuttle::thread::yield_now();
                    {
                        let mut s = st.lock().unwrap();
                        s.dining.retain(|d| d.0 != id);
                        s.done_at[id] = s.events.len();
                        s.events.push(format!("{id} done"));
                    }
                    let mut s = st.lock().unwrap();
                    s.at_table -= 1;
                    if s.at_table == 1 && s.dining.len() == 1 {
                        let (_, since) = s.dining[0];
                        assert!(since > s.done_at[id], "left someone eating alone");
                    }
                }) as Actor
            })
            .collect();
        run_all(actors);
    });
}

#[test]
fn dining_hall_nobody_eats_alone() {
    // An even number of one-shot students: nobody is left over.
    explore(|| dining_hall_scenario(4));
}

// No needless waiting in the child care center (catalog §7.2, extended
// version). Each scenario blocks on a `Gate` that only opens if the center
// lets someone proceed at once; a needless wait leaves a gate shut, which
// shuttle reports as a deadlock.

/// A child arriving while an adult is inside (ratio 1) enters at once: the
/// adult waits inside for the child's whole visit.
#[test]
fn child_care_child_enters_when_there_is_room() {
    explore_n(1000, || {
        let cc = Arc::new(ChildCare::new(1));
        let adult_in = Gate::new();
        let (c2, g2) = (cc.clone(), adult_in.clone());
        let child = shuttle::thread::spawn(move || {
            g2.wait();
            c2.child(|| {})
        });
        cc.adult(move || {
            adult_in.open();
            child.join().unwrap();
        });
    });
}

/// A child waiting for an adult is let in by the adult's arrival: the adult
/// stays until the child is inside.
#[test]
fn child_care_adult_arrival_admits_a_waiting_child() {
    explore_n(1000, || {
        let cc = Arc::new(ChildCare::new(1));
        let child_in = Gate::new();
        let (c2, g2) = (cc.clone(), child_in.clone());
        let child = shuttle::thread::spawn(move || c2.child(|| g2.open()));
        cc.adult(|| child_in.wait());
        child.join().unwrap();
    });
}

/// With two adults and one child inside (ratio 1), an adult leaves at once:
/// the child and the other adult stay until it has left.
#[test]
fn child_care_adult_leaves_when_legal() {
    explore_n(1000, || {
        let cc = Arc::new(ChildCare::new(1));
        let (b_in, c_in, a_left) = (Gate::new(), Gate::new(), Gate::new());
        let (cc2, b2, a2) = (cc.clone(), b_in.clone(), a_left.clone());
        let b = shuttle::thread::spawn(move || {
            cc2.adult(|| {
                b2.open();
                a2.wait();
            })
        });
        let (cc3, c3, a3) = (cc.clone(), c_in.clone(), a_left.clone());
        let c = shuttle::thread::spawn(move || {
            cc3.child(|| {
                c3.open();
                a3.wait();
            })
        });
        cc.adult(|| {
            b_in.wait();
            c_in.wait();
        });
        a_left.open();
        b.join().unwrap();
        c.join().unwrap();
    });
}

/// An adult who may not leave yet (its child would be alone) is let out by a
/// second adult's arrival, not only by the child leaving: the child stays
/// until the first adult has left.
#[test]
fn child_care_adult_arrival_lets_a_waiting_adult_leave() {
    explore_n(1000, || {
        let cc = Arc::new(ChildCare::new(1));
        let (c_in, a_left) = (Gate::new(), Gate::new());
        let (cc2, c2, a2) = (cc.clone(), c_in.clone(), a_left.clone());
        let (cc3, a3) = (cc.clone(), a_left.clone());
        let first = shuttle::thread::spawn(move || {
            cc2.adult(|| c2.wait());
            a2.open();
        });
        let (c4, a4) = (c_in.clone(), a_left.clone());
        let child = shuttle::thread::spawn(move || {
            cc.child(|| {
                c4.open();
                a4.wait();
            })
        });
        cc3.adult(|| a3.wait());
        first.join().unwrap();
        child.join().unwrap();
    });
}
