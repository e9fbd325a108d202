//! # lbos-check: exhaustive search over a Sync program's states
//!
//! Owns the search (breadth-first for shortest counterexamples, in parallel over `jobs`
//! threads with results independent of their number; depth-first to save memory), the visited
//! set (`store`: states compressed into interned parts), the properties it decides (deadlock,
//! assertions, invariants, runtime errors, dead rows; with `Options::liveness`, starvation under
//! fairness: `liveness`), the probabilistic bitstate search and swarm runs (`bitstate`), the limits that end a search cleanly, statistics, and counterexample paths. It returns data
//! ([`Report`]), and in [`present`] the one JSON form and the words of a result, and the trace
//! file; printing belongs to the CLI and the server.
//!
//! It must not define semantics: every state and transition comes from
//! [`lbos_vm::Machine::successors`] (or the vm's reduced form of it,
//! `Machine::reduced_moves`).

pub mod bitstate;
mod liveness;
mod memory;
pub mod mutants;
pub mod present;
mod search;
mod store;

pub use liveness::Starvation;
pub use memory::current_rss_bytes;
pub use search::{Options, Progress, ProgressFn, Report, Stats, Verdict, Violation, check};
