//! # lbos-vm: what a Sync program does
//!
//! Owns the semantics: [`State`] (globals, heap objects with identity, threads with call
//! stacks) and [`Machine::successors`], the one successor function that `lbos run`, the
//! checker, the server and the browser UI all use. Also owns the words for states
//! ([`describe`]: object names, changes, thread positions, one move explained) and the
//! presentation layer above them ([`present`]: the path type, endings and faults in words,
//! variables, schedules and the loop that runs one), which every front end shares; and the
//! compiled step ([`compiled`]): the same successors on flat fixed-slot states, for the
//! checker's speed, giving way to the interpreter wherever it does not cover a state exactly.
//!
//! It must not search, print or parse: parsing is `lbos-lang`'s, search is `lbos-check`'s.

pub mod budget;
pub mod codec;
pub mod compiled;
pub mod config;
pub mod describe;
pub mod heap;
mod machine;
pub mod present;
pub mod random;
pub mod reduction;
pub mod ring;
pub mod state;
pub mod symmetry;

pub use config::{Config, Limits, SemaphoreModel, ThreadSpec};
pub use machine::{Applied, Event, Fault, FaultKind, Machine, SetupError, Transition, thread_name};
pub use present::PathStep;
pub use state::{Frame, Object, State, Status, Thread, Value};
pub use symmetry::Symmetry;
