//! Systematic schedule exploration with shuttle.
//!
//! Run with `cargo test -p lbos-patterns --features shuttle --test shuttle`.
#![cfg(feature = "shuttle")]

#[path = "shuttle/ch3.rs"]
mod ch3;
#[path = "shuttle/ch4.rs"]
mod ch4;
#[path = "shuttle/ch5.rs"]
mod ch5;
#[path = "shuttle/ch6.rs"]
mod ch6;
#[path = "shuttle/ch7.rs"]
mod ch7;
#[path = "shuttle/ch8.rs"]
mod ch8;
#[path = "shuttle/harness.rs"]
mod harness;
#[path = "shuttle/primitives.rs"]
mod primitives;
