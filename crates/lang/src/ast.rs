//! The syntax tree of one row, as written (names unresolved).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Int(i64),
    Bool(bool),
    None,
    Str(String),
    Name(String, Span),
    /// `obj.name` (only meaningful as the callee of a call, or `self.name`).
    Attr(Box<Expr>, String, Span),
    Call(Box<Expr>, Vec<Expr>, Span),
    Index(Box<Expr>, Box<Expr>, Span),
    Unary(UnOp, Box<Expr>, Span),
    Binary(BinOp, Box<Expr>, Box<Expr>, Span),
    List(Vec<Expr>),
    /// `[elem for var in iter]`
    Comp(Box<Expr>, String, Box<Expr>),
}

impl Expr {
    pub fn span(&self) -> Option<Span> {
        match self {
            Expr::Name(_, s) | Expr::Attr(_, _, s) | Expr::Call(_, _, s) | Expr::Index(_, _, s) => {
                Some(*s)
            }
            Expr::Unary(_, _, s) | Expr::Binary(_, _, _, s) => Some(*s),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    FloorDiv,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }
}

/// One row's statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Expr(Expr),
    /// `a = b = e`: every target gets the value.
    Assign(Vec<Expr>, Expr),
    /// `x += e`, `x++` (as `x += 1`).
    AugAssign(Expr, BinOp, Expr),
    Assert(Expr, Option<Expr>),
    Pass,
    Comment,
    Break,
    Return(Option<Expr>),
    /// `if c: stmt` on one line.
    IfInline(Expr, Box<Stmt>),
}

/// What a row is, before blocks are built.
#[derive(Clone, Debug, PartialEq)]
pub enum RowKind {
    Simple(Stmt),
    If(Expr),
    Elif(Expr),
    Else,
    While(Expr),
    Def {
        name: String,
        params: Vec<String>,
        inline_return: Option<Expr>,
    },
}

/// A source row with its indentation (tabs expanded to 4 columns).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Index into the program's row table.
    pub id: u32,
    pub line: u32,
    pub indent: usize,
    pub text: String,
    pub kind: RowKind,
}

/// A row with its nested block, for headers.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub row: Row,
    pub body: Vec<Node>,
}
