//! # lbos-lang: the Sync language front end
//!
//! Owns everything from source text to a checked [`Program`]: Downey's file format (the
//! initialization block, `## Thread` columns, hidden `##` comments, the `## Invariant`
//! extension), rows and indentation-defined blocks, name resolution (shared globals, `self.x`
//! per thread, procedure locals), and diagnostics with line, column and hints.
//!
//! It must not execute anything: what a program *does* is defined only by `lbos-vm`.

mod ast;
mod compile;
pub mod diag;
mod lexer;
pub mod mutate;
mod parser;
pub mod program;

pub use compile::compile;
pub use diag::{Diagnostic, Diagnostics};
pub use program::Program;
