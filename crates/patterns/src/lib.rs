//! # lbos-patterns
//!
//! The synchronization patterns and problem solutions of Allen Downey's
//! *The Little Book of Semaphores*, as a Rust library.
//!
//! This crate owns:
//!
//! * **Primitives**, in a blocking flavour for `std::thread` code
//!   ([`blocking`]) and an async flavour for tokio or any executor
//!   ([`tasks`]): a weak [`Semaphore`](blocking::Semaphore), a strong
//!   [`FifoSemaphore`](blocking::FifoSemaphore), the
//!   [`Lightswitch`](blocking::Lightswitch) and a reusable
//!   [`Barrier`](blocking::Barrier) built from turnstiles. They follow the
//!   book's semaphore model (bare `wait`/`signal`, hand-off on signal, value
//!   not readable), which is why they exist next to `std` and tokio; each
//!   type's docs say how it differs.
//! * **Problems**: one module per problem of the book under [`problems`],
//!   each solved with those primitives, with an API a program would call and
//!   docs listing the constraints it guarantees. Each is written once and
//!   comes in both flavours: `problems::h2o::Water` for threads,
//!   `problems::h2o::tasks::Water` (`async fn oxygen`, ...) for tasks; see
//!   [`flavour`] for how one text yields both.
//!
//! It does not own the Sync-language interpreter or the model checker (other
//! crates of this workspace): it is plain Rust.
//!
//! ## How it is tested
//!
//! All internal synchronization goes through one private `sync` module that
//! selects `std`, [shuttle](https://docs.rs/shuttle) (feature `shuttle`) or
//! [loom](https://docs.rs/loom) (`RUSTFLAGS="--cfg loom"`). The normal build
//! contains none of that: the feature and the cfg only swap the primitives
//! underneath. See the crate README for the commands.

#![warn(missing_docs, missing_debug_implementations)]
// The blocking flavour of each solution is produced by a tt-muncher
// (`flavour::__blocking_flavour!`) whose depth grows with the text.
#![recursion_limit = "4096"]

pub mod blocking;
mod board;
mod compound;
pub mod flavour;
pub mod problems;
mod raw;
mod sync;
pub mod tasks;
