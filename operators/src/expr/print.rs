//! Syntax tree to text, with only the parentheses the parser needs: what is printed parses
//! back to the same tree (used to show rewritten expressions, e.g. a Lagrangian residual).

use super::{Ast, BinOp};
use core::fmt;

/// Binding strength: sums < products < unary minus < powers < atoms.
fn precedence(a: &Ast) -> u8 {
    match a {
        Ast::Bin { op, .. } => match op {
            BinOp::Add | BinOp::Sub => 1,
            BinOp::Mul | BinOp::Div => 2,
            BinOp::Pow => 4,
        },
        // A negative number prints with its sign, like a negation.
        Ast::Neg(_) => 3,
        Ast::Num(v) if v.is_sign_negative() => 3,
        Ast::Num(_) | Ast::Name { .. } | Ast::Call { .. } => 5,
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, a: &Ast, parenthesize: bool) -> fmt::Result {
    if parenthesize {
        write!(f, "({a})")
    } else {
        write!(f, "{a}")
    }
}

impl fmt::Display for Ast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ast::Num(v) => write!(f, "{v:?}"),
            Ast::Name { name, .. } => f.write_str(name),
            Ast::Neg(a) => {
                f.write_str("-")?;
                write_operand(f, a, precedence(a) < 3)
            }
            Ast::Call { name, args, .. } => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Ast::Bin { op, lhs, rhs } => {
                let p = precedence(self);
                let (symbol, lhs_paren, rhs_paren) = match op {
                    // Left-associative: an equal-precedence right operand keeps its parentheses,
                    // so a + (b - c) stays a tree of the same shape.
                    BinOp::Add => (" + ", precedence(lhs) < p, precedence(rhs) <= p),
                    BinOp::Sub => (" - ", precedence(lhs) < p, precedence(rhs) <= p),
                    BinOp::Mul => ("*", precedence(lhs) < p, precedence(rhs) <= p),
                    BinOp::Div => ("/", precedence(lhs) < p, precedence(rhs) <= p),
                    // The base is an atom; the exponent may be anything unary or tighter.
                    BinOp::Pow => ("^", precedence(lhs) <= p, precedence(rhs) < 3),
                };
                write_operand(f, lhs, lhs_paren)?;
                f.write_str(symbol)?;
                write_operand(f, rhs, rhs_paren)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;

    /// Printing then parsing gives back the same text (so the same tree).
    #[test]
    fn printed_expressions_parse_back_to_the_same_tree() {
        for src in [
            "u_t + u*u_x - nu*u_xx",
            "a - (b - c)",
            "a - b - c",
            "a/(b*c)",
            "-(a + b)*c",
            "-a^2",
            "(-a)^2",
            "2^3^2",
            "(2^3)^2",
            "a^(b + c)",
            "a^-b",
            "sin(x + 1)*exp(-t)",
            "laplace(u) + k^2*u - 1e-20",
            "u_t - 0.01*((u_xx*(1.0 + xi_x) - u_x*xi_xx)/(1.0 + xi_x)^3)",
        ] {
            let ast = parse(src).unwrap();
            let printed = ast.to_string();
            let again = parse(&printed).unwrap().to_string();
            assert_eq!(printed, again, "{src}");
            // Same tree: the same text up to the spacing of the source.
            let strip = |s: &str| s.replace(' ', "");
            if !src.contains("1e-20") {
                assert_eq!(
                    strip(&printed.replace(".0", "")),
                    strip(&src.replace(".0", "")),
                    "{src}"
                );
            }
        }
    }
}
