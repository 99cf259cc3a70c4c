//! Loading OSV records from `all.zip` archives, directories and single files, with a report.
//!
//! osv.dev publishes each ecosystem as an `all.zip` holding one `<id>.json` per record; a
//! clone of an advisory repository is a directory tree of such files; and a single record
//! may be given on its own. [`load_paths`] takes any mix of the three, upserts every record
//! into a [`Database`] (so a later export of the same record wins by its `modified` time)
//! and builds the [`Index`]. Input that cannot be read (a broken archive, malformed JSON)
//! is a [`LoadError`] that names the file and the entry inside the archive; content that
//! can be read but not matched is counted in the [`LoadReport`].

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::{Advisory, Database, Upsert, parse_advisory};
use crate::Index;

/// How many examples a [`Tally`] keeps.
const EXAMPLES: usize = 5;

/// How often, in records, [`Progress::Records`] is reported.
const PROGRESS_EVERY: usize = 1000;

/// A count with the first few examples, for the load report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// How many times it happened.
    pub count: usize,
    /// The first few occurrences, each naming the record.
    pub examples: Vec<String>,
}

impl Tally {
    /// Counts one occurrence; `example` is only called while examples are still kept.
    pub fn add(&mut self, example: impl FnOnce() -> String) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(example());
        }
    }
}

/// Why part of a record was left out of matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// An `affected[]` entry without a package ecosystem and name.
    MissingPackage,
    /// An `affected[]` entry whose ecosystem vulndesk has no version order for.
    UnknownEcosystem,
    /// A range whose `type` is not `SEMVER`, `ECOSYSTEM` or `GIT`.
    UnknownRangeType,
    /// A range with an event version its ecosystem cannot parse; the whole range is dropped.
    RangeWithUnparseableVersion,
    /// A range the OSV schema does not allow, such as one without an `introduced` event.
    InvalidRange,
    /// A range event with none of `introduced`, `fixed`, `last_affected` or `limit`.
    EmptyEvent,
    /// A record whose `modified` time is missing or not RFC 3339; it loses every upsert.
    InvalidModified,
    /// A record with no range or version list left to match (for example only `GIT` ranges).
    NothingToMatch,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::MissingPackage => "affected entries without a package",
            SkipReason::UnknownEcosystem => "affected entries in an unknown ecosystem",
            SkipReason::UnknownRangeType => "ranges of an unknown type",
            SkipReason::RangeWithUnparseableVersion => "ranges dropped for an unparseable version",
            SkipReason::InvalidRange => "invalid ranges",
            SkipReason::EmptyEvent => "empty range events",
            SkipReason::InvalidModified => "records with an invalid modified time",
            SkipReason::NothingToMatch => "records with nothing to match",
        })
    }
}

/// What a load read, and what it had to leave out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Files and archive entries read.
    pub files: usize,
    /// Records parsed.
    pub records_read: usize,
    /// Records per OSV ecosystem (the part before any `:`); a record counts once in each
    /// ecosystem it names.
    pub records_by_ecosystem: BTreeMap<String, usize>,
    /// Withdrawn records: stored, but never matched.
    pub withdrawn: usize,
    /// Records added under a new id.
    pub inserted: usize,
    /// Records that replaced an older version of themselves.
    pub replaced: usize,
    /// Records dropped because the stored version was as new or newer.
    pub kept_existing: usize,
    /// `affected[]` entries read.
    pub affected_entries: usize,
    /// `SEMVER` and `ECOSYSTEM` ranges parsed.
    pub ranges: usize,
    /// Versions from `versions` lists parsed.
    pub listed_versions: usize,
    /// `GIT` ranges, which need commit graphs and are not evaluated.
    pub git_ranges_ignored: usize,
    /// Version strings (range events or listed versions) that could not be parsed.
    pub unparseable_versions: Tally,
    /// Parts of records left out, by reason.
    pub skipped: BTreeMap<SkipReason, Tally>,
}

impl LoadReport {
    pub(crate) fn skip(&mut self, reason: SkipReason, example: impl FnOnce() -> String) {
        self.skipped.entry(reason).or_default().add(example);
    }

    /// How many parts were skipped for `reason`.
    pub fn skipped_count(&self, reason: SkipReason) -> usize {
        self.skipped.get(&reason).map_or(0, |tally| tally.count)
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "files read: {}", self.files)?;
        writeln!(f, "records read: {}", self.records_read)?;
        for (ecosystem, count) in &self.records_by_ecosystem {
            writeln!(f, "  {ecosystem}: {count}")?;
        }
        writeln!(f, "withdrawn (not matched): {}", self.withdrawn)?;
        writeln!(
            f,
            "inserted: {}, replaced: {}, older duplicates dropped: {}",
            self.inserted, self.replaced, self.kept_existing
        )?;
        writeln!(
            f,
            "affected entries: {}, ranges: {}, listed versions: {}",
            self.affected_entries, self.ranges, self.listed_versions
        )?;
        writeln!(f, "GIT ranges ignored: {}", self.git_ranges_ignored)?;
        writeln!(f, "unparseable versions: {}", self.unparseable_versions.count)?;
        for example in &self.unparseable_versions.examples {
            writeln!(f, "  e.g. {example}")?;
        }
        for (reason, tally) in &self.skipped {
            writeln!(f, "skipped, {reason}: {}", tally.count)?;
            for example in &tally.examples {
                writeln!(f, "  e.g. {example}")?;
            }
        }
        Ok(())
    }
}

/// Progress of a load, for a progress bar or log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// A path (archive, directory or file) is about to be read; `index` counts from 0.
    Path {
        /// The path.
        path: PathBuf,
        /// Its position among the paths given.
        index: usize,
        /// How many paths were given.
        total: usize,
    },
    /// Another batch of records was read; `read` counts all records so far.
    Records {
        /// Records read so far, over all paths.
        read: usize,
    },
}

/// Why OSV data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A `.zip` file is not a readable archive, or one of its entries cannot be extracted.
    #[error("cannot read the zip archive {}{}: {message}", path.display(), entry_suffix(entry))]
    Zip {
        /// The archive.
        path: PathBuf,
        /// The entry inside it, if the archive itself could be opened.
        entry: Option<String>,
        /// What the zip reader reported.
        message: String,
    },
    /// A file or archive entry is not an OSV record.
    #[error("{}{} is not a valid OSV record: {source}", path.display(), entry_suffix(entry))]
    Record {
        /// The file, or the archive holding the entry.
        path: PathBuf,
        /// The entry inside the archive, for archives.
        entry: Option<String>,
        /// The JSON parser's error, with line and column.
        source: serde_json::Error,
    },
    /// A path that is neither a directory, a `.zip` archive nor a `.json` file.
    #[error("{} is neither a directory, a .zip archive nor a .json OSV record", path.display())]
    Unsupported {
        /// The path.
        path: PathBuf,
    },
}

fn entry_suffix(entry: &Option<String>) -> String {
    entry.as_ref().map_or_else(String::new, |entry| format!(" (entry {entry})"))
}

/// Loads every OSV record under `paths` and builds the index.
///
/// Each path is an osv.dev-style `all.zip` (any file whose content starts as a zip archive
/// does), a directory searched recursively for `*.json` files, or one `.json` record.
/// Paths are read in order and records upserted, so of two copies of a record the one with
/// the later `modified` time is kept wherever it comes from.
pub fn load_paths(paths: &[PathBuf], progress: impl FnMut(Progress)) -> Result<(Index, LoadReport), LoadError> {
    let mut db = Database::new();
    let report = load_paths_into(&mut db, paths, progress)?;
    Ok((Index::new(db), report))
}

/// Like [`load_paths`], upserting into an existing database (for an incremental import).
pub fn load_paths_into(
    db: &mut Database,
    paths: &[PathBuf],
    progress: impl FnMut(Progress),
) -> Result<LoadReport, LoadError> {
    visit_paths(paths, progress, |_, advisory| db.upsert(advisory))
}

/// Reads every OSV record under `paths` (as [`load_paths`] does) and hands each one, with the
/// bytes it was parsed from, to `sink`, which says what it did with it. The server's import
/// stores the bytes next to the normalised record.
pub fn visit_paths(
    paths: &[PathBuf],
    mut progress: impl FnMut(Progress),
    mut sink: impl FnMut(&[u8], Advisory) -> Upsert,
) -> Result<LoadReport, LoadError> {
    let mut loader = Loader { sink: &mut sink, report: LoadReport::default(), progress: &mut progress };
    for (index, path) in paths.iter().enumerate() {
        (loader.progress)(Progress::Path { path: path.clone(), index, total: paths.len() });
        loader.load_path(path)?;
    }
    Ok(loader.report)
}

struct Loader<'a, P: FnMut(Progress), S: FnMut(&[u8], Advisory) -> Upsert> {
    sink: &'a mut S,
    report: LoadReport,
    progress: &'a mut P,
}

impl<P: FnMut(Progress), S: FnMut(&[u8], Advisory) -> Upsert> Loader<'_, P, S> {
    fn load_path(&mut self, path: &Path) -> Result<(), LoadError> {
        let io = |source| LoadError::Io { path: path.to_owned(), source };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            let mut files = Vec::new();
            collect_json(path, &mut files)?;
            files.sort();
            for file in files {
                let bytes = std::fs::read(&file).map_err(|source| LoadError::Io { path: file.clone(), source })?;
                self.record(&bytes, &file, None)?;
            }
            return Ok(());
        }
        let mut file = File::open(path).map_err(io)?;
        let mut magic = [0u8; 4];
        let is_zip = file.read_exact(&mut magic).is_ok() && magic == *b"PK\x03\x04";
        if is_zip {
            return self.load_zip(path);
        }
        if path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("json")) {
            let bytes = std::fs::read(path).map_err(io)?;
            return self.record(&bytes, path, None);
        }
        Err(LoadError::Unsupported { path: path.to_owned() })
    }

    fn load_zip(&mut self, path: &Path) -> Result<(), LoadError> {
        let zip_error = |entry: Option<String>, err: &dyn fmt::Display| LoadError::Zip {
            path: path.to_owned(),
            entry,
            message: err.to_string(),
        };
        let file = File::open(path).map_err(|source| LoadError::Io { path: path.to_owned(), source })?;
        let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|err| zip_error(None, &err))?;
        let mut inflater = flate2::Decompress::new(false);
        let mut compressed = Vec::new();
        let mut buffer = Vec::new();
        for i in 0..archive.len() {
            let mut entry = archive.by_index_raw(i).map_err(|err| zip_error(Some(format!("#{i}")), &err))?;
            let name = entry.name().map_err(|err| zip_error(Some(format!("#{i}")), &err))?.into_owned();
            if entry.is_dir() || !name.to_ascii_lowercase().ends_with(".json") {
                continue;
            }
            let (method, size, crc) = (entry.compression(), entry.size(), entry.crc32());
            compressed.clear();
            entry.read_to_end(&mut compressed).map_err(|err| zip_error(Some(name.clone()), &err))?;
            drop(entry);
            buffer.clear();
            // Compared with the constants rather than matched on variants: which variants
            // exist depends on the features that other crates enable on `zip`.
            if method == zip::CompressionMethod::Stored {
                buffer.extend_from_slice(&compressed);
            } else if method == zip::CompressionMethod::DEFLATE {
                inflate(&mut inflater, &compressed, size, &mut buffer)
                    .map_err(|err| zip_error(Some(name.clone()), &err))?;
            } else {
                return Err(zip_error(Some(name), &format!("unsupported compression method {method:?}")));
            }
            let mut check = flate2::Crc::new();
            check.update(&buffer);
            if check.sum() != crc || buffer.len() as u64 != size {
                return Err(zip_error(Some(name), &"the entry's checksum or size does not match its content"));
            }
            self.record(&buffer, path, Some(name))?;
        }
        Ok(())
    }

    fn record(&mut self, bytes: &[u8], path: &Path, entry: Option<String>) -> Result<(), LoadError> {
        self.report.files += 1;
        let advisory = parse_advisory(bytes, &mut self.report).map_err(|source| LoadError::Record {
            path: path.to_owned(),
            entry,
            source,
        })?;
        match (self.sink)(bytes, advisory) {
            Upsert::Inserted => self.report.inserted += 1,
            Upsert::Replaced => self.report.replaced += 1,
            Upsert::Kept => self.report.kept_existing += 1,
        }
        if self.report.records_read.is_multiple_of(PROGRESS_EVERY) {
            (self.progress)(Progress::Records { read: self.report.records_read });
        }
        Ok(())
    }
}

/// Inflates one raw deflate stream into `out`, reusing `inflater`'s state.
fn inflate(inflater: &mut flate2::Decompress, input: &[u8], size: u64, out: &mut Vec<u8>) -> Result<(), String> {
    inflater.reset(false);
    out.reserve(usize::try_from(size).unwrap_or(0).saturating_add(1));
    loop {
        let consumed = usize::try_from(inflater.total_in()).unwrap_or(input.len()).min(input.len());
        let status = inflater
            .decompress_vec(&input[consumed..], out, flate2::FlushDecompress::Finish)
            .map_err(|err| format!("invalid deflate data: {err}"))?;
        match status {
            flate2::Status::StreamEnd => return Ok(()),
            _ if out.len() == out.capacity() => out.reserve(out.capacity().max(4096)),
            _ if inflater.total_in() as usize >= input.len() => return Err("truncated deflate data".to_owned()),
            _ => {}
        }
    }
}

/// Collects the `*.json` files under `dir`, recursively.
fn collect_json(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let io = |source| LoadError::Io { path: dir.to_owned(), source };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|source| LoadError::Io { path: path.clone(), source })?;
        if kind.is_dir() {
            collect_json(&path, files)?;
        } else if path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("json")) {
            files.push(path);
        }
    }
    Ok(())
}
