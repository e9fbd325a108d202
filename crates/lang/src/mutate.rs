//! Mutants of a program: small, plausible mistakes in its synchronization, for mutation
//! analysis (does the program's specification notice when a `wait` goes missing?).
//!
//! Mutants are made on the source text, row by row, so that each one is a program a student
//! could have written and reads as the original with one change:
//! - **delete**: a `wait`, `signal`, `lock` or `unlock` row becomes `pass`;
//! - **swap**: such a row trades places with the next row of its block;
//! - **true** / **false**: the condition of an `if`, `elif` or `while` (not `while True`)
//!   becomes `True` or `False`.
//!
//! Only thread code and procedures are mutated, never the initialization block or the
//! invariants (they are the specification). A mutant that does not compile is dropped.

use crate::lexer::comment_of;
use crate::program::{Block, Program};

/// How a mutant differs from its program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MutationKind {
    Delete,
    Swap,
    True,
    False,
}

impl MutationKind {
    pub fn word(self) -> &'static str {
        match self {
            MutationKind::Delete => "delete",
            MutationKind::Swap => "swap",
            MutationKind::True => "true",
            MutationKind::False => "false",
        }
    }
}

/// One mutant: its source and what was changed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Mutant {
    pub kind: MutationKind,
    /// The (first) source line changed.
    pub line: u32,
    /// A stable name, e.g. `delete L12`, `swap L12-13`, `true L20`.
    pub id: String,
    /// What the change is, in words: "delete `mutex.wait()`".
    pub description: String,
    pub source: String,
}

const SYNC_METHODS: [&str; 4] = [".wait(", ".signal(", ".lock(", ".unlock("];
const KEYWORDS: [&str; 9] = [
    "if", "elif", "else", "while", "def", "return", "assert", "break", "pass",
];

/// The row's code: its text without indentation and trailing comment.
fn code_of(text: &str) -> &str {
    let code = match comment_of(text) {
        Some(c) => &text[..text.len() - c.len() - 1],
        None => text,
    };
    code.trim()
}

fn indent_of(text: &str) -> &str {
    &text[..text.len() - text.trim_start().len()]
}

fn first_word(code: &str) -> &str {
    code.split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .unwrap_or("")
}

/// A statement row whose whole job is a semaphore, lightswitch or barrier operation.
fn is_sync_call(code: &str) -> bool {
    !KEYWORDS.contains(&first_word(code))
        && code.ends_with(')')
        && !code.contains('=')
        && SYNC_METHODS.iter().any(|m| code.contains(m))
}

/// A simple statement (not a block header), which can trade places with a neighbour.
fn is_simple(code: &str) -> bool {
    !code.is_empty() && !code.ends_with(':') && !matches!(first_word(code), "break" | "return")
}

/// The condition of an `if`/`elif`/`else if`/`while` header row, as a byte range of `text`.
fn condition_of(text: &str) -> Option<(usize, usize)> {
    let code = code_of(text);
    let start = text.len() - text.trim_start().len();
    let keyword = ["else if ", "elif ", "if ", "while "]
        .into_iter()
        .find(|k| code.starts_with(k))?;
    let from = start + keyword.len();
    // The header's colon: the first `:` outside brackets and strings.
    let (mut depth, mut quote) = (0i32, None);
    for (i, c) in text[from..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ':') if depth == 0 => {
                let cond = text[from..from + i].trim();
                if cond == "True" || cond.is_empty() {
                    return None;
                }
                let lead = text[from..].len() - text[from..].trim_start().len();
                return Some((from + lead, from + lead + cond.len()));
            }
            _ => {}
        }
    }
    None
}

/// Every mutant of `program` that compiles, in source order.
pub fn mutants(program: &Program) -> Vec<Mutant> {
    let source = &program.source;
    let lines: Vec<&str> = source.lines().collect();
    let mut rows: Vec<&crate::program::Row> = program
        .rows
        .iter()
        .filter(|r| r.is_step && matches!(r.block, Block::Column(_) | Block::Proc(_)))
        .collect();
    rows.sort_by_key(|r| r.line);
    let with_line = |line: u32, text: String| -> String {
        let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        out[line as usize - 1] = text;
        out.join("\n") + "\n"
    };
    let mut found = Vec::new();
    for (k, row) in rows.iter().enumerate() {
        let Some(&text) = lines.get(row.line as usize - 1) else {
            continue;
        };
        let code = code_of(text);
        if is_sync_call(code) {
            let kept_comment = comment_of(text)
                .map(|c| format!("  #{c}"))
                .unwrap_or_default();
            found.push(Mutant {
                kind: MutationKind::Delete,
                line: row.line,
                id: format!("delete L{}", row.line),
                description: format!("delete `{code}`"),
                source: with_line(row.line, format!("{}pass{kept_comment}", indent_of(text))),
            });
            // Swap with the next row of the same block, right below it at the same indent.
            if let Some(next) = rows.get(k + 1)
                && next.line == row.line + 1
                && next.block == row.block
                && let Some(&next_text) = lines.get(next.line as usize - 1)
                && indent_of(next_text) == indent_of(text)
                && is_simple(code_of(next_text))
            {
                let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                out.swap(row.line as usize - 1, next.line as usize - 1);
                found.push(Mutant {
                    kind: MutationKind::Swap,
                    line: row.line,
                    id: format!("swap L{}-{}", row.line, next.line),
                    description: format!("swap `{code}` and `{}`", code_of(next_text)),
                    source: out.join("\n") + "\n",
                });
            }
        }
        if let Some((a, b)) = condition_of(text) {
            for (kind, value) in [(MutationKind::True, "True"), (MutationKind::False, "False")] {
                found.push(Mutant {
                    kind,
                    line: row.line,
                    id: format!("{} L{}", kind.word(), row.line),
                    description: format!("`{}` becomes `{value}`", &text[a..b]),
                    source: with_line(row.line, format!("{}{value}{}", &text[..a], &text[b..])),
                });
            }
        }
    }
    found.retain(|m| crate::compile(&m.source).is_ok());
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(src: &str) -> Vec<String> {
        mutants(&crate::compile(src).unwrap())
            .into_iter()
            .map(|m| m.id)
            .collect()
    }

    #[test]
    fn mutates_sync_rows_and_conditions_of_thread_code_only() {
        let src = "mutex = Semaphore(1)\ncount = 0\n## Thread x2\nmutex.wait()\ncount += 1\nif count == 2:\n    mutex.signal()  # end\nwhile True:\n    pass\n## Invariant\ncount <= 2\n";
        assert_eq!(
            ids(src),
            ["delete L4", "swap L4-5", "true L6", "false L6", "delete L7"]
        );
        let ms = mutants(&crate::compile(src).unwrap());
        // The deleted row keeps its indentation and its mark.
        assert!(
            ms[4].source.contains("\n    pass  # end\n"),
            "{}",
            ms[4].source
        );
        assert!(
            ms[1]
                .source
                .contains("## Thread x2\ncount += 1\nmutex.wait()\n")
        );
        assert!(ms[2].source.contains("\nif True:\n"));
        assert_eq!(ms[0].description, "delete `mutex.wait()`");
    }

    #[test]
    fn one_line_ifs_and_else_if_conditions_are_found() {
        let src = "s = Semaphore(0)\nn = 0\n## Thread\nif n == 0: s.signal()\nif n < 0:\n    pass\nelse if n > 1:\n    n = 0\n";
        assert_eq!(
            ids(src),
            [
                "true L4", "false L4", "true L5", "false L5", "true L7", "false L7"
            ]
        );
    }
}
