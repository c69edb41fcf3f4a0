//! Text to syntax tree: a small precedence-climbing parser with column-accurate errors.

use super::ExprError;

/// A parsed expression; `col` is the 1-based column where the node starts.
#[derive(Clone, Debug, PartialEq)]
pub enum Ast {
    /// A number literal.
    Num(f64),
    /// A name: a coordinate, a field's derivative (`u_xx`), a constant or a parameter.
    Name {
        /// The name as written.
        name: String,
        /// Column where it starts (1-based).
        col: usize,
    },
    /// Unary minus.
    Neg(Box<Ast>),
    /// A binary operation.
    Bin {
        /// Which operation.
        op: BinOp,
        /// The left operand.
        lhs: Box<Ast>,
        /// The right operand.
        rhs: Box<Ast>,
    },
    /// A call of an elementary function.
    Call {
        /// The function's name as written.
        name: String,
        /// Its arguments.
        args: Vec<Ast>,
        /// Column where the name starts (1-based).
        col: usize,
    },
}

/// A binary operator of the expression language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// `a ^ b`.
    Pow,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    Op(char),
    End,
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

/// Parses `src` into a tree.
pub fn parse(src: &str) -> Result<Ast, ExprError> {
    let toks = lex(src)?;
    let mut p = Parser { src, toks, pos: 0 };
    let ast = p.expr()?;
    match p.peek() {
        (Tok::End, _) => Ok(ast),
        (t, col) => Err(p.err(
            col,
            format!(
                "unexpected {}; expected an operator or the end",
                describe(&t)
            ),
        )),
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(v) => format!("number `{v}`"),
        Tok::Name(n) => format!("name `{n}`"),
        Tok::Op(c) => format!("`{c}`"),
        Tok::End => "end of expression".into(),
    }
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let text: String = chars[start..i].iter().collect();
            let v = text
                .parse::<f64>()
                .map_err(|_| ExprError::new(src, col, format!("malformed number `{text}`")))?;
            out.push((Tok::Num(v), col));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Tok::Name(chars[start..i].iter().collect()), col));
        } else if "+-*/^(),".contains(c) {
            out.push((Tok::Op(c), col));
            i += 1;
        } else {
            return Err(ExprError::new(
                src,
                col,
                format!("unexpected character `{c}`"),
            ));
        }
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

impl Parser<'_> {
    fn peek(&self) -> (Tok, usize) {
        self.toks[self.pos].clone()
    }

    fn next(&mut self) -> (Tok, usize) {
        let t = self.peek();
        self.pos += 1;
        t
    }

    fn err(&self, col: usize, msg: String) -> ExprError {
        ExprError::new(self.src, col, msg)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek().0 == Tok::Op(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// expr := term (('+' | '-') term)*
    fn expr(&mut self) -> Result<Ast, ExprError> {
        let mut lhs = self.term()?;
        loop {
            let op = if self.eat('+') {
                BinOp::Add
            } else if self.eat('-') {
                BinOp::Sub
            } else {
                return Ok(lhs);
            };
            let rhs = self.term()?;
            lhs = Ast::Bin {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
        }
    }

    /// term := unary (('*' | '/') unary)*
    fn term(&mut self) -> Result<Ast, ExprError> {
        let mut lhs = self.unary()?;
        loop {
            let op = if self.eat('*') {
                BinOp::Mul
            } else if self.eat('/') {
                BinOp::Div
            } else {
                return Ok(lhs);
            };
            let rhs = self.unary()?;
            lhs = Ast::Bin {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
        }
    }

    /// unary := '-' unary | '+' unary | power     (so -x^2 = -(x^2))
    fn unary(&mut self) -> Result<Ast, ExprError> {
        if self.eat('-') {
            return Ok(Ast::Neg(Box::new(self.unary()?)));
        }
        if self.eat('+') {
            return self.unary();
        }
        self.power()
    }

    /// power := primary ('^' unary)?     (right-associative: 2^3^2 = 2^9)
    fn power(&mut self) -> Result<Ast, ExprError> {
        let base = self.primary()?;
        if self.eat('^') {
            let exp = self.unary()?;
            return Ok(Ast::Bin {
                op: BinOp::Pow,
                lhs: Box::new(base),
                rhs: Box::new(exp),
            });
        }
        Ok(base)
    }

    /// primary := number | name | name '(' args ')' | '(' expr ')'
    fn primary(&mut self) -> Result<Ast, ExprError> {
        match self.next() {
            (Tok::Num(v), _) => Ok(Ast::Num(v)),
            (Tok::Name(name), col) => {
                if !self.eat('(') {
                    return Ok(Ast::Name { name, col });
                }
                let mut args = vec![self.expr()?];
                while self.eat(',') {
                    args.push(self.expr()?);
                }
                match self.next() {
                    (Tok::Op(')'), _) => Ok(Ast::Call { name, args, col }),
                    (t, c) => Err(self.err(
                        c,
                        format!(
                            "unexpected {}; expected `,` or `)` to close the call of `{name}`",
                            describe(&t)
                        ),
                    )),
                }
            }
            (Tok::Op('('), _) => {
                let e = self.expr()?;
                match self.next() {
                    (Tok::Op(')'), _) => Ok(e),
                    (t, c) => {
                        Err(self.err(c, format!("unexpected {}; expected `)`", describe(&t))))
                    }
                }
            }
            (t, col) => Err(self.err(
                col,
                format!(
                    "unexpected {}; expected a number, a name or `(`",
                    describe(&t)
                ),
            )),
        }
    }
}
