//! The limit on how deeply blocks nest. Blocks are built, compiled and marked by recursive
//! passes over the rows, so a file of thousands of ever more indented `if` rows must be refused
//! with a diagnostic before those passes run out of stack.

use crate::ast::{Row, RowKind};
use crate::diag::Diagnostic;

/// The deepest a block may be nested (an `if` inside a `while` inside a `def` is three levels).
/// Python itself refuses 100 levels of indentation.
pub const MAX_BLOCK_DEPTH: usize = 100;

/// Finds the first row nested more than [`MAX_BLOCK_DEPTH`] blocks deep. A row belongs to the
/// innermost header above it that is indented less than it, which is how the blocks are built;
/// this walk keeps its own stack of the headers' indentations.
pub fn check_block_depth(rows: &[Row], is_header: fn(&RowKind) -> bool) -> Result<(), Diagnostic> {
    let mut open: Vec<usize> = Vec::new();
    for row in rows {
        while open.last().is_some_and(|&indent| row.indent <= indent) {
            open.pop();
        }
        if open.len() > MAX_BLOCK_DEPTH {
            let text = row.text.trim();
            return Err(Diagnostic::new(
                row.line,
                row.indent as u32 + 1,
                format!(
                    "expected at most {MAX_BLOCK_DEPTH} nested blocks, but this row is inside {}",
                    open.len()
                ),
            )
            .with_len(text.chars().count())
            .with_hint("move the inner blocks into a procedure (`def`), or restructure the loop"));
        }
        if is_header(&row.kind) {
            open.push(row.indent);
        }
    }
    Ok(())
}
