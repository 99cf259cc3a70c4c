//! OSV records as the importer reads them (`vulndesk_match::osv::parse_advisory`, then
//! `Database::upsert` and the `Index`), and the evaluation of their ranges.
//!
//! Properties: parsing, indexing, querying and evaluating never panic; and, for ranges whose
//! ecosystem has a total order (every one but Maven, and Packagist without `#`), the OSV
//! evaluation algorithm's two boundary facts hold:
//! * when the greatest event version is only `fixed`, that version is not affected;
//! * when the smallest event version is only `introduced` and the range has neither
//!   `introduced: "0"` nor a `limit`, that version is affected.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vulndesk_match::osv::{Database, RangeSpec, parse_advisory};
use vulndesk_match::{Ecosystem, Event, Index, LoadReport, Version};

/// Whether comparisons between these versions follow a total order (see the property tests
/// in vulndesk-match: Maven's `ComparableVersion` is not transitive on arbitrary text, nor is
/// PHP's `version_compare` with `#`).
fn totally_ordered(ecosystem: Ecosystem, texts: &[&str]) -> bool {
    match ecosystem {
        Ecosystem::Maven => false,
        Ecosystem::Packagist => !texts.iter().any(|t| t.contains('#')),
        _ => true,
    }
}

fn check_range(spec: &RangeSpec) {
    let range = &spec.range;
    let mut parsed: Vec<(&Event, Version)> = Vec::new();
    let mut has_zero = false;
    let mut has_limit = false;
    for event in &spec.events {
        let text = match event {
            Event::Introduced(t) if t.trim() == "0" => {
                has_zero = true;
                continue;
            }
            Event::Limit(t) if t.trim() == "*" => continue,
            Event::Limit(t) => {
                has_limit = true;
                t
            }
            Event::Introduced(t) | Event::Fixed(t) | Event::LastAffected(t) => t,
        };
        // Every event of a range that was built parses under the range's order.
        let version = range.parse_version(text).expect("an event of a built range parses");
        parsed.push((event, version));
    }
    for (_, v) in &parsed {
        let _ = range.contains(v);
    }
    let texts: Vec<&str> = parsed.iter().map(|(_, v)| v.as_str()).collect();
    if parsed.is_empty() || !totally_ordered(range.ordering(), &texts) {
        return;
    }
    let max = parsed.iter().map(|(_, v)| v).max().expect("not empty");
    let at_max: Vec<&Event> = parsed.iter().filter(|(_, v)| v == max).map(|(e, _)| *e).collect();
    if at_max.iter().all(|e| matches!(e, Event::Fixed(_))) {
        assert!(!range.contains(max), "the greatest event {max} is only `fixed` but is affected: {:?}", spec.events);
    }
    let min = parsed.iter().map(|(_, v)| v).min().expect("not empty");
    let at_min: Vec<&Event> = parsed.iter().filter(|(_, v)| v == min).map(|(e, _)| *e).collect();
    if !has_zero && !has_limit && at_min.iter().all(|e| matches!(e, Event::Introduced(_))) {
        assert!(
            range.contains(min),
            "the smallest event {min} is only `introduced` but not affected: {:?}",
            spec.events
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let mut report = LoadReport::default();
    let Ok(advisory) = parse_advisory(data, &mut report) else { return };
    let _ = report.to_string();

    let mut probes: Vec<String> = vec!["0".into(), "1.0.0".into()];
    for affected in &advisory.affected {
        for spec in &affected.ranges {
            check_range(spec);
            for event in &spec.events {
                let (Event::Introduced(t) | Event::Fixed(t) | Event::LastAffected(t) | Event::Limit(t)) = event;
                probes.push(t.clone());
            }
        }
        probes.extend(affected.fixed.iter().cloned());
        probes.truncate(64);
        for probe in &probes {
            let _ = affected.verdict_for_text(probe);
        }
    }

    // The importer's path: upsert into a database and index it; then query every package
    // the record names with every probe version, and the reverse query.
    let id = advisory.id.clone();
    let packages: Vec<(Ecosystem, String)> =
        advisory.affected.iter().map(|a| (a.ecosystem, a.name.clone())).take(16).collect();
    let mut db = Database::new();
    db.upsert(advisory);
    let index = Index::new(db);
    for (ecosystem, name) in &packages {
        for probe in probes.iter().take(16) {
            let _ = index.query(*ecosystem, name, probe);
        }
    }
    for probe in probes.iter().take(16) {
        let _ = index.evaluate(&id, probe);
    }
    let _ = index.coverage(&id);
});
