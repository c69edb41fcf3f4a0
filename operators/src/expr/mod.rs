//! Residual expressions: text such as `u_t + u*u_x - nu*u_xx` compiled once into a
//! program evaluated over a chunk of jets, with reverse-mode adjoints that feed the
//! network's backward pass.

mod backprop;
mod derivative;
mod jet_program;
mod parse;
mod print;
mod program;
mod tangent;
mod taylor;

pub use backprop::Backprop;
pub use jet_program::JetProgram;
pub use parse::{parse, Ast, BinOp};
pub use program::{Func, Inputs, Op, Program};

/// Names an expression may use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Symbols {
    /// Coordinate names in input order, one letter each (`x`, `y`, `z`, `t`).
    pub coords: Vec<String>,
    /// The time coordinate, excluded from `laplace`.
    pub time_axis: Option<usize>,
    /// Field names (network outputs) in output order.
    pub fields: Vec<String>,
    /// Known parameters and their values.
    pub constants: Vec<(String, f64)>,
    /// Unknown parameters trained with the network (inverse problems), by index.
    pub trainable: Vec<String>,
}

/// A parse or name error: which expression, which column, what was expected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("in `{expr}` at column {column}: {message}")]
pub struct ExprError {
    /// The expression's text.
    pub expr: String,
    /// Where in it (1-based).
    pub column: usize,
    /// What was wrong, or what was expected.
    pub message: String,
}

impl ExprError {
    /// The error at `column` of `expr`.
    pub fn new(expr: &str, column: usize, message: String) -> Self {
        ExprError {
            expr: expr.to_string(),
            column,
            message,
        }
    }
}
