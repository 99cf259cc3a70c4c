//! A reader for the subset of TOML that grading-table files use, with the line of every value.
//!
//! Why not the `toml` crate: it was written when linking `toml` (through `winnow`'s
//! `impl AsRef<BStr> for [u8]`) broke type inference in the CycloneDX XML reader. That call now
//! names its type, so `toml` with `toml::Spanned` could replace this reader; until then it stays,
//! since the files need little of TOML and every error message here carries the value's line.
//!
//! Supported: `#` comments; `[section]` headers with bare names; `key = value` lines with bare
//! keys; values that are basic strings (`"…"` with the escapes `\" \\ \n \t \r \uXXXX`),
//! literal strings (`'…'`), decimal integers (optional sign, `_` between digits), `true` and
//! `false`, and arrays of these (nested, spanning lines, with comments and a trailing comma).
//! Anything else is refused with its line and column. `tests/gbt30279_tables.rs` checks with
//! the `toml` crate that the shipped file and [`super::GradingTables::to_toml`]'s output are
//! real TOML.

/// A value and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Spanned {
    pub(super) line: usize,
    pub(super) value: Value,
}

/// A TOML value of the supported kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
    Array(Vec<Spanned>),
}

impl Value {
    /// The value as TOML would write it, for messages.
    pub(super) fn show(&self) -> String {
        match self {
            Self::Str(text) => format!("{text:?}"),
            Self::Int(number) => number.to_string(),
            Self::Bool(flag) => flag.to_string(),
            Self::Array(items) => {
                format!("[{}]", items.iter().map(|item| item.value.show()).collect::<Vec<_>>().join(", "))
            }
        }
    }

    /// What kind of value this is, for messages.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Self::Str(_) => "a string",
            Self::Int(_) => "an integer",
            Self::Bool(_) => "a boolean",
            Self::Array(_) => "an array",
        }
    }
}

/// One `key = value` of the file: its section (`""` before any header), key, and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    pub(super) section: String,
    pub(super) key: String,
    pub(super) value: Spanned,
}

/// Reads a file into its entries, in order.
///
/// # Errors
///
/// The line and a message for the first thing outside the supported subset. Repeated keys
/// and sections are left to the caller, which knows which keys it wants.
pub(super) fn read(source: &str) -> Result<Vec<Entry>, (usize, String)> {
    let mut cursor = Cursor { chars: source.chars().collect(), at: 0, line: 1, column: 1 };
    let mut section = String::new();
    let mut entries = Vec::new();
    loop {
        cursor.skip_blank_lines();
        let Some(ch) = cursor.peek() else { break };
        if ch == '[' {
            cursor.bump();
            cursor.skip_spaces();
            section = cursor.bare_key("a section name")?;
            cursor.skip_spaces();
            cursor.expect(']')?;
        } else {
            let key = cursor.bare_key("a key")?;
            cursor.skip_spaces();
            cursor.expect('=')?;
            cursor.skip_spaces();
            let value = cursor.value()?;
            entries.push(Entry { section: section.clone(), key, value });
        }
        cursor.end_of_line()?;
    }
    Ok(entries)
}

/// A position in the file.
struct Cursor {
    chars: Vec<char>,
    at: usize,
    line: usize,
    column: usize,
}

impl Cursor {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let ch = self.peek()?;
        self.at += 1;
        if ch == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(ch)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, (usize, String)> {
        Err((self.line, format!("line {}, column {}: {}", self.line, self.column, message.into())))
    }

    fn found(&self) -> String {
        match self.peek() {
            Some('\n') => "the end of the line".to_owned(),
            Some(ch) => format!("{ch:?}"),
            None => "the end of the file".to_owned(),
        }
    }

    fn expect(&mut self, wanted: char) -> Result<(), (usize, String)> {
        if self.peek() == Some(wanted) {
            self.bump();
            Ok(())
        } else {
            self.error(format!("expected {wanted:?}, found {}", self.found()))
        }
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some('#') {
            while !matches!(self.peek(), None | Some('\n')) {
                self.bump();
            }
        }
    }

    /// Skips spaces, comments and line breaks (outside values, and inside arrays).
    fn skip_blank_lines(&mut self) {
        loop {
            self.skip_spaces();
            self.skip_comment();
            match self.peek() {
                Some('\n') => {
                    self.bump();
                }
                Some('\r') if self.chars.get(self.at + 1) == Some(&'\n') => {
                    self.bump();
                    self.bump();
                }
                _ => return,
            }
        }
    }

    /// After an entry: spaces, an optional comment, then a line break or the end.
    fn end_of_line(&mut self) -> Result<(), (usize, String)> {
        self.skip_spaces();
        self.skip_comment();
        if self.peek() == Some('\r') && self.chars.get(self.at + 1) == Some(&'\n') {
            self.bump();
        }
        match self.peek() {
            None => Ok(()),
            Some('\n') => {
                self.bump();
                Ok(())
            }
            Some(_) => self.error(format!("expected the end of the line, found {}", self.found())),
        }
    }

    fn bare_key(&mut self, what: &str) -> Result<String, (usize, String)> {
        let mut key = String::new();
        while let Some(ch) = self.peek().filter(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-')) {
            key.push(ch);
            self.bump();
        }
        if key.is_empty() { self.error(format!("expected {what}, found {}", self.found())) } else { Ok(key) }
    }

    fn value(&mut self) -> Result<Spanned, (usize, String)> {
        let line = self.line;
        let value = match self.peek() {
            Some('"') => Value::Str(self.basic_string()?),
            Some('\'') => Value::Str(self.literal_string()?),
            Some('[') => Value::Array(self.array()?),
            Some(ch) if ch.is_ascii_digit() || ch == '+' || ch == '-' => Value::Int(self.integer()?),
            Some(ch) if ch.is_ascii_alphabetic() => {
                let word = self.bare_key("a value")?;
                match word.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => return self.error(format!("{word:?} is not a value; write text in quotes")),
                }
            }
            _ => return self.error(format!("expected a value, found {}", self.found())),
        };
        Ok(Spanned { line, value })
    }

    fn basic_string(&mut self) -> Result<String, (usize, String)> {
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => return self.error("the string is not closed on its line"),
                Some('"') => return Ok(text),
                Some('\\') => {
                    let escaped = match self.bump() {
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('r') => '\r',
                        Some('u') => {
                            let hex: String = (0..4).filter_map(|_| self.bump()).collect();
                            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                Some(ch) => ch,
                                None => return self.error(format!("\\u{hex} is not a character")),
                            }
                        }
                        other => return self.error(format!("unsupported escape \\{}", other.unwrap_or(' '))),
                    };
                    text.push(escaped);
                }
                Some(ch) => text.push(ch),
            }
        }
    }

    fn literal_string(&mut self) -> Result<String, (usize, String)> {
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => return self.error("the string is not closed on its line"),
                Some('\'') => return Ok(text),
                Some(ch) => text.push(ch),
            }
        }
    }

    fn integer(&mut self) -> Result<i64, (usize, String)> {
        let mut digits = String::new();
        if let Some(sign @ ('+' | '-')) = self.peek() {
            digits.push(sign);
            self.bump();
        }
        let mut last_underscore = true;
        while let Some(ch) = self.peek().filter(|ch| ch.is_ascii_digit() || *ch == '_') {
            if ch == '_' && last_underscore {
                return self.error("an underscore in a number must stand between digits");
            }
            last_underscore = ch == '_';
            if ch != '_' {
                digits.push(ch);
            }
            self.bump();
        }
        if matches!(self.peek(), Some(ch) if ch.is_ascii_alphanumeric() || ch == '.') {
            return self.error(format!("only decimal integers are supported, found {}", self.found()));
        }
        let unsigned = digits.trim_start_matches(['+', '-']);
        if unsigned.len() > 1 && unsigned.starts_with('0') {
            return self.error(format!("{digits:?} has a leading zero, which TOML does not allow"));
        }
        match digits.parse() {
            Ok(number) if !last_underscore => Ok(number),
            _ => self.error(format!("{digits:?} is not an integer")),
        }
    }

    fn array(&mut self) -> Result<Vec<Spanned>, (usize, String)> {
        self.bump();
        let mut items = Vec::new();
        loop {
            self.skip_blank_lines();
            if self.peek() == Some(']') {
                self.bump();
                return Ok(items);
            }
            items.push(self.value()?);
            self.skip_blank_lines();
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(']') => {}
                _ => return self.error(format!("expected ',' or ']' in an array, found {}", self.found())),
            }
        }
    }
}
