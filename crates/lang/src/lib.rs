//! # lbos-lang: the Sync language front end
//!
//! Owns everything from source text to a checked [`Program`]: Downey's file format (the
//! initialization block, `## Thread` columns, hidden `##` comments, the `## Invariant`
//! extension), rows and indentation-defined blocks, name resolution (shared globals, `self.x`
//! per thread, procedure locals), and diagnostics with line, column and hints.
//!
//! It must not execute anything: what a program *does* is defined only by `lbos-vm`.
//!
//! Every input gets a program or diagnostics, never a panic: expressions and blocks are limited
//! in depth ([`MAX_EXPR_DEPTH`], [`MAX_BLOCK_DEPTH`]) so no recursive pass can overflow its stack.

mod ast;
mod compile;
pub mod diag;
mod lexer;
pub mod mutate;
mod nesting;
mod parser;
pub mod program;

pub use diag::{Diagnostic, Diagnostics};
pub use nesting::MAX_BLOCK_DEPTH;
pub use parser::MAX_EXPR_DEPTH;
pub use program::Program;

/// The byte order mark some editors (Notepad among them) put at the start of UTF-8 files.
pub const BOM: char = '\u{feff}';

/// `source` without a leading byte order mark, which is not part of the program.
pub fn strip_bom(source: &str) -> &str {
    source.strip_prefix(BOM).unwrap_or(source)
}

/// Parses and checks a Sync program. A leading byte order mark is ignored (it is invisible in
/// editors, and columns are counted without it); the program's `source` is the text after it.
pub fn compile(source: &str) -> Result<Program, Diagnostics> {
    compile::compile(strip_bom(source))
}
