//! CVSS v3.0, v3.1 and v4.0 vector strings: `vulndesk_formats::parse` and `score_line`.
//!
//! Properties: parsing never panics; a parsed vector renders (FIRST's canonical order) to a
//! string that parses again to an equal vector with the same scores, and rendering is
//! idempotent; every score lies in 0.0..=10.0 with one decimal and its severity is the one
//! `Severity::from_score` gives.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vulndesk_formats::{CvssVector, CvssVersion, Severity, parse, score_line};

fn check_score(what: &str, score: f64, vector: &str) {
    assert!((0.0..=10.0).contains(&score), "{what} {score} out of range for {vector}");
    let tenths = score * 10.0;
    assert!((tenths - tenths.round()).abs() < 1e-9, "{what} {score} has more than one decimal for {vector}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The `vulndesk cvss score` line path: trims, parses, never panics.
    let _ = score_line(text);
    let Ok(vector) = parse(text) else { return };
    let scores = vector.scores();
    assert_eq!(scores.version, vector.version());
    check_score("base score", scores.base_score, text);
    assert_eq!(scores.base_severity, Severity::from_score(scores.base_score), "{text}");
    match scores.version {
        CvssVersion::V3_0 | CvssVersion::V3_1 => {
            check_score("temporal score", scores.temporal_score.expect("3.x has a temporal score"), text);
            check_score("environmental score", scores.environmental_score.expect("3.x has an env score"), text);
            assert!(scores.score.is_none() && scores.nomenclature.is_none(), "{text}");
        }
        CvssVersion::V4_0 => {
            let score = scores.score.expect("4.0 has a whole-vector score");
            check_score("score", score, text);
            assert_eq!(scores.severity, Some(Severity::from_score(score)), "{text}");
            assert!(scores.nomenclature.is_some(), "{text}");
        }
    }
    let _ = scores.cn_grade();

    // Canonical rendering round-trips.
    let rendered = vector.to_string();
    let again: CvssVector = match parse(&rendered) {
        Ok(v) => v,
        Err(e) => panic!("{text:?} rendered as {rendered:?}, which does not parse: {e}"),
    };
    assert_eq!(again, vector, "{text:?} -> {rendered:?}");
    assert_eq!(again.scores(), scores, "{text:?} -> {rendered:?}");
    assert_eq!(again.to_string(), rendered, "rendering is not idempotent for {text:?}");
});
