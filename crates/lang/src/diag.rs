//! Diagnostics: every error the front end reports names a line and column, says what was
//! expected, and may carry a hint. Rendering with source excerpts is done here so that every
//! front end (CLI, server) shows the same text.

use serde::Serialize;
use std::fmt;

/// One problem in a Sync source file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters, tabs counted as one).
    pub column: u32,
    /// Length of the offending text in characters (at least 1).
    pub len: u32,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(line: u32, column: u32, message: impl Into<String>) -> Self {
        Diagnostic {
            line,
            column,
            len: 1,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_len(mut self, len: usize) -> Self {
        self.len = len.max(1) as u32;
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Renders the diagnostic like a compiler does: location, the source line, a caret, the hint.
    pub fn render(&self, file: &str, source: &str) -> String {
        // Columns are counted after a byte order mark (see `crate::compile`).
        let source = crate::strip_bom(source);
        let mut out = format!(
            "error: {}\n  --> {}:{}:{}\n",
            self.message, file, self.line, self.column
        );
        if let Some(text) = source.lines().nth(self.line.saturating_sub(1) as usize) {
            let gutter = self.line.to_string();
            let pad = " ".repeat(gutter.len());
            let shown: String = text
                .chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .collect();
            let caret_pad = " ".repeat(self.column.saturating_sub(1) as usize);
            let carets = "^".repeat(self.len as usize);
            out.push_str(&format!(
                "{pad} |\n{gutter} | {shown}\n{pad} | {caret_pad}{carets}\n"
            ));
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("  = hint: {hint}\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// All problems found in one file (the front end keeps going after the first where it can).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn render(&self, file: &str, source: &str) -> String {
        self.0
            .iter()
            .map(|d| d.render(file, source))
            .collect::<Vec<_>>()
            .join("\n")
    }
    pub fn first(&self) -> &Diagnostic {
        &self.0[0]
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
