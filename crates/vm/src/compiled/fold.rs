//! Invariants simplified for the compiled step: globals that only the initialization block
//! assigns are constants (`n = num_threads()`), so `n <= 6 or not (...)` is true for good
//! when `n` is 6 and needs no evaluation after every step, and `n <= 2 or e` is `e`.
//!
//! Only what cannot fault is folded (integer arithmetic without overflow or division by
//! zero, comparisons of integers, `not`, `and`, `or` with Python's values), so a simplified
//! invariant has the value of the original on every state. An invariant that folds to a
//! false constant stays (the step gives up on it, and the interpreter reports it).

use lbos_lang::program::{BinOp, Const, Expr, Program, UnOp};

use crate::state::Value;

/// The value of each global that never changes after the initialization block, if it is a
/// number, a boolean or None.
pub(super) fn constant_globals(p: &Program, init: &[Value]) -> Vec<Option<Const>> {
    let assigned = p.globals_assigned_after_init();
    init.iter()
        .zip(&assigned)
        .map(|(&v, &a)| match (v, a) {
            (_, true) => None,
            (Value::Int(i), _) => Some(Const::Int(i)),
            (Value::Bool(b), _) => Some(Const::Bool(b)),
            (Value::None, _) => Some(Const::None),
            _ => None,
        })
        .collect()
}

/// The invariants the compiled step evaluates: simplified, without those that are always
/// true.
pub(super) fn invariants(p: &Program, consts: &[Option<Const>]) -> Vec<Expr> {
    p.invariants
        .iter()
        .map(|i| simplify(&i.expr, consts))
        .filter(|e| !matches!(e, Expr::Const(c) if truthy(c)))
        .collect()
}

fn truthy(c: &Const) -> bool {
    match c {
        Const::None => false,
        Const::Bool(b) => *b,
        Const::Int(i) => *i != 0,
        // Strings are not folded (an empty one is false): never dropped.
        Const::Str(_) => false,
    }
}

/// `e` with its constant parts folded.
pub(super) fn simplify(e: &Expr, consts: &[Option<Const>]) -> Expr {
    match e {
        Expr::Global(g) => match consts.get(*g as usize) {
            Some(Some(c)) => Expr::Const(c.clone()),
            _ => e.clone(),
        },
        Expr::Unary(op, a) => {
            let a = simplify(a, consts);
            match (op, &a) {
                (UnOp::Not, Expr::Const(c @ (Const::Int(_) | Const::Bool(_) | Const::None))) => {
                    Expr::Const(Const::Bool(!truthy(c)))
                }
                (UnOp::Neg, Expr::Const(Const::Int(i))) if i.checked_neg().is_some() => {
                    Expr::Const(Const::Int(-i))
                }
                _ => Expr::Unary(*op, Box::new(a)),
            }
        }
        Expr::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
            let a = simplify(a, consts);
            match &a {
                Expr::Const(c @ (Const::Int(_) | Const::Bool(_) | Const::None)) => {
                    // `a or b` is a when a is true, else b; `a and b` the other way round.
                    if truthy(c) == (*op == BinOp::Or) {
                        a
                    } else {
                        simplify(b, consts)
                    }
                }
                _ => Expr::Binary(*op, Box::new(a), Box::new(simplify(b, consts))),
            }
        }
        Expr::Binary(op, a, b) => {
            let (a, b) = (simplify(a, consts), simplify(b, consts));
            match (&a, &b) {
                (Expr::Const(Const::Int(x)), Expr::Const(Const::Int(y))) => {
                    match fold_int(*op, *x, *y) {
                        Some(c) => Expr::Const(c),
                        None => Expr::Binary(*op, Box::new(a), Box::new(b)),
                    }
                }
                _ => Expr::Binary(*op, Box::new(a), Box::new(b)),
            }
        }
        Expr::Index(l, i) => {
            Expr::Index(Box::new(simplify(l, consts)), Box::new(simplify(i, consts)))
        }
        _ => e.clone(),
    }
}

/// `x op y` on integers, as the step computes it; None where it would fault or is not an
/// integer operation.
fn fold_int(op: BinOp, x: i64, y: i64) -> Option<Const> {
    use BinOp::*;
    Some(match op {
        Eq => Const::Bool(x == y),
        Ne => Const::Bool(x != y),
        Lt => Const::Bool(x < y),
        Le => Const::Bool(x <= y),
        Gt => Const::Bool(x > y),
        Ge => Const::Bool(x >= y),
        Add => Const::Int(x.checked_add(y)?),
        Sub => Const::Int(x.checked_sub(y)?),
        Mul => Const::Int(x.checked_mul(y)?),
        FloorDiv if y != 0 => {
            let q = x.checked_div(y)?;
            Const::Int(if x % y != 0 && ((x < 0) != (y < 0)) {
                q - 1
            } else {
                q
            })
        }
        Mod if y != 0 => {
            let r = x.checked_rem(y)?;
            Const::Int(if r != 0 && ((r < 0) != (y < 0)) {
                r + y
            } else {
                r
            })
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_parts_fold_and_the_rest_stays() {
        let src = "n = 3\nx = 0\nl = [False] * 3\n## Thread\nx = 1\nl[0] = True\n## Invariant\nn <= 4 or x < 2\nn <= 2 or not (l[0] and l[(2 + 1) % n])\nx < 5\n";
        let p = lbos_lang::compile(src).unwrap();
        let g = |name: &str| p.globals.iter().position(|x| x == name).unwrap();
        let mut init = vec![Value::None; p.globals.len()];
        init[g("n")] = Value::Int(3);
        init[g("x")] = Value::Int(0);
        init[g("l")] = Value::Ref(0);
        let consts = constant_globals(&p, &init);
        assert_eq!(consts[g("n")], Some(Const::Int(3)));
        assert_eq!(consts[g("x")], None, "x is assigned");
        assert_eq!(consts[g("l")], None, "a reference");
        let inv = invariants(&p, &consts);
        assert_eq!(inv.len(), 2, "the first is always true: {inv:?}");
        let Expr::Unary(UnOp::Not, e) = &inv[0] else {
            panic!("`n <= 2 or e` is e: {:?}", inv[0]);
        };
        let Expr::Binary(BinOp::And, _, b) = &**e else {
            panic!("{e:?}");
        };
        assert!(
            matches!(&**b, Expr::Index(_, i) if **i == Expr::Const(Const::Int(0))),
            "(2 + 1) % 3 is 0: {b:?}"
        );
        assert_eq!(fold_int(BinOp::FloorDiv, -7, 2), Some(Const::Int(-4)));
        assert_eq!(fold_int(BinOp::Mod, -7, 2), Some(Const::Int(1)));
        assert_eq!(fold_int(BinOp::Mod, 7, 0), None);
        assert_eq!(fold_int(BinOp::Add, i64::MAX, 1), None);
    }
}
