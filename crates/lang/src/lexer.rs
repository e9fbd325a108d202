//! Splits one source row into tokens. Rows never span lines (Downey's format is line based).

use crate::diag::Diagnostic;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Name(String),
    Int(i64),
    Str(String),
    /// Operators and punctuation, e.g. `+=`, `//`, `(`, `:`.
    Op(&'static str),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// 1-based column of the first character.
    pub col: u32,
    pub len: u32,
}

const OPS: &[&str] = &[
    "**", "//=", "//", "+=", "-=", "*=", "%=", "==", "!=", "<=", ">=", "++", "--", "->", "+", "-",
    "*", "/", "%", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "!", "&&",
    "||", "&", "|",
];

/// The trailing comment of a row (the text after a `#` outside any string), if any.
pub fn comment_of(text: &str) -> Option<&str> {
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' => return Some(&text[i + 1..]),
            None => {}
        }
    }
    None
}

/// Tokenizes `text` (one row, without its newline). A `#` outside a string ends the row.
pub fn tokenize(line: u32, text: &str) -> Result<Vec<Token>, Diagnostic> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i as u32 + 1;
        if c == ' ' || c == '\t' || c == '\r' {
            i += 1;
        } else if c == '#' {
            break;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            out.push(Token {
                tok: Tok::Name(name),
                col,
                len: (i - start) as u32,
            });
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            let lit: String = chars[start..i].iter().filter(|c| **c != '_').collect();
            let value = lit.parse::<i64>().map_err(|_| {
                let d = Diagnostic::new(line, col, format!("`{lit}` is not an integer literal"))
                    .with_len(i - start);
                if lit.contains('.') {
                    d.with_hint("Sync programs use integers only")
                } else {
                    d.with_hint("integers must fit in 64 bits")
                }
            })?;
            out.push(Token {
                tok: Tok::Int(value),
                col,
                len: (i - start) as u32,
            });
        } else if c == '"' || c == '\'' {
            let start = i;
            i += 1;
            let mut s = String::new();
            loop {
                if i >= chars.len() {
                    return Err(Diagnostic::new(line, col, "unterminated string literal")
                        .with_len(chars.len() - start)
                        .with_hint(format!("close the string with {c}")));
                }
                if chars[i] == c {
                    i += 1;
                    break;
                }
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                    s.push(match chars[i] {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                } else {
                    s.push(chars[i]);
                }
                i += 1;
            }
            out.push(Token {
                tok: Tok::Str(s),
                col,
                len: (i - start) as u32,
            });
        } else {
            let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
            match OPS.iter().find(|op| rest.starts_with(**op)) {
                Some(op) => {
                    out.push(Token {
                        tok: Tok::Op(op),
                        col,
                        len: op.len() as u32,
                    });
                    i += op.len();
                }
                None => {
                    let (shown, hint) = match c {
                        '\u{feff}' => (
                            "U+FEFF".to_string(),
                            "an invisible byte-order mark inside the file (files joined together?): delete it",
                        ),
                        c if c.is_whitespace()
                            || c.is_control()
                            || ('\u{200b}'..='\u{200f}').contains(&c) =>
                        {
                            (
                                format!("U+{:04X}", c as u32),
                                "an invisible character: Sync rows use spaces and tabs only",
                            )
                        }
                        c => (c.to_string(), "Sync rows are Python-like statements"),
                    };
                    return Err(Diagnostic::new(
                        line,
                        col,
                        format!("unexpected character `{shown}`"),
                    )
                    .with_hint(hint));
                }
            }
        }
    }
    Ok(out)
}
