//! Matching on hand-made OSV records: table tests of queries, loading from directories,
//! single files and zip archives, incremental upserts, load errors that name the file and
//! entry, and a property test that the index answers exactly as [`Range::contains`] does.

use std::io::Write;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use vulndesk_match::osv::{Database, LoadReport, Upsert, parse_advisory};
use vulndesk_match::{Ecosystem, Event, Index, LoadError, OsvRangeKind, Range, load_paths, parse};

/// A temporary directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("vulndesk-match-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        TempDir(dir)
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("a directory");
        }
        std::fs::write(&path, content).expect("a written file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn index_of(records: &[&str]) -> Index {
    let mut db = Database::new();
    let mut report = LoadReport::default();
    for record in records {
        db.upsert(parse_advisory(record.as_bytes(), &mut report).expect("a valid record"));
    }
    Index::new(db)
}

const RECORDS: &[&str] = &[
    r#"{"id": "PY-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "Django_Rest"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.4.2"}, {"introduced": "2.0rc1"}, {"fixed": "2.1"}]}]}]}"#,
    r#"{"id": "PY-2", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "django-rest"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "0.9.post1"}]}]}]}"#,
    r#"{"id": "PY-3", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "listed"},
        "versions": ["0.1", "0.3", "0.9-doduo"]}]}"#,
    r#"{"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "example.com/Mod"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.3"}]}]}]}"#,
    r#"{"id": "RS-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "crates.io", "name": "foo_bar"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0.0.0-0"}, {"fixed": "0.3.0"}, {"introduced": "0.4.0-0"}, {"fixed": "0.4.1"}]}]}]}"#,
    r#"{"id": "MVN-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Maven", "name": "org.example:lib"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0-beta9"}, {"fixed": "2.15.0"}]}]}]}"#,
    r#"{"id": "NPM-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "@scope/pkg"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"limit": "1.5.0"}]}]}]}"#,
    r#"{"id": "DEB-1", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "Debian:11", "name": "openssl"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.1n-0+deb11u5"}]}]},
        {"package": {"ecosystem": "Debian:12", "name": "openssl"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}]}]}"#,
    r#"{"id": "WD-1", "modified": "2024-01-01T00:00:00Z", "withdrawn": "2024-02-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "django-rest"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}"#,
];

#[test]
fn matching_table() {
    let index = index_of(RECORDS);
    let cases: &[(Ecosystem, &str, &str, &[&str])] = &[
        (Ecosystem::PyPI, "django-rest", "0.5", &["PY-2"]),
        (Ecosystem::PyPI, "Django.Rest", "0.9.post1", &["PY-2"]),
        (Ecosystem::PyPI, "django_rest", "0.9.post2", &[]),
        (Ecosystem::PyPI, "django-rest", "1.0", &["PY-1"]),
        (Ecosystem::PyPI, "django-rest", "1.4.2", &[]),
        (Ecosystem::PyPI, "django-rest", "1.4.2.dev1", &["PY-1"]),
        (Ecosystem::PyPI, "django-rest", "2.0b1", &[]),
        (Ecosystem::PyPI, "django-rest", "2.0rc1", &["PY-1"]),
        (Ecosystem::PyPI, "django-rest", "2.0.0", &["PY-1"]),
        (Ecosystem::PyPI, "django-rest", "2.1", &[]),
        (Ecosystem::PyPI, "listed", "0.3.0", &["PY-3"]),
        (Ecosystem::PyPI, "listed", "0.2", &[]),
        (Ecosystem::PyPI, "listed", "0.9-doduo", &["PY-3"]),
        (Ecosystem::Go, "example.com/Mod", "v1.2.2", &["GO-1"]),
        (Ecosystem::Go, "example.com/Mod", "v1.2.3-0.20240101000000-abcdef123456", &["GO-1"]),
        (Ecosystem::Go, "example.com/Mod", "v1.2.3", &[]),
        (Ecosystem::Go, "example.com/mod", "v1.0.0", &[]),
        (Ecosystem::CratesIo, "foo-bar", "0.2.9", &["RS-1"]),
        (Ecosystem::CratesIo, "Foo_Bar", "0.3.0", &[]),
        (Ecosystem::CratesIo, "foo_bar", "0.4.0-alpha.1", &["RS-1"]),
        (Ecosystem::CratesIo, "foo_bar", "0.4.1", &[]),
        (Ecosystem::Maven, "org.example:lib", "2.0-rc1", &["MVN-1"]),
        (Ecosystem::Maven, "org.example:lib", "2.0-alpha1", &[]),
        (Ecosystem::Maven, "org.example:lib", "2.14.1", &["MVN-1"]),
        (Ecosystem::Maven, "org.example:lib", "2.15.0", &[]),
        (Ecosystem::Npm, "@scope/pkg", "1.4.9", &["NPM-1"]),
        (Ecosystem::Npm, "@scope/pkg", "1.5.0", &[]),
        (Ecosystem::Debian, "openssl", "1.1.1n-0+deb11u4", &["DEB-1"]),
        (Ecosystem::Debian, "openssl", "3.0.11-1~deb12u2", &[]),
    ];
    for (ecosystem, name, version, expected) in cases {
        let hits = index.query(*ecosystem, name, version).expect("a valid version");
        let mut ids: Vec<&str> = hits.iter().map(|hit| hit.advisory.id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids, *expected, "{ecosystem} {name} {version}");
    }
}

#[test]
fn loads_directories_files_and_archives() {
    let dir = TempDir::new("load");
    let old = RECORDS[0].replace("2024-01-01T00:00:00Z", "2023-06-01T00:00:00Z").replace("\"2.1\"", "\"9.9\"");
    let newer = RECORDS[0].replace("2024-01-01T00:00:00Z", "2024-03-01T00:00:00.123456Z");
    dir.write("tree/a/PY-1.json", &old);
    dir.write("tree/b/GO-1.json", RECORDS[3]);
    dir.write("tree/README.md", "not a record");
    let single = dir.write("PY-1-newer.json", &newer);
    let zip_path = dir.0.join("all.zip");
    write_zip(&zip_path, &[("PY-1.json", RECORDS[0]), ("RS-1.json", RECORDS[4]), ("notes.txt", "skipped")]);

    // The tree comes again last: its older PY-1 and its identical GO-1 must not win.
    let paths = [dir.0.join("tree"), zip_path, single, dir.0.join("tree")];
    let (index, report) = load_paths(&paths, |_| {}).expect("loads");
    assert_eq!((report.files, report.inserted, report.replaced, report.kept_existing), (7, 3, 2, 2));
    assert_eq!(index.database().len(), 3);
    assert_eq!(index.advisory("PY-1").map(|a| a.modified.as_str()), Some("2024-03-01T00:00:00.123456Z"));
    // The newer copy's range ends at 2.1, not at the old copy's 9.9.
    assert!(index.query(Ecosystem::PyPI, "django-rest", "3.0").expect("valid").is_empty());

    let mut db = index.into_database();
    let mut scratch = LoadReport::default();
    let stale = parse_advisory(old.as_bytes(), &mut scratch).expect("valid");
    assert_eq!(db.upsert(stale), Upsert::Kept);
}

#[test]
fn load_errors_name_the_file_and_entry() {
    let dir = TempDir::new("errors");
    let bad = dir.write("bad.json", r#"{"id": "X", "affected": [}"#);
    let err = load_paths(std::slice::from_ref(&bad), |_| {}).expect_err("malformed JSON");
    assert!(matches!(err, LoadError::Record { entry: None, .. }), "{err:?}");
    assert!(err.to_string().contains("bad.json") && err.to_string().contains("line 1"), "{err}");

    let zip_path = dir.0.join("all.zip");
    write_zip(&zip_path, &[("GO-1.json", RECORDS[3]), ("BROKEN-1.json", "{\"affected\": []}")]);
    let err = load_paths(std::slice::from_ref(&zip_path), |_| {}).expect_err("a record without id");
    let text = err.to_string();
    assert!(
        text.contains("all.zip") && text.contains("entry BROKEN-1.json") && text.contains("missing field `id`"),
        "{text}"
    );

    let not_zip = dir.write("fake.zip", "PK\u{3}\u{4} but not really a zip archive");
    let err = load_paths(&[not_zip], |_| {}).expect_err("a broken archive");
    assert!(matches!(err, LoadError::Zip { .. }) && err.to_string().contains("fake.zip"), "{err}");

    let other = dir.write("notes.txt", "hello");
    let err = load_paths(&[other], |_| {}).expect_err("unsupported");
    assert!(matches!(err, LoadError::Unsupported { .. }), "{err}");

    let missing = dir.0.join("missing.zip");
    let err = load_paths(&[missing], |_| {}).expect_err("a missing path");
    assert!(matches!(err, LoadError::Io { .. }) && err.to_string().contains("missing.zip"), "{err}");
}

fn write_zip(path: &Path, entries: &[(&str, &str)]) {
    let file = std::fs::File::create(path).expect("a zip file");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in entries {
        zip.start_file(*name, options).expect("an entry");
        zip.write_all(content.as_bytes()).expect("entry content");
    }
    zip.finish().expect("a finished archive");
}

/// A SemVer-like version from a small alphabet, so that events and queries often coincide.
fn small_semver() -> impl Strategy<Value = String> + Clone {
    (0u8..3, 0u8..3, 0u8..3, prop::sample::select(vec!["", "-0", "-alpha", "-rc.1", "-rc.2"]))
        .prop_map(|(a, b, c, pre)| format!("{a}.{b}.{c}{pre}"))
}

/// A PEP 440 version from a small alphabet.
fn small_pep440() -> impl Strategy<Value = String> + Clone {
    (0u8..3, 0u8..3, prop::sample::select(vec!["", "a1", "rc1", ".post1", ".dev0", "+local"]))
        .prop_map(|(a, b, suffix)| format!("{a}.{b}{suffix}"))
}

fn events(version: impl Strategy<Value = String> + Clone) -> impl Strategy<Value = Vec<Event>> {
    let event = (0u8..4, version.clone()).prop_map(|(kind, v)| match kind {
        0 => Event::Introduced(v),
        1 => Event::Fixed(v),
        2 => Event::LastAffected(v),
        _ => Event::Limit(v),
    });
    (prop::option::of(version), prop::collection::vec(event, 0..6)).prop_map(|(first, mut rest)| {
        rest.insert(0, Event::Introduced(first.unwrap_or_else(|| "0".to_owned())));
        rest
    })
}

fn record_json(ecosystem: Ecosystem, kind: &str, events: &[Event], listed: &[String]) -> String {
    let events: Vec<serde_json::Value> = events
        .iter()
        .map(|event| match event {
            Event::Introduced(v) => serde_json::json!({ "introduced": v }),
            Event::Fixed(v) => serde_json::json!({ "fixed": v }),
            Event::LastAffected(v) => serde_json::json!({ "last_affected": v }),
            Event::Limit(v) => serde_json::json!({ "limit": v }),
        })
        .collect();
    serde_json::json!({
        "id": "PROP-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [{
            "package": {"ecosystem": ecosystem.osv_name(), "name": "pkg"},
            "ranges": [{"type": kind, "events": events}],
            "versions": listed,
        }],
    })
    .to_string()
}

fn check_against_range(ecosystem: Ecosystem, kind: OsvRangeKind, events: &[Event], listed: &[String], query: &str) {
    let kind_text = if kind == OsvRangeKind::SemVer { "SEMVER" } else { "ECOSYSTEM" };
    let index = index_of(&[&record_json(ecosystem, kind_text, events, listed)]);
    let matched = !index.query(ecosystem, "pkg", query).expect("a valid query").is_empty();
    let range = Range::from_events(ecosystem, kind, events).expect("a valid range");
    let list = Range::from_versions(ecosystem, listed).expect("valid versions");
    let in_range = range.contains(&range.parse_version(query).expect("valid"));
    let in_list = list.contains(&parse(ecosystem, query).expect("valid"));
    assert_eq!(matched, in_range || in_list, "{query} against {events:?} and {listed:?}");
}

proptest! {
    #[test]
    fn index_agrees_with_semver_ranges(
        ecosystem in prop::sample::select(vec![Ecosystem::Npm, Ecosystem::CratesIo, Ecosystem::Go]),
        events in events(small_semver()),
        listed in prop::collection::vec(small_semver(), 0..3),
        query in small_semver(),
    ) {
        check_against_range(ecosystem, OsvRangeKind::SemVer, &events, &listed, &query);
    }

    #[test]
    fn index_agrees_with_pypi_ranges(
        events in events(small_pep440()),
        listed in prop::collection::vec(small_pep440(), 0..3),
        query in small_pep440(),
    ) {
        check_against_range(Ecosystem::PyPI, OsvRangeKind::Ecosystem, &events, &listed, &query);
    }
}
