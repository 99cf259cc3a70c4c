//! [`GradingTables`]: the five GB/T 30279 tables (Annexes A–E) loaded from a TOML file and
//! validated cell by cell.
//!
//! The file format (`vulndesk-gbt30279-tables/1`) is described at the top of
//! `data/gbt30279-default-v1.toml`, vulndesk's own default. Every table is a list of rows; a row
//! lists its input cells and then its result. Parsing checks that every row has the right
//! shape, every cell a known value, every level lies within its scale, and that every
//! combination of inputs is given exactly once; it reports every problem at once, each with its
//! line.

use std::sync::LazyLock;

use super::error::{TableError, TableProblem};
use super::reader::{self, Entry, Spanned, Value};
use super::{
    AccessPath, CnGrade, Environment, ExploitCost, Exploitability, FixDifficulty, GRADES, Impact, ImpactLevel,
    PrivilegesRequired, Reach, TriggerRequirement, UserInteraction,
};

/// The file format this version reads, the value of the file's `format` key.
pub const FORMAT: &str = "vulndesk-gbt30279-tables/1";

/// vulndesk's default tables, compiled in.
const DEFAULT_V1: &str = include_str!("../../data/gbt30279-default-v1.toml");

/// The English and Chinese names of the four grades, from the lowest.
const GRADE_NAMES: &[(&str, &str)] = &[("low", "低危"), ("medium", "中危"), ("high", "高危"), ("critical", "超危")];

/// Where a table file comes from and whether it holds the standard's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMeta {
    /// A name for people, for example "vulndesk default".
    pub name: String,
    /// The version recorded with every grade computed from these tables.
    pub version: String,
    /// Whether the file claims to hold the standard's official annex values.
    pub official: bool,
    /// A notice to show next to grades computed from these tables.
    pub notice: String,
}

/// The number of levels of each intermediate scale (levels run from 1, the least severe).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scales {
    /// Annex A's exploitability levels.
    pub exploitability: u8,
    /// Annex B's impact levels.
    pub impact: u8,
    /// Annex C's environment levels.
    pub environment: u8,
}

/// What the cells of one column hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cells {
    /// An indicator's values, by English and Chinese name, from the least severe.
    Names(&'static [(&'static str, &'static str)]),
    /// A level 1..=scale.
    Level(u8),
    /// One of the four grades.
    Grade,
}

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Column {
    name: &'static str,
    cells: Cells,
}

impl Column {
    const fn new(name: &'static str, cells: Cells) -> Self {
        Self { name, cells }
    }

    /// How many values the column has.
    fn radix(self) -> usize {
        match self.cells {
            Cells::Names(names) => names.len(),
            Cells::Level(scale) => usize::from(scale),
            Cells::Grade => GRADE_NAMES.len(),
        }
    }

    /// The value with rank `rank`, as a file writes it.
    fn label(self, rank: usize) -> String {
        match self.cells {
            Cells::Names(names) => names[rank].0.to_owned(),
            Cells::Level(_) => (rank + 1).to_string(),
            Cells::Grade => GRADE_NAMES[rank].0.to_owned(),
        }
    }

    /// Reads one cell as the rank of its value (0 for the least severe).
    fn read(self, table: &'static str, line: usize, cell: &Value) -> Result<usize, TableProblem> {
        let unknown = |expected: String| TableProblem::UnknownValue {
            table,
            line,
            column: self.name,
            found: cell.show(),
            expected,
        };
        let text = match cell {
            Value::Str(text) => Some(text.as_str()),
            _ => None,
        };
        match self.cells {
            Cells::Names(names) => {
                let text = text.ok_or_else(|| unknown(expected_names(self)))?;
                names
                    .iter()
                    .position(|(en, zh)| en.eq_ignore_ascii_case(text) || *zh == text)
                    .ok_or_else(|| unknown(expected_names(self)))
            }
            Cells::Grade => {
                let text = text.ok_or_else(|| unknown(expected_names(self)))?;
                GRADE_NAMES
                    .iter()
                    .position(|(en, zh)| en.eq_ignore_ascii_case(text) || *zh == text)
                    .ok_or_else(|| unknown(expected_names(self)))
            }
            Cells::Level(scale) => match *cell {
                Value::Int(level) if (1..=i64::from(scale)).contains(&level) => Ok((level - 1) as usize),
                Value::Int(level) => {
                    Err(TableProblem::LevelOutOfScale { table, line, column: self.name, found: level, scale })
                }
                _ => Err(unknown(format!("an integer 1..={scale}"))),
            },
        }
    }
}

/// The values a name column takes, for a message: `network/网络, adjacent/邻接, …`.
fn expected_names(column: Column) -> String {
    let names = match column.cells {
        Cells::Names(names) => names,
        Cells::Grade | Cells::Level(_) => GRADE_NAMES,
    };
    names.iter().map(|(en, zh)| format!("{en}/{zh}")).collect::<Vec<_>>().join(", ")
}

/// One table: its input columns, its result column, and the result's rank for every
/// combination of inputs (indexed in mixed radix, the first column most significant).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Table {
    name: &'static str,
    inputs: Vec<Column>,
    result: Column,
    values: Vec<u8>,
}

impl Table {
    /// The result's rank for inputs given as ranks.
    fn at(&self, ranks: &[usize]) -> usize {
        usize::from(self.values[index(self.inputs.iter().zip(ranks).map(|(column, &rank)| (rank, column.radix())))])
    }

    /// A combination written as its cells, for a message.
    fn describe(&self, ranks: &[usize]) -> String {
        let cells: Vec<String> = self
            .inputs
            .iter()
            .zip(ranks)
            .map(|(column, &rank)| format!("{} {}", column.name, column.label(rank)))
            .collect();
        cells.join(", ")
    }

    /// The ranks of the combination at `index`.
    fn ranks(&self, mut index: usize) -> Vec<usize> {
        let mut ranks = vec![0; self.inputs.len()];
        for (slot, column) in ranks.iter_mut().zip(&self.inputs).rev() {
            *slot = index % column.radix();
            index /= column.radix();
        }
        ranks
    }

    /// Every place where one step up in one input column lowers the result.
    fn monotonicity_problems(&self, problems: &mut Vec<TableProblem>) {
        for at in 0..self.values.len() {
            let ranks = self.ranks(at);
            for (position, column) in self.inputs.iter().enumerate() {
                if ranks[position] + 1 >= column.radix() {
                    continue;
                }
                let mut higher = ranks.clone();
                higher[position] += 1;
                let (lower_result, higher_result) = (self.at(&ranks), self.at(&higher));
                if higher_result < lower_result {
                    problems.push(TableProblem::NotMonotone {
                        table: self.name,
                        lower: self.describe(&ranks),
                        lower_result: self.result.label(lower_result),
                        higher: self.describe(&higher),
                        higher_result: self.result.label(higher_result),
                    });
                }
            }
        }
    }
}

/// The mixed-radix index of ranks given with their radices, the first most significant.
fn index(digits: impl IntoIterator<Item = (usize, usize)>) -> usize {
    digits.into_iter().fold(0, |acc, (rank, radix)| acc * radix + rank)
}

/// The five tables of a grading-table file, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradingTables {
    meta: TableMeta,
    scales: Scales,
    exploitability: Table,
    impact: Table,
    environment: Table,
    technical: Table,
    comprehensive: Table,
}

static BUILTIN: LazyLock<GradingTables> = LazyLock::new(|| {
    // The default is compiled in and tests/gbt30279_tables.rs checks that it parses, so a
    // failure here is a build defect, not an input error.
    GradingTables::from_toml(DEFAULT_V1).expect("data/gbt30279-default-v1.toml is valid (tests/gbt30279_tables.rs)")
});

impl GradingTables {
    /// vulndesk's default tables (`data/gbt30279-default-v1.toml`): vulndesk's own design,
    /// **not** the standard's annex values, marked `official = false`.
    pub fn builtin() -> &'static Self {
        &BUILTIN
    }

    /// The text of vulndesk's default table file, to offer as a template for a replacement.
    pub fn builtin_source() -> &'static str {
        DEFAULT_V1
    }

    /// Reads and validates a table file.
    ///
    /// Monotonicity is not required here, since an official table is authoritative whatever
    /// its shape; [`Self::monotonicity_problems`] reports it separately.
    ///
    /// # Errors
    ///
    /// A [`TableError`] listing every problem found.
    pub fn from_toml(source: &str) -> Result<Self, TableError> {
        let fail = |problems: Vec<TableProblem>| TableError { problems };
        let entries =
            reader::read(source).map_err(|(line, message)| fail(vec![TableProblem::Syntax { line, message }]))?;
        let mut doc = Doc { entries, used: Vec::new(), problems: Vec::new() };
        doc.used = vec![false; doc.entries.len()];
        let format = doc.string("", "format");
        let meta = TableMeta {
            name: doc.string("meta", "name").unwrap_or_default(),
            version: doc.string("meta", "version").unwrap_or_default(),
            official: doc.boolean("meta", "official").unwrap_or_default(),
            notice: doc.optional_string("meta", "notice").unwrap_or_default(),
        };
        let raw_scales = ["exploitability", "impact", "environment"].map(|key| doc.integer("scales", key));
        let raw_rows = ["exploitability", "impact", "environment", "technical", "comprehensive"]
            .map(|table| doc.array(table, "rows").unwrap_or_default());
        doc.unknown_keys();
        let mut problems = doc.problems;
        if let Some(found) = format.filter(|format| format != FORMAT) {
            problems.insert(0, TableProblem::Format { found, expected: FORMAT });
        }
        let mut scale = |key: &'static str, found: Option<i64>| match found.map(u8::try_from) {
            Some(Ok(level @ 2..=9)) => level,
            Some(_) => {
                problems.push(TableProblem::Scale { scale: key, found: found.unwrap_or_default() });
                0
            }
            None => 0,
        };
        let scales = Scales {
            exploitability: scale("exploitability", raw_scales[0]),
            impact: scale("impact", raw_scales[1]),
            environment: scale("environment", raw_scales[2]),
        };
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        let column = Column::new;
        let specs = [
            (
                "exploitability",
                vec![
                    column(AccessPath::INDICATOR_EN, Cells::Names(AccessPath::NAMES)),
                    column(TriggerRequirement::INDICATOR_EN, Cells::Names(TriggerRequirement::NAMES)),
                    column(PrivilegesRequired::INDICATOR_EN, Cells::Names(PrivilegesRequired::NAMES)),
                    column(UserInteraction::INDICATOR_EN, Cells::Names(UserInteraction::NAMES)),
                ],
                column("exploitability level", Cells::Level(scales.exploitability)),
                &raw_rows[0],
            ),
            (
                "impact",
                vec![
                    column("confidentiality", Cells::Names(ImpactLevel::NAMES)),
                    column("integrity", Cells::Names(ImpactLevel::NAMES)),
                    column("availability", Cells::Names(ImpactLevel::NAMES)),
                ],
                column("impact level", Cells::Level(scales.impact)),
                &raw_rows[1],
            ),
            (
                "environment",
                vec![
                    column(ExploitCost::INDICATOR_EN, Cells::Names(ExploitCost::NAMES)),
                    column(FixDifficulty::INDICATOR_EN, Cells::Names(FixDifficulty::NAMES)),
                    column(Reach::INDICATOR_EN, Cells::Names(Reach::NAMES)),
                ],
                column("environment level", Cells::Level(scales.environment)),
                &raw_rows[2],
            ),
            (
                "technical",
                vec![
                    column("exploitability level", Cells::Level(scales.exploitability)),
                    column("impact level", Cells::Level(scales.impact)),
                ],
                column("technical grade", Cells::Grade),
                &raw_rows[3],
            ),
            (
                "comprehensive",
                vec![
                    column("technical grade", Cells::Grade),
                    column("environment level", Cells::Level(scales.environment)),
                ],
                column("comprehensive grade", Cells::Grade),
                &raw_rows[4],
            ),
        ];
        let mut tables =
            specs.map(|(name, inputs, result, rows)| read_table(name, inputs, result, rows, &mut problems));
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        let mut take = |at: usize| tables[at].take().unwrap_or_else(empty_table);
        Ok(Self {
            meta,
            scales,
            exploitability: take(0),
            impact: take(1),
            environment: take(2),
            technical: take(3),
            comprehensive: take(4),
        })
    }

    /// Where the tables come from.
    pub fn meta(&self) -> &TableMeta {
        &self.meta
    }

    /// The intermediate scales.
    pub fn scales(&self) -> Scales {
        self.scales
    }

    /// Annex A: the exploitability level, 1..=[`Scales::exploitability`].
    pub fn exploitability_level(&self, exploitability: &Exploitability) -> u8 {
        level(self.exploitability.at(&exploitability.key().map(|(rank, _)| rank)))
    }

    /// Annex B: the impact level, 1..=[`Scales::impact`].
    pub fn impact_level(&self, impact: &Impact) -> u8 {
        level(self.impact.at(&impact.key().map(|(rank, _)| rank)))
    }

    /// Annex C: the environment level, 1..=[`Scales::environment`].
    pub fn environment_level(&self, environment: &Environment) -> u8 {
        level(self.environment.at(&environment.key().map(|(rank, _)| rank)))
    }

    /// Annex D: the technical grade for an exploitability and an impact level; `None` when a
    /// level is outside its scale.
    pub fn technical(&self, exploitability_level: u8, impact_level: u8) -> Option<CnGrade> {
        let e = usize::from(exploitability_level)
            .checked_sub(1)
            .filter(|&e| e < usize::from(self.scales.exploitability))?;
        let i = usize::from(impact_level).checked_sub(1).filter(|&i| i < usize::from(self.scales.impact))?;
        Some(GRADES[self.technical.at(&[e, i])])
    }

    /// Annex E: the comprehensive grade for a technical grade and an environment level; `None`
    /// when the grade is [`CnGrade::None`] or the level is outside its scale.
    pub fn comprehensive(&self, technical: CnGrade, environment_level: u8) -> Option<CnGrade> {
        let grade = GRADES.iter().position(|&grade| grade == technical)?;
        let env =
            usize::from(environment_level).checked_sub(1).filter(|&l| l < usize::from(self.scales.environment))?;
        Some(GRADES[self.comprehensive.at(&[grade, env])])
    }

    /// The tables written back as a table file (without the original's comments), for
    /// exporting the tables in force; [`Self::from_toml`] reads it back to equal tables.
    pub fn to_toml(&self) -> String {
        let mut out = String::from("# GB/T 30279 grading tables, exported by vulndesk.\n");
        out += &format!("format = {}\n\n[meta]\n", toml_string(FORMAT));
        out += &format!("name = {}\nversion = {}\n", toml_string(&self.meta.name), toml_string(&self.meta.version));
        out += &format!("official = {}\nnotice = {}\n\n", self.meta.official, toml_string(&self.meta.notice));
        let Scales { exploitability, impact, environment } = self.scales;
        out +=
            &format!("[scales]\nexploitability = {exploitability}\nimpact = {impact}\nenvironment = {environment}\n");
        for table in [&self.exploitability, &self.impact, &self.environment, &self.technical, &self.comprehensive] {
            out += &format!("\n[{}]\nrows = [\n", table.name);
            // Most severe first, as the shipped file lists them.
            for at in (0..table.values.len()).rev() {
                let ranks = table.ranks(at);
                let cells = table.inputs.iter().zip(&ranks).map(|(column, &rank)| (*column, rank));
                let cells: Vec<String> = cells
                    .chain([(table.result, table.at(&ranks))])
                    .map(|(column, rank)| match column.cells {
                        Cells::Level(_) => column.label(rank),
                        Cells::Names(_) | Cells::Grade => toml_string(&column.label(rank)),
                    })
                    .collect();
                out += &format!("  [{}],\n", cells.join(", "));
            }
            out += "]\n";
        }
        out
    }

    /// Annex D for levels these tables produced, which are always within the scales.
    pub(crate) fn technical_cell(&self, exploitability_level: u8, impact_level: u8) -> CnGrade {
        let ranks = [usize::from(exploitability_level.saturating_sub(1)), usize::from(impact_level.saturating_sub(1))];
        GRADES[self.technical.at(&ranks)]
    }

    /// Every place where a table gives a lower result for a more severe input (one step up in
    /// one column), empty for a monotone set of tables. The official tables are expected to be
    /// monotone, so an administrator should be warned about any problem reported here.
    pub fn monotonicity_problems(&self) -> Vec<TableProblem> {
        let mut problems = Vec::new();
        for table in [&self.exploitability, &self.impact, &self.environment, &self.technical, &self.comprehensive] {
            table.monotonicity_problems(&mut problems);
        }
        problems
    }
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn toml_string(text: &str) -> String {
    let mut out = String::from('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ch if ch.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(ch))),
            ch => out.push(ch),
        }
    }
    out.push('"');
    out
}

/// A level from its rank.
fn level(rank: usize) -> u8 {
    u8::try_from(rank + 1).unwrap_or(u8::MAX)
}

/// A placeholder that [`GradingTables::from_toml`] never keeps: it returns early whenever a
/// table could not be read.
fn empty_table() -> Table {
    Table { name: "", inputs: Vec::new(), result: Column::new("", Cells::Grade), values: vec![0] }
}

/// Reads one table's rows, adding its problems to `problems`; `None` when it has any.
fn read_table(
    name: &'static str,
    inputs: Vec<Column>,
    result: Column,
    rows: &[Spanned],
    problems: &mut Vec<TableProblem>,
) -> Option<Table> {
    let before = problems.len();
    let size: usize = inputs.iter().map(|column| column.radix()).product();
    let mut first_lines: Vec<Option<usize>> = vec![None; size];
    let mut values = vec![0u8; size];
    for row in rows {
        let line = row.line;
        let Value::Array(cells) = &row.value else {
            let message = format!("[{name}] line {line}: a row must be an array, found {}", row.value.kind());
            problems.push(TableProblem::Key { message });
            continue;
        };
        if cells.len() != inputs.len() + 1 {
            let columns = inputs.iter().chain([&result]).map(|column| column.name).collect::<Vec<_>>().join(", ");
            problems.push(TableProblem::RowShape {
                table: name,
                line,
                expected: inputs.len() + 1,
                columns,
                found: cells.len(),
            });
            continue;
        }
        let mut ranks = Vec::with_capacity(inputs.len());
        let mut row_ok = true;
        for (column, cell) in inputs.iter().chain([&result]).zip(cells) {
            match column.read(name, line, &cell.value) {
                Ok(rank) => ranks.push(rank),
                Err(problem) => {
                    problems.push(problem);
                    row_ok = false;
                }
            }
        }
        if !row_ok {
            continue;
        }
        let result_rank = ranks.pop().unwrap_or_default();
        let at = index(ranks.iter().zip(&inputs).map(|(&rank, column)| (rank, column.radix())));
        if let Some(first_line) = first_lines[at] {
            let table = Table { name, inputs: inputs.clone(), result, values: Vec::new() };
            problems.push(TableProblem::Duplicate {
                table: name,
                line,
                first_line,
                combination: table.describe(&ranks),
            });
            continue;
        }
        first_lines[at] = Some(line);
        values[at] = u8::try_from(result_rank).unwrap_or(u8::MAX);
    }
    let table = Table { name, inputs, result, values };
    for (at, first_line) in first_lines.iter().enumerate() {
        if first_line.is_none() {
            problems.push(TableProblem::Missing { table: name, combination: table.describe(&table.ranks(at)) });
        }
    }
    (problems.len() == before).then_some(table)
}

/// The entries of a table file, with which of them were used and the problems found so far.
struct Doc {
    entries: Vec<Entry>,
    used: Vec<bool>,
    problems: Vec<TableProblem>,
}

impl Doc {
    /// The value of `[section] key`, marking it used; a problem if it is missing or repeated.
    fn value(&mut self, section: &str, key: &str, required: bool) -> Option<Spanned> {
        let place = if section.is_empty() { key.to_owned() } else { format!("[{section}] {key}") };
        let mut found: Option<Spanned> = None;
        for (entry, used) in self.entries.iter().zip(self.used.iter_mut()) {
            if entry.section != section || entry.key != key {
                continue;
            }
            *used = true;
            match &found {
                Some(first) => self.problems.push(TableProblem::Key {
                    message: format!("{place} is given twice, on lines {} and {}", first.line, entry.value.line),
                }),
                None => found = Some(entry.value.clone()),
            }
        }
        if found.is_none() && required {
            self.problems.push(TableProblem::Key { message: format!("{place} is missing") });
        }
        found
    }

    /// Records a value of the wrong kind.
    fn wrong_kind(&mut self, section: &str, key: &str, wanted: &str, value: &Spanned) {
        let place = if section.is_empty() { key.to_owned() } else { format!("[{section}] {key}") };
        let message = format!("{place} on line {} must be {wanted}, found {}", value.line, value.value.kind());
        self.problems.push(TableProblem::Key { message });
    }

    fn string(&mut self, section: &str, key: &str) -> Option<String> {
        self.typed_string(section, key, true)
    }

    fn optional_string(&mut self, section: &str, key: &str) -> Option<String> {
        self.typed_string(section, key, false)
    }

    fn typed_string(&mut self, section: &str, key: &str, required: bool) -> Option<String> {
        match self.value(section, key, required)? {
            Spanned { value: Value::Str(text), .. } => Some(text),
            other => {
                self.wrong_kind(section, key, "a string", &other);
                None
            }
        }
    }

    fn boolean(&mut self, section: &str, key: &str) -> Option<bool> {
        match self.value(section, key, true)? {
            Spanned { value: Value::Bool(flag), .. } => Some(flag),
            other => {
                self.wrong_kind(section, key, "true or false", &other);
                None
            }
        }
    }

    fn integer(&mut self, section: &str, key: &str) -> Option<i64> {
        match self.value(section, key, true)? {
            Spanned { value: Value::Int(number), .. } => Some(number),
            other => {
                self.wrong_kind(section, key, "an integer", &other);
                None
            }
        }
    }

    fn array(&mut self, section: &str, key: &str) -> Option<Vec<Spanned>> {
        match self.value(section, key, true)? {
            Spanned { value: Value::Array(items), .. } => Some(items),
            other => {
                self.wrong_kind(section, key, "an array of rows", &other);
                None
            }
        }
    }

    /// Records every entry no one asked for.
    fn unknown_keys(&mut self) {
        for (entry, used) in self.entries.iter().zip(&self.used) {
            if !used {
                let place = if entry.section.is_empty() {
                    entry.key.clone()
                } else {
                    format!("[{}] {}", entry.section, entry.key)
                };
                let message = format!("line {}: unknown key {place}", entry.value.line);
                self.problems.push(TableProblem::Key { message });
            }
        }
    }
}
