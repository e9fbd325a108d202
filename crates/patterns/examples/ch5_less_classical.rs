//! Chapter 5: the barbershop, Santa Claus, H2O and the roller coaster.
//!
//! `cargo run -p lbos-patterns --example ch5_less_classical`

use lbos_patterns::problems::barbershop::{Barbershop, Visit};
use lbos_patterns::problems::h2o::Water;
use lbos_patterns::problems::roller_coaster::{Car, Coaster};
use lbos_patterns::problems::santa::NorthPole;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

struct Narrator;
impl Car for Narrator {
    fn load(&mut self) {
        println!("car: boarding");
    }
    fn run(&mut self) {
        println!("car: full, riding!");
    }
    fn unload(&mut self) {
        println!("car: unloading");
    }
}

fn main() {
    println!("== barbershop with room for 3: 6 customers arrive at once");
    let shop = Arc::new(Barbershop::new(3));
    let b = shop.clone();
    let barber = thread::spawn(move || {
        while b.barber(|| {
            println!("barber: cutting");
            thread::sleep(Duration::from_millis(10));
        }) {}
        println!("barber: shop closed");
    });
    let hs: Vec<_> = (0..6)
        .map(|i| {
            let s = shop.clone();
            thread::spawn(move || {
                match s.customer(|| println!("customer {i}: getting a haircut")) {
                    Visit::Haircut => println!("customer {i}: leaves with a haircut"),
                    Visit::Balked => println!("customer {i}: shop full, leaves"),
                }
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
    shop.close();
    barber.join().unwrap();

    println!("\n== Santa: 9 reindeer and 3 elves");
    let pole = Arc::new(NorthPole::new());
    let p = pole.clone();
    let santa = thread::spawn(move || {
        for _ in 0..2 {
            let w = p.santa(
                || println!("Santa: preparing the sleigh"),
                || println!("Santa: helping elves"),
            );
            println!("Santa: woken by {w:?}");
        }
    });
    let hs: Vec<_> = (0..12)
        .map(|i| {
            let p = pole.clone();
            thread::spawn(move || {
                if i < 9 {
                    p.reindeer(|| println!("reindeer {i}: hitched"))
                } else {
                    p.elf(|| println!("elf {i}: getting help"))
                }
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
    santa.join().unwrap();

    println!("\n== H2O: 2 oxygen and 4 hydrogen atoms make 2 molecules");
    let w = Arc::new(Water::new());
    let hs: Vec<_> = (0..6)
        .map(|i| {
            let w = w.clone();
            thread::spawn(move || {
                if i < 2 {
                    w.oxygen(|| println!("O{i} bonds"))
                } else {
                    w.hydrogen(|| println!("H{i} bonds"))
                }
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());

    println!("\n== roller coaster: 2 seats, 4 passengers, 2 rides");
    let c = Arc::new(Coaster::new(2));
    let c2 = c.clone();
    let car = thread::spawn(move || (0..2).for_each(|_| c2.car(&mut Narrator)));
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let c = c.clone();
            thread::spawn(move || {
                c.passenger(
                    || println!("passenger {i} boards"),
                    || println!("passenger {i} gets off"),
                )
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
    car.join().unwrap();
}
