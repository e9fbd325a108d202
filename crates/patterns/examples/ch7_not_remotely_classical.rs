//! Chapter 7: sushi bar, child care, room party, Senate bus, Faneuil Hall,
//! dining hall.
//!
//! `cargo run -p lbos-patterns --example ch7_not_remotely_classical`

use lbos_patterns::problems::dining_hall::DiningHall;
use lbos_patterns::problems::room_party::Room;
use lbos_patterns::problems::senate_bus::BusStop;
use lbos_patterns::problems::sushi_bar::SushiBar;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

fn main() {
    println!("== sushi bar with 3 seats: once full, newcomers wait for the whole party");
    let bar = Arc::new(SushiBar::new(3));
    let hs: Vec<_> = (0..6)
        .map(|i| {
            let bar = bar.clone();
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(2 * i));
                bar.eat(|| {
                    println!("customer {i} eats");
                    thread::sleep(Duration::from_millis(10 + 3 * i));
                    println!("customer {i} leaves");
                })
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());

    println!("\n== room party (the Dean breaks up at 3)");
    let room = Arc::new(Room::new(3));
    let r = room.clone();
    let dean = thread::spawn(move || {
        thread::sleep(Duration::from_millis(5));
        let v = r.dean(
            || println!("Dean: searching the empty room"),
            || println!("Dean: breaking up the party!"),
        );
        println!("Dean: done ({v:?})");
    });
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let room = room.clone();
            thread::spawn(move || {
                room.student(|| {
                    println!("student {i} parties");
                    thread::sleep(Duration::from_millis(20));
                })
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
    dean.join().unwrap();

    println!("\n== Senate bus (capacity 2), 5 riders");
    let stop = Arc::new(BusStop::new(2));
    let hs: Vec<_> = (0..5)
        .map(|i| {
            let s = stop.clone();
            thread::spawn(move || s.rider(|| println!("rider {i} boards")))
        })
        .collect();
    thread::sleep(Duration::from_millis(10));
    let mut total = 0;
    while total < 5 {
        let n = stop.bus(|| {});
        println!("bus departs with {n}");
        total += n;
    }
    hs.into_iter().for_each(|h| h.join().unwrap());

    println!("\n== dining hall: nobody is left eating alone");
    let hall = Arc::new(DiningHall::new());
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let hall = hall.clone();
            thread::spawn(move || {
                hall.student(
                    || {
                        println!("student {i} dines");
                        thread::sleep(Duration::from_millis(5 * (i + 1)));
                    },
                    || println!("student {i} leaves"),
                )
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
}
