//! From source text to a checked [`Program`]: sections and rows, blocks by indentation, name
//! resolution, and code generation with explicit successors.

use std::collections::{BTreeSet, HashMap};

use crate::ast::{self, Node, RowKind, Span};
use crate::diag::{Diagnostic, Diagnostics};
use crate::parser::parse_row;
use crate::program::*;

/// Parses and checks a Sync program.
pub fn compile(source: &str) -> Result<Program, Diagnostics> {
    let mut diags = Vec::new();
    let sections = split_sections(source, &mut diags);
    if !diags.is_empty() {
        if sections.columns.is_empty()
            && let Some(first) = diags.first_mut()
        {
            let note = "this file has no `## Thread` header: is it a Sync program? Sync files put each thread's code under `## Thread`";
            first.hint = Some(match first.hint.take() {
                Some(h) => format!("{h}; also, {note}"),
                None => note.to_string(),
            });
        }
        return Err(Diagnostics(diags));
    }
    let mut cx = Compiler::new(source, &sections);
    cx.run(&sections);
    if cx.diags.is_empty() {
        Ok(cx.finish())
    } else {
        cx.diags.sort_by_key(|d| (d.line, d.column));
        cx.diags.dedup();
        Err(Diagnostics(cx.diags))
    }
}

struct ColumnSrc {
    name: String,
    header_line: u32,
    instances: u32,
    server: bool,
    nodes: Vec<Node>,
}

struct Sections {
    init: Vec<Node>,
    columns: Vec<ColumnSrc>,
    invariants: Vec<(u32, String, ast::Expr)>,
    rows: Vec<Row>,
}

fn indent_width(line: &str) -> usize {
    let mut w = 0;
    for c in line.chars() {
        match c {
            ' ' => w += 1,
            '\t' => w = (w / 4 + 1) * 4,
            _ => break,
        }
    }
    w
}

fn has_mixed_indent(line: &str) -> bool {
    let lead: String = line
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    lead.contains('\t')
}

/// A parsed thread header: the text after `thread`.
struct Header {
    name: String,
    instances: Option<u32>,
    /// A trailing `(server)`.
    server: bool,
}

/// Parses a thread header's text after `thread`: a name, an optional `xN` and an optional
/// trailing `(server)`. An `xN` whose count does not fit is an error (the offending word),
/// not part of the name.
fn parse_header(rest: &str) -> Result<Header, &str> {
    let mut words: Vec<&str> = rest.split_whitespace().collect();
    let server = words.len() > 1
        && words
            .last()
            .is_some_and(|w| w.eq_ignore_ascii_case("(server)"));
    if server {
        words.pop();
    }
    let mut instances = None;
    if let Some(last) = words.last()
        && let Some(n) = last.strip_prefix('x').or_else(|| last.strip_prefix('×'))
        && !n.is_empty()
        && n.chars().all(|c| c.is_ascii_digit())
    {
        instances = Some(n.parse::<u32>().map_err(|_| *last)?);
        words.pop();
    }
    Ok(Header {
        name: words.join(" "),
        instances,
        server,
    })
}

/// Whether the row's trailing comment is the mark `word` (`# end`, `# end: why`), as SPIN's
/// `end` and `progress` labels. Ordinary prose (`# end of the section`) is not a mark.
fn has_mark(line: &str, word: &str) -> bool {
    let Some(comment) = crate::lexer::comment_of(line) else {
        return false;
    };
    let comment = comment.trim();
    let Some(rest) = comment
        .get(..word.len())
        .filter(|head| head.eq_ignore_ascii_case(word))
        .map(|_| &comment[word.len()..])
    else {
        return false;
    };
    rest.is_empty() || rest.starts_with(':')
}

fn split_sections(source: &str, diags: &mut Vec<Diagnostic>) -> Sections {
    enum Sect {
        Init,
        Column,
        Invariant,
    }
    let mut sect = Sect::Init;
    let mut init_rows = Vec::new();
    let mut columns: Vec<(Header, u32, Vec<ast::Row>)> = Vec::new();
    let mut invariants = Vec::new();
    let mut rows = Vec::new();
    for (i, raw) in source.lines().enumerate() {
        let line_no = i as u32 + 1;
        let line = raw.trim_end();
        if line.trim().is_empty() {
            continue;
        }
        let trimmed = line.trim_start();
        if let Some(after) = trimmed.strip_prefix("##") {
            let after = after.trim_start_matches('#').trim();
            let first = after
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if first == "thread"
                || first.starts_with("thread")
                    && first.len() > 6
                    && !first[6..].chars().next().unwrap().is_alphanumeric()
            {
                let rest = after[6..]
                    .trim_start_matches(|c: char| !c.is_whitespace() && !c.is_alphanumeric());
                let header = parse_header(rest).unwrap_or_else(|word| {
                    let col = line.find(word).map_or(1, |i| line[..i].chars().count() + 1) as u32;
                    diags.push(
                        Diagnostic::new(line_no, col, format!("`{word}`: too many instances"))
                            .with_len(word.chars().count())
                            .with_hint(
                                "a column has at most 4294967295 instances; checks need a handful",
                            ),
                    );
                    Header {
                        name: rest.to_string(),
                        instances: Some(1),
                        server: false,
                    }
                });
                columns.push((header, line_no, Vec::new()));
                sect = Sect::Column;
            } else if first == "invariant" || first == "invariants" {
                sect = Sect::Invariant;
            }
            // Any other `##` line is a hidden comment.
            continue;
        }
        if let Sect::Invariant = sect {
            if trimmed.starts_with('#') {
                continue;
            }
            let text = line.to_string();
            match parse_row(line_no, line) {
                Ok(RowKind::Simple(ast::Stmt::Expr(e))) => invariants.push((line_no, text.trim().to_string(), e)),
                Ok(RowKind::Simple(ast::Stmt::Comment)) => {}
                Ok(_) => diags.push(
                    Diagnostic::new(line_no, indent_width(line) as u32 + 1, "expected a boolean expression in the `## Invariant` section")
                        .with_len(text.trim().len())
                        .with_hint("each invariant row is an expression over global variables, e.g. `inside <= 1`"),
                ),
                Err(d) => diags.push(d),
            }
            continue;
        }
        let kind = match parse_row(line_no, line) {
            Ok(k) => k,
            Err(d) => {
                // Keep the row (as a comment) so that one bad row does not also break the
                // block structure around it and cause a cascade of errors.
                diags.push(d);
                RowKind::Simple(ast::Stmt::Comment)
            }
        };
        let id = rows.len() as u32;
        rows.push(Row {
            line: line_no,
            block: Block::Init,
            text: line.to_string(),
            is_step: false,
            end: has_mark(line, "end"),
            progress: has_mark(line, "progress"),
        });
        let row = ast::Row {
            id,
            line: line_no,
            indent: indent_width(line),
            text: line.to_string(),
            kind,
        };
        match sect {
            Sect::Init => init_rows.push(row),
            Sect::Column => columns.last_mut().unwrap().2.push(row),
            Sect::Invariant => unreachable!(),
        }
    }
    let init = build_blocks(&init_rows, diags);
    let columns = columns
        .into_iter()
        .map(|(header, header_line, rws)| {
            let nodes = build_blocks(&rws, diags);
            if header.server {
                mark_server_end(&nodes, header_line, &mut rows, diags);
            }
            ColumnSrc {
                name: header.name,
                header_line,
                instances: header.instances.unwrap_or(1),
                server: header.server,
                nodes,
            }
        })
        .collect();
    Sections {
        init,
        columns,
        invariants,
        rows,
    }
}

/// A `(server)` thread may wait forever at the top of its outermost loop: that row (the first
/// of the loop's body) is a valid end row.
fn mark_server_end(
    nodes: &[Node],
    header_line: u32,
    rows: &mut [Row],
    diags: &mut Vec<Diagnostic>,
) {
    let top = nodes
        .iter()
        .find(|n| matches!(n.row.kind, RowKind::While(_)))
        .and_then(|n| n.body.first());
    match top {
        Some(first) => rows[first.row.id as usize].end = true,
        None => diags.push(
            Diagnostic::new(header_line, 1, "a `(server)` thread needs a `while` loop at its top level")
                .with_hint("`(server)` marks the first row of the thread's outermost loop as a valid end; mark a row with a `# end` comment instead if the thread does not loop"),
        ),
    }
}

fn is_header(kind: &RowKind) -> bool {
    matches!(
        kind,
        RowKind::If(_)
            | RowKind::Elif(_)
            | RowKind::Else
            | RowKind::While(_)
            | RowKind::Def {
                inline_return: None,
                ..
            }
    )
}

fn build_blocks(rows: &[ast::Row], diags: &mut Vec<Diagnostic>) -> Vec<Node> {
    if let Err(d) = crate::nesting::check_block_depth(rows, is_header) {
        diags.push(d);
        return Vec::new();
    }
    let mut i = 0;
    build(rows, &mut i, None, diags)
}

fn build(
    rows: &[ast::Row],
    i: &mut usize,
    parent: Option<usize>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Node> {
    let mut out = Vec::new();
    while *i < rows.len() && parent.is_none_or(|p| rows[*i].indent > p) {
        let row = rows[*i].clone();
        *i += 1;
        let body = if is_header(&row.kind) {
            let body = build(rows, i, Some(row.indent), diags);
            if body.is_empty() {
                let kw = row
                    .text
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .trim_end_matches(':')
                    .to_string();
                let mut d = Diagnostic::new(row.line, row.indent as u32 + 1, format!("expected an indented block after `{kw}`"))
                    .with_len(row.text.trim().len())
                    .with_hint("indent the rows of the block deeper than the header; use `pass` for an empty block");
                if let Some(next) = rows.get(*i)
                    && (has_mixed_indent(&next.text) || has_mixed_indent(&row.text))
                {
                    d = d.with_hint("tabs and spaces are mixed here; lbos counts a tab as 4 columns, as Sync.py does");
                }
                diags.push(d);
            }
            body
        } else {
            Vec::new()
        };
        out.push(Node { row, body });
    }
    out
}

// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Init,
    Thread,
    Proc(u32),
    /// An `## Invariant` line: it may read a semaphore's or lightswitch's count (`s.value`).
    Invariant,
}

struct Compiler<'a> {
    source: &'a str,
    diags: Vec<Diagnostic>,
    globals: Vec<String>,
    global_ids: HashMap<String, u32>,
    self_attrs: Vec<String>,
    strings: Vec<String>,
    code: Vec<Instr>,
    rows: Vec<Row>,
    procs: Vec<Proc>,
    /// Whether each procedure is a one-line `def f(x): return e` (known before bodies compile).
    proc_is_function: Vec<bool>,
    proc_ids: HashMap<String, u32>,
    columns: Vec<Column>,
    invariants: Vec<Invariant>,
    init_entry: Pc,
    /// Locals of the procedure being compiled.
    locals: Vec<String>,
    /// Variables of the enclosing list comprehensions, innermost last.
    comp_vars: Vec<String>,
    ctx: Ctx,
    /// Exit of the innermost loop, for `break`.
    loop_exit: Option<Pc>,
}

fn assigned_names(nodes: &[Node], out: &mut BTreeSet<String>) {
    fn stmt(s: &ast::Stmt, out: &mut BTreeSet<String>) {
        match s {
            ast::Stmt::Assign(ts, _) => {
                for t in ts {
                    if let ast::Expr::Name(n, _) = t {
                        out.insert(n.clone());
                    }
                }
            }
            ast::Stmt::AugAssign(ast::Expr::Name(n, _), _, _) => {
                out.insert(n.clone());
            }
            ast::Stmt::IfInline(_, s) => stmt(s, out),
            _ => {}
        }
    }
    for n in nodes {
        if let RowKind::Simple(s) = &n.row.kind {
            stmt(s, out);
        }
        if !matches!(n.row.kind, RowKind::Def { .. }) {
            assigned_names(&n.body, out);
        }
    }
}

fn self_attr_names(nodes: &[Node], out: &mut BTreeSet<String>) {
    fn expr(e: &ast::Expr, out: &mut BTreeSet<String>) {
        match e {
            ast::Expr::Attr(obj, name, _) => {
                if matches!(&**obj, ast::Expr::Name(n, _) if n == "self") {
                    if name != "index" {
                        out.insert(name.clone());
                    }
                } else {
                    expr(obj, out);
                }
            }
            ast::Expr::Call(f, args, _) => {
                expr(f, out);
                args.iter().for_each(|a| expr(a, out));
            }
            ast::Expr::Index(a, b, _)
            | ast::Expr::Binary(_, a, b, _)
            | ast::Expr::Comp(a, _, b) => {
                expr(a, out);
                expr(b, out);
            }
            ast::Expr::Unary(_, a, _) => expr(a, out),
            ast::Expr::List(items) => items.iter().for_each(|a| expr(a, out)),
            _ => {}
        }
    }
    fn stmt(s: &ast::Stmt, out: &mut BTreeSet<String>) {
        match s {
            ast::Stmt::Expr(e) => expr(e, out),
            ast::Stmt::Assign(ts, e) => {
                ts.iter().for_each(|t| expr(t, out));
                expr(e, out);
            }
            ast::Stmt::AugAssign(t, _, e) => {
                expr(t, out);
                expr(e, out);
            }
            ast::Stmt::Assert(a, b) => {
                expr(a, out);
                if let Some(b) = b {
                    expr(b, out);
                }
            }
            ast::Stmt::Return(Some(e)) => expr(e, out),
            ast::Stmt::IfInline(c, s) => {
                expr(c, out);
                stmt(s, out);
            }
            _ => {}
        }
    }
    for n in nodes {
        match &n.row.kind {
            RowKind::Simple(s) => stmt(s, out),
            RowKind::If(e) | RowKind::Elif(e) | RowKind::While(e) => expr(e, out),
            RowKind::Def {
                inline_return: Some(e),
                ..
            } => expr(e, out),
            _ => {}
        }
        self_attr_names(&n.body, out);
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

impl<'a> Compiler<'a> {
    fn new(source: &'a str, sections: &Sections) -> Self {
        Compiler {
            source,
            diags: Vec::new(),
            globals: Vec::new(),
            global_ids: HashMap::new(),
            self_attrs: Vec::new(),
            strings: Vec::new(),
            code: Vec::new(),
            rows: sections.rows.clone(),
            procs: Vec::new(),
            proc_is_function: Vec::new(),
            proc_ids: HashMap::new(),
            columns: Vec::new(),
            invariants: Vec::new(),
            init_entry: END,
            locals: Vec::new(),
            comp_vars: Vec::new(),
            ctx: Ctx::Init,
            loop_exit: None,
        }
    }

    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn intern(&mut self, s: &str) -> StrId {
        if let Some(i) = self.strings.iter().position(|x| x == s) {
            return i as StrId;
        }
        self.strings.push(s.to_string());
        (self.strings.len() - 1) as StrId
    }

    fn run(&mut self, s: &Sections) {
        // Procedures first: their names must be known before any call is resolved.
        let mut defs = Vec::new();
        for node in &s.init {
            if let RowKind::Def {
                name,
                params,
                inline_return,
            } = &node.row.kind
            {
                if self.proc_ids.contains_key(name) || Builtin::lookup(name).is_some() {
                    self.err(
                        Diagnostic::new(
                            node.row.line,
                            node.row.indent as u32 + 1,
                            format!("`{name}` is already defined"),
                        )
                        .with_len(node.row.text.trim().len()),
                    );
                    continue;
                }
                self.proc_ids.insert(name.clone(), self.procs.len() as u32);
                self.proc_is_function.push(inline_return.is_some());
                self.procs.push(Proc {
                    name: name.clone(),
                    line: node.row.line,
                    params: params.len() as u32,
                    locals: params.clone(),
                    inline: None,
                    entry: END,
                });
                defs.push((node, inline_return.clone()));
            }
        }
        let mut names = BTreeSet::new();
        assigned_names(&s.init, &mut names);
        for c in &s.columns {
            assigned_names(&c.nodes, &mut names);
            self.check_no_defs(&c.nodes, true);
        }
        for n in &s.init {
            self.check_no_defs(&n.body, false);
        }
        for name in names {
            if self.proc_ids.contains_key(&name) {
                continue;
            }
            self.global_ids
                .insert(name.clone(), self.globals.len() as u32);
            self.globals.push(name);
        }
        let mut attrs = BTreeSet::new();
        self_attr_names(&s.init, &mut attrs);
        for c in &s.columns {
            self_attr_names(&c.nodes, &mut attrs);
        }
        for (node, _) in &defs {
            self_attr_names(&node.body, &mut attrs);
        }
        self.self_attrs = attrs.into_iter().collect();

        // Procedure bodies.
        for (i, (node, inline)) in defs.iter().enumerate() {
            let i = i as u32;
            self.ctx = Ctx::Proc(i);
            let mut locals = self.procs[i as usize].locals.clone();
            let mut assigned = BTreeSet::new();
            assigned_names(&node.body, &mut assigned);
            for a in assigned {
                if !self.global_ids.contains_key(&a) && !locals.contains(&a) {
                    locals.push(a);
                }
            }
            self.locals = locals.clone();
            self.procs[i as usize].locals = locals;
            if let Some(e) = inline {
                let e = self.expr(e, node.row.line);
                self.procs[i as usize].inline = Some(e);
            } else {
                for n in &node.body {
                    self.mark_rows(n, Block::Proc(i));
                }
                let entry = self.block(&node.body, END);
                self.procs[i as usize].entry = entry;
            }
            self.rows[node.row.id as usize].block = Block::Proc(i);
        }
        self.locals.clear();

        // The initialization block (definitions are not steps).
        self.ctx = Ctx::Init;
        let init: Vec<Node> = s
            .init
            .iter()
            .filter(|n| !matches!(n.row.kind, RowKind::Def { .. }))
            .cloned()
            .collect();
        self.init_entry = self.block(&init, END);

        self.ctx = Ctx::Thread;
        for (ci, c) in s.columns.iter().enumerate() {
            for n in &c.nodes {
                self.mark_rows(n, Block::Column(ci as u32));
            }
            let entry = self.block(&c.nodes, END);
            self.columns.push(Column {
                name: c.name.clone(),
                header_line: c.header_line,
                instances: c.instances,
                server: c.server,
                entry,
            });
        }

        self.ctx = Ctx::Invariant;
        for (line, text, e) in &s.invariants {
            if let Some(span) = find_self(e) {
                self.err(
                    Diagnostic::new(
                        *line,
                        span.col,
                        "invariants are about shared state; `self` is not available here",
                    )
                    .with_len(4),
                );
                continue;
            }
            let expr = self.expr(e, *line);
            self.invariants.push(Invariant {
                line: *line,
                text: text.clone(),
                expr,
            });
        }
    }

    fn check_no_defs(&mut self, nodes: &[Node], in_thread: bool) {
        for n in nodes {
            if let RowKind::Def { name, .. } = &n.row.kind {
                let d = Diagnostic::new(n.row.line, n.row.indent as u32 + 1, format!("procedure `{name}` must be defined at the top level of the initialization block"))
                    .with_len(n.row.text.trim().len());
                self.err(if in_thread {
                    d.with_hint("move the `def` above the first `## Thread` header")
                } else {
                    d
                });
            }
            self.check_no_defs(&n.body, in_thread);
        }
    }

    fn mark_rows(&mut self, node: &Node, block: Block) {
        let row = &mut self.rows[node.row.id as usize];
        row.block = block;
        row.is_step = true;
        for n in &node.body {
            self.mark_rows(n, block);
        }
    }

    fn emit(&mut self, kind: InstrKind, next: Pc, row: u32) -> Pc {
        self.code.push(Instr { kind, next, row });
        (self.code.len() - 1) as Pc
    }

    /// Compiles `nodes` so that control continues at `follow` after the last one; returns the entry.
    /// Compiles backwards so that every successor is known when an instruction is emitted.
    fn block(&mut self, nodes: &[Node], follow: Pc) -> Pc {
        let mut next = follow;
        let mut i = nodes.len();
        while i > 0 {
            i -= 1;
            let node = &nodes[i];
            match &node.row.kind {
                RowKind::Elif(_) | RowKind::Else => {
                    // Find the start of this if-chain.
                    let mut start = i;
                    while start > 0
                        && matches!(nodes[start].row.kind, RowKind::Elif(_) | RowKind::Else)
                    {
                        start -= 1;
                    }
                    let indent = node.row.indent;
                    let valid_chain = matches!(nodes[start].row.kind, RowKind::If(_))
                        && nodes[start..=i].iter().all(|n| n.row.indent == indent)
                        && nodes[start + 1..i]
                            .iter()
                            .all(|n| matches!(n.row.kind, RowKind::Elif(_)));
                    if !valid_chain {
                        let first_bad = (start..=i)
                            .find(|&k| {
                                matches!(nodes[k].row.kind, RowKind::Elif(_) | RowKind::Else)
                                    && (nodes[k].row.indent != nodes[start].row.indent
                                        || !matches!(nodes[start].row.kind, RowKind::If(_)))
                            })
                            .unwrap_or(i);
                        let bad = &nodes[first_bad].row;
                        let kw = if matches!(bad.kind, RowKind::Else) {
                            "else"
                        } else {
                            "elif"
                        };
                        let mut d = Diagnostic::new(
                            bad.line,
                            bad.indent as u32 + 1,
                            format!("`{kw}` without a matching `if` at the same indentation"),
                        )
                        .with_len(bad.text.trim().len());
                        d = if has_mixed_indent(&bad.text)
                            || nodes[start..=i]
                                .iter()
                                .any(|n| has_mixed_indent(&n.row.text))
                        {
                            d.with_hint("tabs and spaces are mixed here; lbos counts a tab as 4 columns, as Sync.py does")
                        } else if start < i
                            && matches!(
                                &nodes[start].row.kind,
                                RowKind::Simple(ast::Stmt::IfInline(..))
                            )
                        {
                            d.with_hint("a one-line `if c: stmt` cannot have an `else`; put the body on its own row")
                        } else {
                            d.with_hint(format!("indent `{kw}` exactly like its `if`"))
                        };
                        self.err(d);
                        // Skip the broken chain; keep compiling the rows before it.
                        let chain_start = matches!(
                            nodes[start].row.kind,
                            RowKind::If(_) | RowKind::Elif(_) | RowKind::Else
                        );
                        i = if chain_start { start } else { start + 1 };
                        continue;
                    }
                    next = self.if_chain(&nodes[start..=i], next);
                    i = start;
                }
                _ => next = self.node(node, next),
            }
        }
        next
    }

    fn if_chain(&mut self, chain: &[Node], follow: Pc) -> Pc {
        // For each element from the last: `enter` = where a false test of the previous element goes,
        // `skip` = where a taken body of the previous element goes.
        let mut enter = follow;
        let mut skip = follow;
        for node in chain.iter().rev() {
            let row = node.row.id;
            match &node.row.kind {
                RowKind::Else => {
                    let body = self.block(&node.body, follow);
                    let e = self.emit(InstrKind::Skip { target: body }, body, row);
                    let s = self.emit(InstrKind::Skip { target: follow }, follow, row);
                    enter = e;
                    skip = s;
                }
                RowKind::Elif(cond) | RowKind::If(cond) => {
                    let cond = self.expr(cond, node.row.line);
                    let body = self.block(&node.body, skip);
                    let t = self.emit(
                        InstrKind::Test {
                            cond,
                            on_false: enter,
                        },
                        body,
                        row,
                    );
                    if matches!(node.row.kind, RowKind::Elif(_)) {
                        skip = self.emit(InstrKind::Skip { target: follow }, follow, row);
                    }
                    enter = t;
                }
                _ => unreachable!("if chains hold only if/elif/else"),
            }
        }
        enter
    }

    fn node(&mut self, node: &Node, next: Pc) -> Pc {
        let row = node.row.id;
        let line = node.row.line;
        match &node.row.kind {
            RowKind::Simple(s) => {
                let stmt = self.stmt(s, line, node.row.indent);
                self.emit(InstrKind::Exec(stmt), next, row)
            }
            RowKind::If(_) => self.if_chain(std::slice::from_ref(node), next),
            RowKind::While(cond) => {
                let cond = self.expr(cond, line);
                let head = self.emit(
                    InstrKind::Test {
                        cond,
                        on_false: next,
                    },
                    END,
                    row,
                );
                let saved = self.loop_exit.replace(next);
                let body = self.block(&node.body, head);
                self.loop_exit = saved;
                self.code[head as usize].next = body;
                head
            }
            RowKind::Def { .. } => END, // reported by check_no_defs
            RowKind::Elif(_) | RowKind::Else => unreachable!("handled by block"),
        }
    }

    fn stmt(&mut self, s: &ast::Stmt, line: u32, indent: usize) -> Stmt {
        let col = indent as u32 + 1;
        match s {
            ast::Stmt::Comment | ast::Stmt::Pass => Stmt::Nop,
            ast::Stmt::Break => match self.loop_exit {
                Some(exit) => Stmt::Jump(exit),
                None => {
                    self.err(
                        Diagnostic::new(line, col, "`break` outside a `while` loop").with_len(5),
                    );
                    Stmt::Nop
                }
            },
            ast::Stmt::Return(e) => {
                if !matches!(self.ctx, Ctx::Proc(_)) {
                    self.err(Diagnostic::new(line, col, "`return` outside a procedure").with_len(6)
                        .with_hint("a thread ends when it runs past its last row; use `balk()` to leave early"));
                }
                Stmt::Return(e.as_ref().map(|e| self.expr(e, line)))
            }
            ast::Stmt::Assert(c, m) => {
                Stmt::Assert(self.expr(c, line), m.as_ref().map(|m| self.expr(m, line)))
            }
            ast::Stmt::IfInline(c, body) => {
                let c = self.expr(c, line);
                if let ast::Stmt::Expr(ast::Expr::Call(f, _, span)) = &**body
                    && let ast::Expr::Attr(_, m, _) = &**f
                    && (m == "lock" || m == "unlock")
                {
                    self.err(
                        Diagnostic::new(
                            line,
                            span.col,
                            "a lightswitch call runs in several steps and must be a row of its own",
                        )
                        .with_hint("write `if c:` and put the call on the next, indented row"),
                    );
                }
                let body = self.stmt(body, line, indent);
                Stmt::IfInline(c, Box::new(body))
            }
            ast::Stmt::Expr(e) => {
                if let Some((proc, args)) = self.multi_row_call(e, line) {
                    return Stmt::Call {
                        proc,
                        args,
                        dest: None,
                    };
                }
                if let ast::Expr::Call(f, args, _) = e
                    && let ast::Expr::Attr(obj, m, _) = &**f
                    && let Some(method) = Method::lookup(m)
                    && method.runs_as_statement(args.len())
                    && !self.is_action_receiver(obj)
                {
                    let obj = self.expr(obj, line);
                    let args = args.iter().map(|a| self.expr(a, line)).collect();
                    return Stmt::Expr(Expr::Method(Box::new(obj), method, args));
                }
                Stmt::Expr(self.expr(e, line))
            }
            ast::Stmt::Assign(targets, value) => {
                if let Some((proc, args)) = self.multi_row_call(value, line) {
                    if targets.len() > 1 {
                        self.err(Diagnostic::new(
                            line,
                            col,
                            "a procedure's result can be assigned to one target only",
                        ));
                    }
                    let dest = self.target(&targets[0], line);
                    return Stmt::Call {
                        proc,
                        args,
                        dest: Some(dest),
                    };
                }
                let ts = targets.iter().map(|t| self.target(t, line)).collect();
                Stmt::Assign(ts, self.expr(value, line))
            }
            ast::Stmt::AugAssign(t, op, e) => {
                let t = self.target(t, line);
                Stmt::AugAssign(t, *op, self.expr(e, line))
            }
        }
    }

    /// `f(args)` where `f` is a procedure with several rows.
    fn multi_row_call(&mut self, e: &ast::Expr, line: u32) -> Option<(u32, Vec<Expr>)> {
        if let ast::Expr::Call(f, args, span) = e
            && let ast::Expr::Name(n, _) = &**f
            && !self.is_variable(n)
            && let Some(&p) = self.proc_ids.get(n)
            && self.is_multi_row(p)
        {
            self.check_arity(p, args.len(), *span);
            let args = args.iter().map(|a| self.expr(a, line)).collect();
            return Some((p, args));
        }
        None
    }

    fn is_multi_row(&self, p: u32) -> bool {
        !self.proc_is_function[p as usize]
    }

    fn check_arity(&mut self, p: u32, got: usize, span: Span) {
        let want = self.procs[p as usize].params as usize;
        if want != got {
            let name = self.procs[p as usize].name.clone();
            self.err(
                Diagnostic::new(
                    span.line,
                    span.col,
                    format!("`{name}` takes {want} argument(s), {got} given"),
                )
                .with_len(span.len as usize),
            );
        }
    }

    fn is_variable(&self, n: &str) -> bool {
        self.comp_vars.iter().any(|v| v == n)
            || self.locals.iter().any(|v| v == n)
            || self.global_ids.contains_key(n)
    }

    /// `buffer.add(x)` where `buffer` is not a variable is an action, like an undefined call.
    fn is_action_receiver(&self, obj: &ast::Expr) -> bool {
        matches!(obj, ast::Expr::Name(n, _) if n != "self" && n != "random" && !self.is_variable(n))
    }

    fn target(&mut self, t: &ast::Expr, line: u32) -> Target {
        match t {
            ast::Expr::Name(n, span) => {
                if let Some(i) = self.locals.iter().position(|v| v == n) {
                    return Target::Local(i as u32);
                }
                if self.comp_vars.iter().any(|v| v == n) {
                    self.err(
                        Diagnostic::new(
                            line,
                            span.col,
                            "cannot assign to a comprehension variable",
                        )
                        .with_len(span.len as usize),
                    );
                }
                match self.global_ids.get(n) {
                    Some(&g) => Target::Global(g),
                    None => {
                        self.err(
                            Diagnostic::new(line, span.col, format!("cannot assign to `{n}`"))
                                .with_len(span.len as usize)
                                .with_hint("a procedure's name cannot be reassigned"),
                        );
                        Target::Global(0)
                    }
                }
            }
            ast::Expr::Attr(_, name, span) => {
                if name == "index" {
                    self.err(
                        Diagnostic::new(line, span.col, "`self.index` is read-only")
                            .with_len(span.len as usize)
                            .with_hint("`self.index` is the thread's number within its column"),
                    );
                }
                Target::SelfAttr(self.self_attr(name))
            }
            ast::Expr::Index(l, i, _) => Target::Index(self.expr(l, line), self.expr(i, line)),
            _ => unreachable!("the parser only accepts assignable targets"),
        }
    }

    fn self_attr(&self, name: &str) -> u32 {
        self.self_attrs
            .iter()
            .position(|a| a == name)
            .expect("collected beforehand") as u32
    }

    fn unknown_name(&mut self, n: &str, span: Span, line: u32) {
        let mut candidates: Vec<&String> = self
            .globals
            .iter()
            .chain(self.locals.iter())
            .chain(self.proc_ids.keys())
            .collect();
        candidates.sort();
        let best = candidates
            .into_iter()
            .map(|c| (edit_distance(n, c), c))
            .filter(|(d, c)| *d <= 2 && *d < c.len())
            .min();
        let mut d = Diagnostic::new(line, span.col, format!("unknown name `{n}`"))
            .with_len(span.len as usize);
        d = match best {
            Some((_, c)) => d.with_hint(format!("did you mean `{c}`?")),
            None => d.with_hint(
                "give it a value in the initialization block (above the first `## Thread`)",
            ),
        };
        self.err(d);
    }

    fn expr(&mut self, e: &ast::Expr, line: u32) -> Expr {
        match e {
            ast::Expr::Int(i) => Expr::Const(Const::Int(*i)),
            ast::Expr::Bool(b) => Expr::Const(Const::Bool(*b)),
            ast::Expr::None => Expr::Const(Const::None),
            ast::Expr::Str(s) => Expr::Const(Const::Str(self.intern(s))),
            ast::Expr::Name(n, span) => {
                if let Some(d) = self.comp_vars.iter().rev().position(|v| v == n) {
                    return Expr::CompVar(d as u32);
                }
                if let Some(i) = self.locals.iter().position(|v| v == n) {
                    return Expr::Local(i as u32);
                }
                if let Some(&g) = self.global_ids.get(n) {
                    return Expr::Global(g);
                }
                if n == "self" {
                    self.err(
                        Diagnostic::new(line, span.col, "`self` alone is not a value")
                            .with_len(4)
                            .with_hint("use an attribute: `self.x`"),
                    );
                } else if self.proc_ids.contains_key(n) || Builtin::lookup(n).is_some() {
                    self.err(
                        Diagnostic::new(
                            line,
                            span.col,
                            format!("`{n}` is a procedure; call it: `{n}(...)`"),
                        )
                        .with_len(span.len as usize),
                    );
                } else {
                    self.unknown_name(n, *span, line);
                }
                Expr::Const(Const::None)
            }
            ast::Expr::Attr(obj, name, span) => {
                if matches!(&**obj, ast::Expr::Name(n, _) if n == "self") {
                    if name == "index" {
                        return Expr::SelfIndex;
                    }
                    return Expr::SelfAttr(self.self_attr(name));
                }
                if name == "value" {
                    if matches!(self.ctx, Ctx::Invariant) {
                        let o = self.expr(obj, line);
                        return Expr::Builtin(Builtin::Value, vec![o]);
                    }
                    self.err(Diagnostic::new(line, span.col, "a semaphore's value cannot be read by the program").with_len(span.len as usize)
                        .with_hint("only an `## Invariant` line may read it (`turnstile.value <= 1`); the program itself sees a semaphore only through wait and signal"));
                    return Expr::Const(Const::None);
                }
                self.err(Diagnostic::new(line, span.col, format!("attribute `{name}` is not supported here")).with_len(span.len as usize)
                    .with_hint("only `self.x` attributes and method calls such as `sem.wait()` exist in Sync"));
                Expr::Const(Const::None)
            }
            ast::Expr::Index(l, i, _) => {
                Expr::Index(Box::new(self.expr(l, line)), Box::new(self.expr(i, line)))
            }
            ast::Expr::Unary(op, a, _) => Expr::Unary(*op, Box::new(self.expr(a, line))),
            ast::Expr::Binary(op, a, b, _) => Expr::Binary(
                *op,
                Box::new(self.expr(a, line)),
                Box::new(self.expr(b, line)),
            ),
            ast::Expr::List(items) => {
                Expr::List(items.iter().map(|x| self.expr(x, line)).collect())
            }
            ast::Expr::Comp(elem, var, iter) => {
                let iter = self.expr(iter, line);
                self.comp_vars.push(var.clone());
                let elem = self.expr(elem, line);
                self.comp_vars.pop();
                Expr::Comp(Box::new(elem), Box::new(iter))
            }
            ast::Expr::Call(f, args, span) => self.call(f, args, *span, line),
        }
    }

    fn call(&mut self, f: &ast::Expr, args: &[ast::Expr], span: Span, line: u32) -> Expr {
        match f {
            ast::Expr::Name(n, nspan) => {
                if self.is_variable(n) {
                    self.err(
                        Diagnostic::new(
                            line,
                            nspan.col,
                            format!("`{n}` is a variable, not a procedure"),
                        )
                        .with_len(nspan.len as usize),
                    );
                    return Expr::Const(Const::None);
                }
                if let Some(&p) = self.proc_ids.get(n) {
                    self.check_arity(p, args.len(), *nspan);
                    let a = args.iter().map(|a| self.expr(a, line)).collect();
                    if self.is_multi_row(p) {
                        self.err(Diagnostic::new(line, nspan.col, format!("procedure `{n}` runs several rows and cannot be called inside an expression"))
                            .with_len(nspan.len as usize)
                            .with_hint(format!("call it as a row of its own: `{n}(...)` or `x = {n}(...)`")));
                    }
                    return Expr::Func(p, a);
                }
                if let Some(b) = Builtin::lookup(n) {
                    let (lo, hi) = b.arity();
                    if args.len() < lo || args.len() > hi {
                        let want = if lo == hi {
                            format!("{lo}")
                        } else {
                            format!("{lo} to {hi}")
                        };
                        self.err(
                            Diagnostic::new(
                                line,
                                nspan.col,
                                format!("`{n}` takes {want} argument(s), {} given", args.len()),
                            )
                            .with_len(nspan.len as usize),
                        );
                    }
                    let a = args.iter().map(|a| self.expr(a, line)).collect();
                    return Expr::Builtin(b, a);
                }
                let id = self.intern(n);
                let a = args.iter().map(|a| self.expr(a, line)).collect();
                Expr::Action(id, a)
            }
            ast::Expr::Attr(obj, m, mspan) => {
                if let ast::Expr::Name(o, _) = &**obj
                    && o == "random"
                    && !self.is_variable(o)
                {
                    let b = match m.as_str() {
                        "choice" => Builtin::RandomChoice,
                        "randint" => Builtin::RandomInt,
                        _ => {
                            self.err(
                                Diagnostic::new(
                                    line,
                                    mspan.col,
                                    format!("`random.{m}` is not supported"),
                                )
                                .with_len(mspan.len as usize)
                                .with_hint("use `random.choice(seq)` or `random.randint(a, b)`"),
                            );
                            return Expr::Const(Const::None);
                        }
                    };
                    let (lo, _) = b.arity();
                    if args.len() != lo {
                        self.err(
                            Diagnostic::new(
                                line,
                                mspan.col,
                                format!("`random.{m}` takes {lo} argument(s)"),
                            )
                            .with_len(mspan.len as usize),
                        );
                    }
                    let a = args.iter().map(|a| self.expr(a, line)).collect();
                    return Expr::Builtin(b, a);
                }
                if self.is_action_receiver(obj) {
                    let ast::Expr::Name(o, _) = &**obj else {
                        unreachable!()
                    };
                    let id = self.intern(&format!("{o}.{m}"));
                    let a = args.iter().map(|a| self.expr(a, line)).collect();
                    return Expr::Action(id, a);
                }
                let Some(method) = Method::lookup(m) else {
                    self.err(Diagnostic::new(line, mspan.col, format!("unknown method `{m}`")).with_len(mspan.len as usize)
                        .with_hint("semaphores have wait/signal (P/V, decrement/increment), lightswitches lock/unlock, barriers wait, lists append/pop/insert/remove/index/count"));
                    return Expr::Const(Const::None);
                };
                if method.may_block() {
                    self.err(
                        Diagnostic::new(
                            line,
                            mspan.col,
                            format!("`{m}()` may block, so it must be a statement of its own"),
                        )
                        .with_len(mspan.len as usize)
                        .with_hint(format!(
                            "write `x.{m}(...)` on its own row (or as the body of a one-line `if`)"
                        )),
                    );
                }
                let o = self.expr(obj, line);
                let a = args.iter().map(|a| self.expr(a, line)).collect();
                Expr::Method(Box::new(o), method, a)
            }
            other => {
                let s = other.span().unwrap_or(span);
                self.err(
                    Diagnostic::new(line, s.col, "this cannot be called").with_len(s.len as usize),
                );
                Expr::Const(Const::None)
            }
        }
    }

    fn finish(self) -> Program {
        Program {
            source: self.source.to_string(),
            globals: self.globals,
            self_attrs: self.self_attrs,
            strings: self.strings,
            code: self.code,
            rows: self.rows,
            init_entry: self.init_entry,
            columns: self.columns,
            procs: self.procs,
            invariants: self.invariants,
        }
    }
}

fn find_self(e: &ast::Expr) -> Option<Span> {
    match e {
        ast::Expr::Name(n, s) if n == "self" => Some(*s),
        ast::Expr::Attr(a, _, _) | ast::Expr::Unary(_, a, _) => find_self(a),
        ast::Expr::Call(a, args, _) => find_self(a).or_else(|| args.iter().find_map(find_self)),
        ast::Expr::Index(a, b, _) | ast::Expr::Binary(_, a, b, _) | ast::Expr::Comp(a, _, b) => {
            find_self(a).or_else(|| find_self(b))
        }
        ast::Expr::List(items) => items.iter().find_map(find_self),
        _ => None,
    }
}
