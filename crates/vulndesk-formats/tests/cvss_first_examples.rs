//! FIRST's published examples.
//!
//! * CVSS v3.1: the base scores of the CVEs scored in FIRST's "CVSS v3.1
//!   Examples" document (<https://www.first.org/cvss/v3.1/examples>), and
//!   two temporal/environmental vectors scored with FIRST's v3.0 and v3.1
//!   calculators (<https://www.first.org/cvss/calculator/3.1>), the pair of
//!   which shows the v3.0/v3.1 difference in the environmental formula.
//! * CVSS v4.0: the "Max Equivalency Set" of FIRST's calculator validation
//!   reference set, `vectorFiles/reference-scores` in the CVSS SIG's
//!   `FIRSTdotorg/cvss-resources` repository: one highest-severity vector for
//!   each of the 270 MacroVectors, whose score is the MacroVector's value,
//!   and the negative tests that file takes from the specification's
//!   section 7 (invalid values in base metrics). The vectors are built here
//!   in the file's order; only the scores are transcribed.

use vulndesk_formats::{CvssError, Severity, parse};

/// (CVE, vector, base score) from FIRST's CVSS v3.1 Examples.
const V31_EXAMPLES: &[(&str, &str, f64)] = &[
    ("CVE-2013-1937", "AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
    ("CVE-2013-0375", "AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4),
    ("CVE-2014-3566", "AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1),
    ("CVE-2012-1516", "AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9),
    ("CVE-2009-0783", "AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2),
    ("CVE-2012-0384", "AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8),
    ("CVE-2015-1098", "AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8),
    ("CVE-2014-0160", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),
    ("CVE-2014-6271", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
    ("CVE-2008-1447", "AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8),
    ("CVE-2014-2005", "AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8),
    ("CVE-2010-0467", "AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8),
    ("CVE-2012-1342", "AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N", 5.8),
    ("CVE-2013-6014", "AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 9.3),
    ("CVE-2014-9253", "AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4),
    ("CVE-2011-1265", "AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8),
    ("CVE-2014-2019", "AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 4.6),
    ("CVE-2015-0970", "AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8),
    ("CVE-2014-0224", "AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4),
    ("CVE-2016-1645", "AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8),
    ("CVE-2016-0128", "AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N", 6.8),
    ("CVE-2016-5729", "AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 8.2),
    ("CVE-2018-3652", "AV:P/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 7.6),
];

/// (vector, base, temporal, environmental) from FIRST's calculators.
const V3_CALCULATOR: &[(&str, f64, f64, f64)] = &[
    (
        "CVSS:3.1/AV:A/AC:H/PR:L/UI:N/S:U/C:L/I:L/A:N/E:P/RL:T/RC:R/CR:X/IR:X/AR:H/MAV:X/MAC:H/MPR:X/MUI:R/MS:C/MC:L/MI:X/MA:N",
        3.7,
        3.3,
        3.5,
    ),
    ("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6, 9.6, 9.6),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6, 9.6, 9.7),
];

#[test]
fn first_v31_examples() {
    for (cve, metrics, expected) in V31_EXAMPLES {
        for version in ["3.1", "3.0"] {
            let vector = format!("CVSS:{version}/{metrics}");
            let scores = parse(&vector).map(|v| v.scores());
            assert_eq!(
                scores.map(|s| (s.base_score, s.temporal_score)),
                Ok((*expected, Some(*expected))),
                "{cve} {vector}"
            );
        }
    }
}

#[test]
fn first_v3_calculator() {
    for (vector, base, temporal, environmental) in V3_CALCULATOR {
        let scores = parse(vector).map(|v| v.scores());
        assert_eq!(
            scores.map(|s| (s.base_score, s.temporal_score, s.environmental_score)),
            Ok((*base, Some(*temporal), Some(*environmental))),
            "{vector}"
        );
    }
}

/// Scores of FIRST's Max Equivalency Set, in the file's order: for each
/// AV (N, A, P), for each of the five EQ3/EQ6 cases, for AT:N then AT:P,
/// nine vectors (EQ4 0, 1, 2 × E:A, P, U). One row per (AV, case).
const MAX_EQUIVALENCY_SCORES: [[f64; 18]; 15] = [
    // AV:N
    [10.0, 9.8, 9.5, 10.0, 9.3, 9.1, 9.3, 8.9, 8.1, 9.9, 9.5, 9.2, 9.5, 9.0, 8.4, 9.2, 8.2, 7.2],
    [9.9, 9.5, 9.2, 9.6, 8.7, 8.1, 9.0, 8.0, 6.8, 9.7, 9.2, 8.5, 9.1, 8.3, 7.1, 8.1, 7.1, 5.3],
    [9.8, 9.5, 9.0, 9.3, 8.9, 8.1, 8.8, 7.8, 6.9, 9.5, 9.2, 8.5, 9.2, 8.0, 7.0, 8.4, 7.1, 5.0],
    [9.5, 9.2, 8.4, 9.2, 8.1, 6.5, 8.0, 7.0, 4.8, 9.3, 8.5, 7.3, 8.2, 7.2, 5.9, 7.0, 5.2, 3.0],
    [9.2, 8.2, 7.2, 7.9, 6.9, 5.0, 6.9, 5.5, 2.7, 8.6, 7.5, 5.2, 7.1, 5.2, 2.9, 6.3, 2.9, 1.7],
    // AV:A
    [9.8, 9.4, 9.1, 9.4, 8.6, 7.7, 8.7, 7.4, 6.3, 9.5, 8.8, 7.6, 9.0, 7.5, 6.1, 7.7, 6.8, 5.2],
    [9.5, 8.7, 8.1, 8.9, 7.4, 6.4, 7.5, 6.3, 4.9, 9.0, 7.6, 7.0, 7.7, 6.2, 5.3, 6.6, 5.9, 3.0],
    [9.4, 8.8, 7.6, 8.6, 7.4, 5.9, 7.2, 5.7, 5.2, 8.9, 7.6, 6.2, 7.4, 5.7, 4.7, 6.1, 5.7, 2.4],
    [8.9, 7.7, 6.7, 7.6, 5.8, 5.0, 5.7, 5.2, 2.5, 7.8, 6.7, 5.8, 5.9, 5.7, 2.3, 5.2, 2.9, 1.6],
    [8.3, 7.0, 5.4, 6.5, 5.8, 2.6, 5.3, 2.1, 1.3, 7.1, 5.9, 3.0, 5.8, 2.6, 1.5, 2.3, 1.3, 0.6],
    // AV:P
    [9.3, 8.6, 7.5, 8.6, 7.4, 5.6, 7.0, 5.2, 4.0, 8.8, 7.3, 6.0, 7.3, 5.9, 4.1, 5.4, 4.5, 2.0],
    [8.7, 7.2, 5.8, 7.4, 6.1, 3.4, 5.4, 4.0, 2.2, 7.5, 5.3, 5.0, 5.5, 4.0, 2.0, 4.3, 2.2, 1.1],
    [8.5, 7.4, 6.2, 7.2, 5.5, 4.6, 5.3, 3.4, 1.9, 7.5, 5.8, 4.0, 6.1, 4.8, 2.0, 4.6, 1.7, 0.8],
    [7.5, 5.5, 5.1, 5.7, 4.1, 1.9, 3.6, 1.9, 0.8, 5.5, 4.5, 2.1, 5.1, 1.8, 0.9, 1.8, 0.7, 0.2],
    [6.4, 5.1, 2.0, 4.7, 2.1, 1.1, 2.4, 0.9, 0.4, 5.3, 2.4, 1.4, 2.4, 1.2, 0.5, 1.0, 0.3, 0.1],
];

/// The vectors of the Max Equivalency Set, in the file's order.
fn max_equivalency_vectors() -> Vec<String> {
    // (VC, VI, VA, CR, IR, AR) for EQ3/EQ6 = 00, 01, 10, 11, 21
    let cases = [
        ("H", "H", "H", "H", "H", "H"),
        ("H", "H", "H", "M", "M", "M"),
        ("L", "H", "H", "H", "H", "H"),
        ("H", "L", "H", "M", "H", "M"),
        ("L", "L", "L", "H", "H", "H"),
    ];
    let mut vectors = Vec::new();
    for av in ["N", "A", "P"] {
        for (vc, vi, va, cr, ir, ar) in cases {
            for at in ["N", "P"] {
                for (subsequent, safety) in [("H", true), ("H", false), ("L", false)] {
                    for e in ["A", "P", "U"] {
                        let s = subsequent;
                        let mut vector = format!(
                            "CVSS:4.0/AV:{av}/AC:L/AT:{at}/PR:N/UI:N/VC:{vc}/VI:{vi}/VA:{va}\
                             /SC:{s}/SI:{s}/SA:{s}/E:{e}/CR:{cr}/IR:{ir}/AR:{ar}"
                        );
                        if safety {
                            vector.push_str("/MSI:S/MSA:S");
                        }
                        vectors.push(vector);
                    }
                }
            }
        }
    }
    vectors
}

#[test]
fn first_v4_max_equivalency_set() {
    let vectors = max_equivalency_vectors();
    let scores: Vec<f64> = MAX_EQUIVALENCY_SCORES.iter().flatten().copied().collect();
    assert_eq!((vectors.len(), scores.len()), (270, 270));
    let mut wrong = Vec::new();
    for (vector, expected) in vectors.iter().zip(scores) {
        match parse(vector).map(|v| v.scores()) {
            Ok(scores) => {
                let got = (scores.score, scores.severity, scores.nomenclature);
                let want = (Some(expected), Some(Severity::from_score(expected)), Some("CVSS-BTE"));
                if got != want {
                    wrong.push(format!("{vector}: {got:?}, FIRST {want:?}"));
                }
            }
            Err(error) => wrong.push(format!("{vector}: {error}")),
        }
    }
    assert!(wrong.is_empty(), "{} of 270:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn first_v4_negative_tests() {
    // (vector, metric, value) from the file's "Negative Tests" section.
    let cases = [
        ("CVSS:4.0/AV:A/AC:T/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", "AC", "T"),
        ("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:P/VC:H/VI:N/VA:L/SC:V/SI:N/SA:N", "SC", "V"),
        ("CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:U/VC:H/VI:L/VA:N/SC:N/SI:L/SA:H", "UI", "U"),
        ("CVSS:4.0/AV:N/AC:H/AT:X/PR:N/UI:N/VC:H/VI:N/VA:H/SC:H/SI:H/SA:N", "AT", "X"),
        ("CVSS:4.0/AV:P/AC:L/AT:N/PR:L/UI:A/VC:D/VI:N/VA:H/SC:H/SI:N/SA:N", "VC", "D"),
        ("CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:A/VC:H/VI:N/VA:N/SC:N/SI:M/SA:H", "SI", "M"),
        ("CVSS:4.0/AV:P/AC:L/AT:P/PR:W/UI:P/VC:N/VI:N/VA:L/SC:L/SI:H/SA:L", "PR", "W"),
        ("CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:S/SC:N/SI:L/SA:N", "VA", "S"),
        ("CVSS:4.0/AV:Q/AC:L/AT:N/PR:H/UI:P/VC:H/VI:N/VA:H/SC:H/SI:H/SA:N", "AV", "Q"),
        ("CVSS:4.0/AV:A/AC:L/AT:P/PR:H/UI:N/VC:H/VI:N/VA:L/SC:L/SI:H/SA:U", "SA", "U"),
        ("CVSS:4.0/AV:L/AC:L/AT:P/PR:X/UI:P/VC:H/VI:L/VA:L/SC:H/SI:H/SA:H", "PR", "X"),
        ("CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:P/VC:H/VI:A/VA:L/SC:N/SI:H/SA:N", "VI", "A"),
    ];
    for (vector, metric, value) in cases {
        assert_eq!(
            parse(vector),
            Err(CvssError::InvalidValue { metric: metric.to_owned(), value: value.to_owned() }),
            "{vector}"
        );
    }
}
