//! Systematic schedule exploration with shuttle.
//!
//! Run with `cargo test -p lbos-patterns --features shuttle --test shuttle`.
#![cfg(feature = "shuttle")]

#[path = "shuttle/harness.rs"]
mod harness;
#[path = "shuttle/primitives.rs"]
mod primitives;
