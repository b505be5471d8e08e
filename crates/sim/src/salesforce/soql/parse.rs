//! A SOQL subset parser: what a migration client sends.
//!
//! ```text
//! SELECT field, Relationship.Field, … | COUNT()
//! FROM Object
//! [WHERE cond [AND|OR cond]…]   cond: path op literal | path [NOT] IN (…) | NOT cond | (cond)
//! [ORDER BY path [ASC|DESC] [NULLS FIRST|LAST], …]
//! [LIMIT n] [OFFSET n]
//! ```
//! Operators `= != <> < <= > >= LIKE`; literals `'text'` (with `\'`
//! escapes), numbers, `true`/`false`, `null`, dates `2024-01-31` and
//! date-times `2024-01-31T10:00:00Z` (unquoted, as SOQL requires).
//! Keywords and names are case-insensitive (SOQL and SOSL Reference).
//! Anything else is `MALFORMED_QUERY`, never a panic.

use crate::salesforce::errors::SfError;

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    /// An unquoted date or date-time literal, as written.
    Temporal(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
}

/// A field path: `["Name"]` or `["Account", "Name"]`.
pub type Path = Vec<String>;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Path, Op, Literal),
    In(Path, bool, Vec<Literal>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub path: Path,
    pub descending: bool,
    pub nulls_last: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Selected paths; empty for `COUNT()`.
    pub fields: Vec<Path>,
    pub count: bool,
    pub object: String,
    pub filter: Option<Expr>,
    pub order: Vec<Order>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Number(String),
    Sym(&'static str),
}

fn malformed(message: impl Into<String>) -> SfError {
    SfError::malformed_query(message)
}

fn lex(input: &str) -> Result<Vec<Token>, SfError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(malformed("unterminated string literal")),
                    Some('\\') => {
                        let escaped = chars.get(i + 1).copied().unwrap_or('\\');
                        text.push(match escaped {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        text.push(*ch);
                        i += 1;
                    }
                }
            }
            tokens.push(Token::Text(text));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            // Numbers, dates and date-times: digits, '-', ':', '.', 'T', 'Z', '+'.
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '-' | ':' | '.' | '+'))
            {
                i += 1;
            }
            tokens.push(Token::Number(chars[start..i].iter().collect()));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.')) {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let sym = match two.as_str() {
                "!=" => Some("!="),
                "<>" => Some("!="),
                "<=" => Some("<="),
                ">=" => Some(">="),
                _ => None,
            };
            if let Some(sym) = sym {
                tokens.push(Token::Sym(sym));
                i += 2;
                continue;
            }
            let sym = match c {
                ',' => ",",
                '(' => "(",
                ')' => ")",
                '=' => "=",
                '<' => "<",
                '>' => ">",
                _ => return Err(malformed(format!("unexpected character: '{c}'"))),
            };
            tokens.push(Token::Sym(sym));
            i += 1;
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn is_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        if self.is_keyword(word) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), SfError> {
        if self.eat_keyword(word) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("expecting '{word}'")))
        }
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        if matches!(self.peek(), Some(Token::Sym(s)) if *s == sym) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn unexpected(&self, what: &str) -> SfError {
        let token = match self.peek() {
            None => "end of query".to_string(),
            Some(Token::Word(w) | Token::Number(w)) => w.clone(),
            Some(Token::Text(t)) => format!("'{t}'"),
            Some(Token::Sym(s)) => s.to_string(),
        };
        malformed(format!("unexpected token: '{token}' ({what})"))
    }

    fn path(&mut self) -> Result<Path, SfError> {
        match self.next() {
            Some(Token::Word(w))
                if !w.starts_with('.') && !w.ends_with('.') && !w.contains("..") =>
            {
                Ok(w.split('.').map(str::to_string).collect())
            }
            _ => {
                self.at -= 1;
                Err(self.unexpected("expecting a field name"))
            }
        }
    }

    fn literal(&mut self) -> Result<Literal, SfError> {
        match self.next() {
            Some(Token::Text(t)) => Ok(Literal::Text(t)),
            Some(Token::Number(n)) => {
                if n.contains('-') && n.len() >= 10 && !n.starts_with('-') {
                    Ok(Literal::Temporal(n))
                } else {
                    n.parse::<f64>()
                        .map(Literal::Number)
                        .map_err(|_| malformed(format!("invalid number: {n}")))
                }
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("null") => Ok(Literal::Null),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
            _ => {
                self.at -= 1;
                Err(self.unexpected("expecting a value"))
            }
        }
    }

    fn condition(&mut self) -> Result<Expr, SfError> {
        if self.eat_keyword("NOT") {
            return Ok(Expr::Not(Box::new(self.condition()?)));
        }
        if self.eat_sym("(") {
            let inner = self.or()?;
            if !self.eat_sym(")") {
                return Err(self.unexpected("expecting ')'"));
            }
            return Ok(inner);
        }
        let path = self.path()?;
        let negated = self.eat_keyword("NOT");
        if self.eat_keyword("IN") {
            if !self.eat_sym("(") {
                return Err(self.unexpected("expecting '('"));
            }
            let mut values = vec![self.literal()?];
            while self.eat_sym(",") {
                values.push(self.literal()?);
            }
            if !self.eat_sym(")") {
                return Err(self.unexpected("expecting ')'"));
            }
            return Ok(Expr::In(path, negated, values));
        }
        if negated {
            return Err(self.unexpected("expecting IN"));
        }
        let op = match self.next() {
            Some(Token::Sym("=")) => Op::Eq,
            Some(Token::Sym("!=")) => Op::Ne,
            Some(Token::Sym("<")) => Op::Lt,
            Some(Token::Sym("<=")) => Op::Le,
            Some(Token::Sym(">")) => Op::Gt,
            Some(Token::Sym(">=")) => Op::Ge,
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("LIKE") => Op::Like,
            _ => {
                self.at -= 1;
                return Err(self.unexpected("expecting an operator"));
            }
        };
        Ok(Expr::Cmp(path, op, self.literal()?))
    }

    fn and(&mut self) -> Result<Expr, SfError> {
        let mut left = self.condition()?;
        while self.eat_keyword("AND") {
            left = Expr::And(Box::new(left), Box::new(self.condition()?));
        }
        Ok(left)
    }

    fn or(&mut self) -> Result<Expr, SfError> {
        let mut left = self.and()?;
        while self.eat_keyword("OR") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn count(&mut self) -> Result<usize, SfError> {
        match self.next() {
            Some(Token::Number(n)) => n
                .parse()
                .map_err(|_| malformed(format!("invalid number: {n}"))),
            _ => {
                self.at -= 1;
                Err(self.unexpected("expecting a number"))
            }
        }
    }
}

/// Parses one SOQL statement.
pub fn parse(text: &str) -> Result<Query, SfError> {
    if text.len() > 100_000 {
        return Err(malformed("query too long (100,000 characters at most)"));
    }
    let mut p = Parser {
        tokens: lex(text)?,
        at: 0,
    };
    p.expect_keyword("SELECT")?;
    let mut fields = Vec::new();
    let mut count = false;
    if p.is_keyword("COUNT") {
        p.at += 1;
        if !(p.eat_sym("(") && p.eat_sym(")")) {
            return Err(p.unexpected("only COUNT() is supported"));
        }
        count = true;
    } else {
        loop {
            if p.eat_sym("(") {
                return Err(malformed("subqueries are not supported by this emulator"));
            }
            fields.push(p.path()?);
            if !p.eat_sym(",") {
                break;
            }
        }
    }
    p.expect_keyword("FROM")?;
    let object = match p.next() {
        Some(Token::Word(w)) if !w.contains('.') => w,
        _ => {
            p.at -= 1;
            return Err(p.unexpected("expecting an object name"));
        }
    };
    let filter = if p.eat_keyword("WHERE") {
        Some(p.or()?)
    } else {
        None
    };
    let mut order = Vec::new();
    if p.eat_keyword("ORDER") {
        p.expect_keyword("BY")?;
        loop {
            let path = p.path()?;
            let descending = if p.eat_keyword("DESC") {
                true
            } else {
                p.eat_keyword("ASC");
                false
            };
            let mut nulls_last = descending;
            if p.eat_keyword("NULLS") {
                nulls_last = if p.eat_keyword("LAST") {
                    true
                } else {
                    p.expect_keyword("FIRST")?;
                    false
                };
            }
            order.push(Order {
                path,
                descending,
                nulls_last,
            });
            if !p.eat_sym(",") {
                break;
            }
        }
    }
    let limit = if p.eat_keyword("LIMIT") {
        Some(p.count()?)
    } else {
        None
    };
    let offset = if p.eat_keyword("OFFSET") {
        Some(p.count()?)
    } else {
        None
    };
    if p.peek().is_some() {
        return Err(p.unexpected("expecting the end of the query"));
    }
    Ok(Query {
        fields,
        count,
        object,
        filter,
        order,
        limit,
        offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_supported_subset() {
        let q = parse(
            "select Id, Account.Name FROM Case where Status = 'New' and (Priority IN ('High','Low') or Origin != null) \
             AND CreatedDate > 2024-01-01T00:00:00Z order by CreatedDate desc, Id limit 10 offset 5",
        )
        .unwrap();
        assert_eq!(q.object, "Case");
        assert_eq!(q.fields[1], vec!["Account".to_string(), "Name".to_string()]);
        assert_eq!(q.limit, Some(10));
        assert_eq!(q.offset, Some(5));
        assert!(q.order[0].descending);
        assert!(parse("SELECT COUNT() FROM Contact").unwrap().count);
    }

    #[test]
    fn refuses_nonsense_without_panicking() {
        for bad in [
            "",
            "SELECT",
            "SELECT FROM Case",
            "SELECT Id FROM",
            "SELECT Id FROM Case WHERE",
            "SELECT Id FROM Case WHERE Name = 'x",
            "SELECT Id FROM Case LIMIT x",
            "SELECT Id FROM Case garbage",
            "SELECT Id,, FROM Case",
            "SELECT a..b FROM Case",
            "SELECT Id FROM Case WHERE Name IN ()",
            "SELECT Id FROM Case WHERE ((Name = 'a')",
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.code, "MALFORMED_QUERY", "{bad}");
        }
    }
}
