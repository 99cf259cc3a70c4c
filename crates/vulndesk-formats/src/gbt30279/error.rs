//! Why a grading-table file was refused: [`TableError`] lists every [`TableProblem`] found, each
//! with the table and line at fault, so that an administrator can fix a file in one pass.

use std::fmt;

/// One problem in a grading-table file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TableProblem {
    /// The file is not in the TOML subset that table files use (see the format's description).
    #[error("{message}")]
    Syntax {
        /// The line at fault.
        line: usize,
        /// The message, with the line and column.
        message: String,
    },
    /// A section or key is missing, unknown, repeated or holds the wrong kind of value.
    #[error("{message}")]
    Key {
        /// The message, naming the section and key.
        message: String,
    },
    /// The `format` key names another format.
    #[error("format {found:?} is not supported; expected {expected:?}")]
    Format {
        /// The format the file names.
        found: String,
        /// The format this version reads.
        expected: &'static str,
    },
    /// A scale in `[scales]` is outside 2..=9.
    #[error("[scales] {scale} = {found}: a scale must have 2 to 9 levels")]
    Scale {
        /// The scale's key.
        scale: &'static str,
        /// The value given.
        found: i64,
    },
    /// A row has the wrong number of cells.
    #[error("[{table}] line {line}: a row needs {expected} cells ({columns}), found {found}")]
    RowShape {
        /// The table.
        table: &'static str,
        /// The row's line.
        line: usize,
        /// The cells a row needs.
        expected: usize,
        /// The columns' names.
        columns: String,
        /// The cells found.
        found: usize,
    },
    /// A cell holds a value its column does not have.
    #[error("[{table}] line {line}: {column} {found} is not one of {expected}")]
    UnknownValue {
        /// The table.
        table: &'static str,
        /// The row's line.
        line: usize,
        /// The column's name.
        column: &'static str,
        /// The cell as written.
        found: String,
        /// The values the column takes.
        expected: String,
    },
    /// A level cell is outside its scale.
    #[error("[{table}] line {line}: {column} {found} is outside its scale 1..={scale}")]
    LevelOutOfScale {
        /// The table.
        table: &'static str,
        /// The row's line.
        line: usize,
        /// The column's name.
        column: &'static str,
        /// The level given.
        found: i64,
        /// The scale's top level.
        scale: u8,
    },
    /// Two rows give the same combination.
    #[error("[{table}] line {line}: {combination} was already given on line {first_line}")]
    Duplicate {
        /// The table.
        table: &'static str,
        /// The repeating row's line.
        line: usize,
        /// The line of the first row for it.
        first_line: usize,
        /// The combination, as its cells.
        combination: String,
    },
    /// No row gives a combination.
    #[error("[{table}]: no row for {combination}")]
    Missing {
        /// The table.
        table: &'static str,
        /// The combination, as its cells.
        combination: String,
    },
    /// A table gives a lower result for a more severe input (reported by
    /// [`super::GradingTables::monotonicity_problems`], not by parsing).
    #[error("[{table}]: {higher} gives {higher_result}, lower than {lower_result} for the less severe {lower}")]
    NotMonotone {
        /// The table.
        table: &'static str,
        /// The less severe combination.
        lower: String,
        /// Its result.
        lower_result: String,
        /// The more severe combination, one step up in one column.
        higher: String,
        /// Its result.
        higher_result: String,
    },
}

/// Every problem found in a grading-table file, in the order of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    /// The problems; never empty.
    pub problems: Vec<TableProblem>,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        write!(f, "the grading tables have {count} problem{}", if count == 1 { "" } else { "s" })?;
        for problem in &self.problems {
            write!(f, "\n- {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TableError {}
