//! Parses one row's tokens into a [`RowKind`].
//!
//! The parser is recursive, and so are the passes after it (name resolution, code generation,
//! evaluation, dropping the tree), so the nesting of an expression is limited here, with a
//! located diagnostic, before anything can run out of stack: see [`MAX_EXPR_DEPTH`].

use crate::ast::{BinOp, Expr, RowKind, Span, Stmt, UnOp};
use crate::diag::Diagnostic;
use crate::lexer::{Tok, Token, tokenize};

/// The deepest an expression may nest: parentheses, brackets, calls, indexing, unary
/// operators, and chains of binary operators (`1 + 2 + 3` is two levels, as its tree is). Real
/// programs stay far below; the limit keeps a hostile row (thousands of `(`) from overflowing
/// the stack of the parser or of any later pass.
pub const MAX_EXPR_DEPTH: usize = 200;

pub fn parse_row(line: u32, text: &str) -> Result<RowKind, Diagnostic> {
    let tokens = tokenize(line, text)?;
    let end_col = text.trim_end().chars().count() as u32 + 1;
    let mut p = Parser {
        line,
        toks: tokens,
        pos: 0,
        end_col,
        in_condition: false,
        depth: 0,
    };
    if p.toks.is_empty() {
        return Ok(RowKind::Simple(Stmt::Comment));
    }
    let kind = p.row()?;
    if let Some(t) = p.peek() {
        let t = t.clone();
        return Err(p.unexpected(&t, "the end of the row"));
    }
    check_row_depth(&kind, line)?;
    Ok(kind)
}

fn too_deep(line: u32, col: u32, len: u32) -> Diagnostic {
    Diagnostic::new(
        line,
        col,
        format!(
            "expected a simpler expression: this one nests more than {MAX_EXPR_DEPTH} levels deep"
        ),
    )
    .with_len(len as usize)
    .with_hint("split it over several rows with intermediate variables")
}

/// Checks the depth of every expression of a row. The parser bounds its own recursion, but a
/// chain such as `1 + 1 + ... + 1` is parsed by a loop into a tree as deep as it is long, and
/// the later passes walk that tree recursively. This walk uses its own stack.
fn check_row_depth(kind: &RowKind, line: u32) -> Result<(), Diagnostic> {
    let mut roots: Vec<&Expr> = Vec::new();
    let mut stmts: Vec<&Stmt> = Vec::new();
    match kind {
        RowKind::Simple(s) => stmts.push(s),
        RowKind::If(e) | RowKind::Elif(e) | RowKind::While(e) => roots.push(e),
        RowKind::Def {
            inline_return: Some(e),
            ..
        } => roots.push(e),
        RowKind::Else | RowKind::Def { .. } => {}
    }
    while let Some(s) = stmts.pop() {
        match s {
            Stmt::Expr(e) | Stmt::Return(Some(e)) => roots.push(e),
            Stmt::Assign(targets, e) => {
                roots.extend(targets);
                roots.push(e);
            }
            Stmt::AugAssign(t, _, e) => roots.extend([t, e]),
            Stmt::Assert(c, m) => {
                roots.push(c);
                roots.extend(m);
            }
            Stmt::IfInline(c, body) => {
                roots.push(c);
                stmts.push(body);
            }
            Stmt::Pass | Stmt::Comment | Stmt::Break | Stmt::Return(None) => {}
        }
    }
    for root in roots {
        let mut stack = vec![(root, 1usize, None::<Span>)];
        while let Some((e, depth, near)) = stack.pop() {
            let near = e.span().or(near);
            if depth > MAX_EXPR_DEPTH {
                let s = near.unwrap_or(Span {
                    line,
                    col: 1,
                    len: 1,
                });
                return Err(too_deep(line, s.col, s.len));
            }
            let below = depth + 1;
            match e {
                Expr::Int(_) | Expr::Bool(_) | Expr::None | Expr::Str(_) | Expr::Name(..) => {}
                Expr::Attr(o, _, _) | Expr::Unary(_, o, _) => stack.push((o, below, near)),
                Expr::Call(f, args, _) => {
                    stack.push((f, below, near));
                    stack.extend(args.iter().map(|a| (a, below, near)));
                }
                Expr::Index(a, b, _) | Expr::Binary(_, a, b, _) | Expr::Comp(a, _, b) => {
                    stack.push((a, below, near));
                    stack.push((b, below, near));
                }
                Expr::List(items) => stack.extend(items.iter().map(|a| (a, below, near))),
            }
        }
    }
    Ok(())
}

struct Parser {
    line: u32,
    toks: Vec<Token>,
    pos: usize,
    end_col: u32,
    /// True while parsing the condition of an `if`, `elif` or `while` header (for the `=` hint).
    in_condition: bool,
    /// How deeply the recursive descent is nested (see [`MAX_EXPR_DEPTH`]).
    depth: usize,
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Name(n) => format!("`{n}`"),
        Tok::Int(i) => format!("`{i}`"),
        Tok::Str(s) => format!("string {s:?}"),
        Tok::Op(o) => format!("`{o}`"),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }
    fn peek_tok(&self) -> Option<&Tok> {
        self.peek().map(|t| &t.tok)
    }
    fn peek_name(&self) -> Option<&str> {
        match self.peek_tok() {
            Some(Tok::Name(n)) => Some(n),
            _ => None,
        }
    }
    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek_tok(), Some(Tok::Op(o)) if *o == op)
    }
    fn is_kw(&self, kw: &str) -> bool {
        self.peek_name() == Some(kw)
    }
    fn eat_op(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn span_here(&self) -> Span {
        match self.peek() {
            Some(t) => Span {
                line: self.line,
                col: t.col,
                len: t.len,
            },
            None => Span {
                line: self.line,
                col: self.end_col,
                len: 1,
            },
        }
    }
    fn unexpected(&self, t: &Token, expected: &str) -> Diagnostic {
        let d = Diagnostic::new(
            self.line,
            t.col,
            format!("expected {expected}, found {}", describe(&t.tok)),
        )
        .with_len(t.len as usize);
        match &t.tok {
            Tok::Op("//") if self.pos == 0 => {
                d.with_hint("`//` is not a comment in Sync; start comments with `#`")
            }
            Tok::Op("/") => d.with_hint("Sync has integer division only: use `//`"),
            Tok::Op("&&") => d.with_hint("write `and`"),
            Tok::Op("||") => d.with_hint("write `or`"),
            Tok::Op("!") => d.with_hint("write `not`"),
            Tok::Op(";") => d.with_hint("write one statement per row"),
            Tok::Op("**") => d.with_hint("Sync has no power operator: multiply, e.g. `n * n`"),
            Tok::Op("{") | Tok::Op("}") => {
                d.with_hint("blocks are made by indentation, as in Python")
            }
            _ => d,
        }
    }
    fn expect_end(&self, expected: &str) -> Diagnostic {
        Diagnostic::new(
            self.line,
            self.end_col,
            format!("expected {expected}, found the end of the row"),
        )
    }
    fn expect_op(&mut self, op: &'static str, what: &str) -> Result<(), Diagnostic> {
        match self.peek() {
            Some(t) if t.tok == Tok::Op(op) => {
                self.pos += 1;
                Ok(())
            }
            Some(t) => {
                let t = t.clone();
                Err(self.unexpected(&t, what))
            }
            None => Err(self.expect_end(what)),
        }
    }
    fn name(&mut self, what: &str) -> Result<(String, Span), Diagnostic> {
        let span = self.span_here();
        match self.peek().cloned() {
            Some(Token {
                tok: Tok::Name(n), ..
            }) => {
                self.pos += 1;
                Ok((n, span))
            }
            Some(t) => Err(self.unexpected(&t, what)),
            None => Err(self.expect_end(what)),
        }
    }

    fn row(&mut self) -> Result<RowKind, Diagnostic> {
        let first = self.peek().cloned().expect("row is not empty");
        let kw = self.peek_name().map(str::to_owned);
        match kw.as_deref() {
            Some("if") => {
                self.pos += 1;
                let cond = self.condition()?;
                self.header_colon("if")?;
                if self.peek().is_some() {
                    let stmt = self.simple_stmt()?;
                    return Ok(RowKind::Simple(Stmt::IfInline(cond, Box::new(stmt))));
                }
                Ok(RowKind::If(cond))
            }
            Some("elif") => {
                self.pos += 1;
                let cond = self.condition()?;
                self.header_colon("elif")?;
                self.no_inline_body("elif")?;
                Ok(RowKind::Elif(cond))
            }
            Some("else") => {
                self.pos += 1;
                if self.eat_kw("if") {
                    let cond = self.condition()?;
                    self.header_colon("else if")?;
                    self.no_inline_body("else if")?;
                    return Ok(RowKind::Elif(cond));
                }
                if self.peek().is_none() {
                    return Err(self
                        .expect_end("`:` after `else`")
                        .with_hint("write `else:`"));
                }
                self.header_colon("else")?;
                self.no_inline_body("else")?;
                Ok(RowKind::Else)
            }
            Some("while") => {
                self.pos += 1;
                let cond = self.condition()?;
                self.header_colon("while")?;
                self.no_inline_body("while")?;
                Ok(RowKind::While(cond))
            }
            Some("def") => {
                self.pos += 1;
                let (name, _) = self.name("a procedure name")?;
                self.expect_op("(", "`(` after the procedure name")?;
                let mut params = Vec::new();
                if !self.eat_op(")") {
                    loop {
                        let (p, _) = self.name("a parameter name")?;
                        params.push(p);
                        if self.eat_op(")") {
                            break;
                        }
                        self.expect_op(",", "`,` or `)`")?;
                    }
                }
                self.header_colon("def")?;
                let inline_return = if self.peek().is_some() {
                    if !self.eat_kw("return") {
                        let t = self.peek().cloned().unwrap();
                        return Err(self.unexpected(
                            &t,
                            "`return` (a one-line procedure must be `def f(x): return e`)",
                        ));
                    }
                    Some(self.expr()?)
                } else {
                    None
                };
                Ok(RowKind::Def {
                    name,
                    params,
                    inline_return,
                })
            }
            Some("for") => Err(Diagnostic::new(
                self.line,
                first.col,
                "`for` loops are not part of the Sync language",
            )
            .with_len(3)
            .with_hint(
                "write a `while` loop with a counter, e.g. `i = 0` / `while i < n:` / `i += 1`",
            )),
            Some("class") => Err(Diagnostic::new(
                self.line,
                first.col,
                "`class` is not part of the Sync language",
            )
            .with_len(5)
            .with_hint("`Lightswitch()` and `Barrier(n)` are built in; use `def` for procedures")),
            Some("local") | Some("int")
                if matches!(self.toks.get(1).map(|t| &t.tok), Some(Tok::Name(_))) =>
            {
                Err(Diagnostic::new(
                    self.line,
                    first.col,
                    "variable declarations are not part of the Sync language",
                )
                .with_len(first.len as usize)
                .with_hint(
                    "plain names are shared by all threads; use `self.x` for a per-thread variable",
                ))
            }
            _ => Ok(RowKind::Simple(self.simple_stmt()?)),
        }
    }

    fn condition(&mut self) -> Result<Expr, Diagnostic> {
        self.in_condition = true;
        let e = self.expr();
        self.in_condition = false;
        e
    }

    fn header_colon(&mut self, kw: &str) -> Result<(), Diagnostic> {
        match self.peek() {
            Some(t) if t.tok == Tok::Op(":") => {
                self.pos += 1;
                Ok(())
            }
            Some(t) => {
                let t = t.clone();
                Err(self.unexpected(&t, &format!("`:` to end the `{kw}` header")))
            }
            None => Err(self
                .expect_end(&format!("`:` at the end of the `{kw}` header"))
                .with_hint(format!("write `{kw} ...:` and indent the block under it"))),
        }
    }

    fn no_inline_body(&self, kw: &str) -> Result<(), Diagnostic> {
        match self.peek() {
            Some(t) => Err(Diagnostic::new(
                self.line,
                t.col,
                format!("expected the end of the row after `{kw}:`"),
            )
            .with_len(t.len as usize)
            .with_hint(format!("put the body of `{kw}` on its own indented rows"))),
            None => Ok(()),
        }
    }

    fn simple_stmt(&mut self) -> Result<Stmt, Diagnostic> {
        match self.peek_name() {
            Some("pass") => {
                self.pos += 1;
                return Ok(Stmt::Pass);
            }
            Some("break") => {
                self.pos += 1;
                return Ok(Stmt::Break);
            }
            Some("continue") => {
                let s = self.span_here();
                return Err(
                    Diagnostic::new(self.line, s.col, "`continue` is not supported")
                        .with_len(8)
                        .with_hint("restructure the loop body with `if`"),
                );
            }
            Some("return") => {
                self.pos += 1;
                if self.peek().is_none() {
                    return Ok(Stmt::Return(None));
                }
                return Ok(Stmt::Return(Some(self.expr()?)));
            }
            Some("assert") => {
                self.pos += 1;
                let cond = self.condition()?;
                let msg = if self.eat_op(",") {
                    Some(self.expr()?)
                } else {
                    None
                };
                return Ok(Stmt::Assert(cond, msg));
            }
            Some("print")
                if !matches!(
                    self.toks.get(self.pos + 1).map(|t| &t.tok),
                    Some(Tok::Op("(")) | None
                ) =>
            {
                let s = self.span_here();
                return Err(
                    Diagnostic::new(self.line, s.col, "`print` needs parentheses")
                        .with_len(5)
                        .with_hint("write `print(x)`"),
                );
            }
            _ => {}
        }
        let first = self.expr()?;
        if self.eat_op("++") {
            check_target(&first, self.line)?;
            return Ok(Stmt::AugAssign(first, BinOp::Add, Expr::Int(1)));
        }
        if self.eat_op("--") {
            check_target(&first, self.line)?;
            return Ok(Stmt::AugAssign(first, BinOp::Sub, Expr::Int(1)));
        }
        for (op, bin) in [
            ("+=", BinOp::Add),
            ("-=", BinOp::Sub),
            ("*=", BinOp::Mul),
            ("//=", BinOp::FloorDiv),
            ("%=", BinOp::Mod),
        ] {
            if self.eat_op(op) {
                check_target(&first, self.line)?;
                let value = self.expr()?;
                return Ok(Stmt::AugAssign(first, bin, value));
            }
        }
        if self.is_op("=") {
            let mut targets = vec![first];
            let mut value;
            loop {
                self.pos += 1;
                value = self.expr()?;
                if !self.is_op("=") {
                    break;
                }
                targets.push(value);
            }
            for t in &targets {
                check_target(t, self.line)?;
            }
            return Ok(Stmt::Assign(targets, value));
        }
        Ok(Stmt::Expr(first))
    }

    // ---- expressions, by precedence ----

    pub fn expr(&mut self) -> Result<Expr, Diagnostic> {
        self.nested(Self::or_expr)
    }

    /// Runs `f` one level deeper, refusing to go past [`MAX_EXPR_DEPTH`].
    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Expr, Diagnostic>,
    ) -> Result<Expr, Diagnostic> {
        if self.depth >= MAX_EXPR_DEPTH {
            let s = self.span_here();
            return Err(too_deep(self.line, s.col, s.len));
        }
        self.depth += 1;
        let e = f(self);
        self.depth -= 1;
        e
    }

    fn or_expr(&mut self) -> Result<Expr, Diagnostic> {
        let mut left = self.and_expr()?;
        loop {
            let span = self.span_here();
            if !self.eat_kw("or") {
                return Ok(left);
            }
            let right = self.and_expr()?;
            left = Expr::Binary(BinOp::Or, Box::new(left), Box::new(right), span);
        }
    }

    fn and_expr(&mut self) -> Result<Expr, Diagnostic> {
        let mut left = self.not_expr()?;
        loop {
            let span = self.span_here();
            if !self.eat_kw("and") {
                return Ok(left);
            }
            let right = self.not_expr()?;
            left = Expr::Binary(BinOp::And, Box::new(left), Box::new(right), span);
        }
    }

    fn not_expr(&mut self) -> Result<Expr, Diagnostic> {
        let span = self.span_here();
        if self.eat_kw("not") {
            let e = self.nested(Self::not_expr)?;
            return Ok(Expr::Unary(UnOp::Not, Box::new(e), span));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, Diagnostic> {
        let left = self.arith()?;
        let span = self.span_here();
        let op = match self.peek_tok() {
            Some(Tok::Op("==")) => BinOp::Eq,
            Some(Tok::Op("!=")) => BinOp::Ne,
            Some(Tok::Op("<")) => BinOp::Lt,
            Some(Tok::Op("<=")) => BinOp::Le,
            Some(Tok::Op(">")) => BinOp::Gt,
            Some(Tok::Op(">=")) => BinOp::Ge,
            Some(Tok::Name(n)) if n == "in" => BinOp::In,
            Some(Tok::Name(n))
                if n == "not"
                    && matches!(self.toks.get(self.pos + 1).map(|t| &t.tok), Some(Tok::Name(m)) if m == "in") =>
            {
                self.pos += 1;
                BinOp::NotIn
            }
            Some(Tok::Op("=")) if self.in_condition => {
                return Err(Diagnostic::new(
                    self.line,
                    span.col,
                    "`=` assigns; a condition compares with `==`",
                )
                .with_hint("write `==`"));
            }
            _ => return Ok(left),
        };
        self.pos += 1;
        let right = self.arith()?;
        if matches!(
            self.peek_tok(),
            Some(Tok::Op("==" | "!=" | "<" | "<=" | ">" | ">="))
        ) {
            let s = self.span_here();
            return Err(
                Diagnostic::new(self.line, s.col, "chained comparisons are not supported")
                    .with_len(s.len as usize)
                    .with_hint("combine two comparisons with `and`"),
            );
        }
        Ok(Expr::Binary(op, Box::new(left), Box::new(right), span))
    }

    fn arith(&mut self) -> Result<Expr, Diagnostic> {
        let mut left = self.term()?;
        loop {
            let span = self.span_here();
            let op = match self.peek_tok() {
                Some(Tok::Op("+")) => BinOp::Add,
                Some(Tok::Op("-")) => BinOp::Sub,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.term()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right), span);
        }
    }

    fn term(&mut self) -> Result<Expr, Diagnostic> {
        let mut left = self.unary()?;
        loop {
            let span = self.span_here();
            let op = match self.peek_tok() {
                Some(Tok::Op("*")) => BinOp::Mul,
                Some(Tok::Op("//")) => BinOp::FloorDiv,
                Some(Tok::Op("%")) => BinOp::Mod,
                Some(Tok::Op("/")) => {
                    return Err(Diagnostic::new(self.line, span.col, "`/` is not supported")
                        .with_hint("Sync has integers only: use `//` for integer division"));
                }
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right), span);
        }
    }

    fn unary(&mut self) -> Result<Expr, Diagnostic> {
        let span = self.span_here();
        if self.eat_op("-") {
            let e = self.nested(Self::unary)?;
            return Ok(match e {
                Expr::Int(i) => Expr::Int(-i),
                e => Expr::Unary(UnOp::Neg, Box::new(e), span),
            });
        }
        if self.eat_op("+") {
            return self.nested(Self::unary);
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Expr, Diagnostic> {
        let mut e = self.atom()?;
        loop {
            let span = self.span_here();
            if self.eat_op("(") {
                let args = self.args(")")?;
                e = Expr::Call(Box::new(e), args, span);
            } else if self.eat_op("[") {
                let idx = self.expr()?;
                if self.is_op(":") {
                    let s = self.span_here();
                    return Err(
                        Diagnostic::new(self.line, s.col, "slices are not supported")
                            .with_hint("index one element: `xs[i]`"),
                    );
                }
                self.expect_op("]", "`]`")?;
                e = Expr::Index(Box::new(e), Box::new(idx), span);
            } else if self.eat_op(".") {
                let (name, nspan) = self.name("an attribute or method name after `.`")?;
                e = Expr::Attr(Box::new(e), name, nspan);
            } else {
                return Ok(e);
            }
        }
    }

    fn args(&mut self, close: &'static str) -> Result<Vec<Expr>, Diagnostic> {
        let mut args = Vec::new();
        if self.eat_op(close) {
            return Ok(args);
        }
        loop {
            if let (Some(Tok::Name(_)), Some(Tok::Op("="))) =
                (self.peek_tok(), self.toks.get(self.pos + 1).map(|t| &t.tok))
            {
                let s = self.span_here();
                return Err(Diagnostic::new(
                    self.line,
                    s.col,
                    "keyword arguments are not supported",
                )
                .with_len(s.len as usize)
                .with_hint("pass arguments by position"));
            }
            args.push(self.expr()?);
            if self.eat_op(close) {
                return Ok(args);
            }
            self.expect_op(",", &format!("`,` or `{close}`"))?;
        }
    }

    fn atom(&mut self) -> Result<Expr, Diagnostic> {
        let span = self.span_here();
        let Some(t) = self.peek().cloned() else {
            return Err(self.expect_end("an expression"));
        };
        self.pos += 1;
        match t.tok {
            Tok::Int(i) => Ok(Expr::Int(i)),
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Name(ref n) => match n.as_str() {
                "True" => Ok(Expr::Bool(true)),
                "False" => Ok(Expr::Bool(false)),
                "None" => Ok(Expr::None),
                "true" | "false" => {
                    Err(
                        Diagnostic::new(self.line, t.col, format!("unknown name `{n}`"))
                            .with_len(n.len())
                            .with_hint("booleans are `True` and `False`"),
                    )
                }
                "if" | "else" | "elif" | "while" | "def" | "return" | "and" | "or" | "in"
                | "pass" | "break" | "assert" | "lambda" | "yield" | "import" | "from"
                | "global" | "nonlocal" | "with" | "try" | "except" | "finally" | "raise"
                | "del" => {
                    self.pos -= 1;
                    let d = self.unexpected(&t, "an expression");
                    Err(
                        if matches!(
                            n.as_str(),
                            "lambda" | "yield" | "import" | "from" | "with" | "try" | "global"
                        ) {
                            d.with_hint(format!("`{n}` is Python, not part of the Sync language"))
                        } else {
                            d
                        },
                    )
                }
                _ => Ok(Expr::Name(n.clone(), span)),
            },
            Tok::Op("(") => {
                let e = self.expr()?;
                if self.is_op(",") {
                    let s = self.span_here();
                    return Err(
                        Diagnostic::new(self.line, s.col, "tuples are not supported")
                            .with_hint("use a list `[a, b]`"),
                    );
                }
                self.expect_op(")", "`)`")?;
                Ok(e)
            }
            Tok::Op("[") => {
                if self.eat_op("]") {
                    return Ok(Expr::List(vec![]));
                }
                let first = self.expr()?;
                if self.eat_kw("for") {
                    let (var, _) = self.name("a loop variable after `for`")?;
                    if !self.eat_kw("in") {
                        return Err(match self.peek().cloned() {
                            Some(t) => self.unexpected(&t, "`in`"),
                            None => self.expect_end("`in`"),
                        });
                    }
                    let iter = self.expr()?;
                    self.expect_op("]", "`]` to close the list comprehension")?;
                    return Ok(Expr::Comp(Box::new(first), var, Box::new(iter)));
                }
                let mut items = vec![first];
                while self.eat_op(",") {
                    if self.is_op("]") {
                        break;
                    }
                    items.push(self.expr()?);
                }
                self.expect_op("]", "`,` or `]`")?;
                Ok(Expr::List(items))
            }
            _ => {
                self.pos -= 1;
                Err(self.unexpected(&t, "an expression"))
            }
        }
    }
}

fn check_target(e: &Expr, line: u32) -> Result<(), Diagnostic> {
    match e {
        Expr::Name(..) | Expr::Index(..) => Ok(()),
        // Found by fuzzing: `self.index` is no attribute slot, and assigning it crashed the
        // compiler.
        Expr::Attr(obj, name, span)
            if name == "index" && matches!(&**obj, Expr::Name(n, _) if n == "self") =>
        {
            Err(
                Diagnostic::new(line, span.col, "`self.index` is read-only")
                    .with_len(span.len as usize)
                    .with_hint("`self.index` is the thread's number within its column; assign another attribute, e.g. `self.i`"),
            )
        }
        Expr::Attr(obj, _, _) if matches!(&**obj, Expr::Name(n, _) if n == "self") => Ok(()),
        other => {
            let span = other.span().unwrap_or(Span {
                line,
                col: 1,
                len: 1,
            });
            Err(
                Diagnostic::new(line, span.col, "cannot assign to this expression")
                    .with_len(span.len as usize)
                    .with_hint("assign to a name, `self.attr` or `list[i]`"),
            )
        }
    }
}
