//! Table tests of every `CvssError` kind, of the scores struct, of
//! `score_line`'s JSON and of the severity and Chinese grade mappings.

use vulndesk_formats::{CnGrade, CvssError, CvssVersion, Severity, parse, score_line};

const V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const V40: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

fn s(text: &str) -> String {
    text.to_owned()
}

fn missing(metric: &str) -> CvssError {
    CvssError::MissingMetric { metric: s(metric) }
}
fn duplicate(metric: &str) -> CvssError {
    CvssError::DuplicateMetric { metric: s(metric) }
}
fn unknown(metric: &str) -> CvssError {
    CvssError::UnknownMetric { metric: s(metric) }
}
fn invalid(metric: &str, value: &str) -> CvssError {
    CvssError::InvalidValue { metric: s(metric), value: s(value) }
}
fn out_of_order(metric: &str, after: &str) -> CvssError {
    CvssError::OutOfOrder { metric: s(metric), after: s(after) }
}
fn malformed(component: &str) -> CvssError {
    CvssError::MalformedComponent { component: s(component) }
}

#[test]
fn every_error_kind() {
    let cases: Vec<(String, CvssError)> = vec![
        // empty and prefixes
        (s(""), CvssError::Empty),
        (s("AV:N/AC:L/Au:N/C:P/I:P/A:P"), CvssError::WrongPrefix { found: s("AV:N") }),
        (V31.replace("CVSS:", "cvss:"), CvssError::WrongPrefix { found: s("cvss:3.1") }),
        (s("garbage"), CvssError::WrongPrefix { found: s("garbage") }),
        (V31.replace("3.1", "3.2"), CvssError::UnsupportedVersion { version: s("3.2") }),
        (s("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P"), CvssError::UnsupportedVersion { version: s("2.0") }),
        (V40.replace("4.0", "4.1"), CvssError::UnsupportedVersion { version: s("4.1") }),
        // malformed components
        (format!("{V31}/"), malformed("")),
        (V31.replace("AC:L", "ACL"), malformed("ACL")),
        (V31.replace("AC:L", "AC:L:H"), malformed("AC:L:H")),
        (V31.replace("AC:L", ":L"), malformed(":L")),
        (V40.replace("/AT:N", "//AT:N"), malformed("")),
        // unknown metrics
        (format!("{V31}/XX:N"), unknown("XX")),
        (format!("{V31}/AT:N"), unknown("AT")), // a 4.0 metric in 3.1
        (format!("{V40}/RL:O"), unknown("RL")), // a 3.x metric in 4.0
        (V31.replace("AV:N", "av:N"), unknown("av")),
        // invalid values
        (V31.replace("AV:N", "AV:X"), invalid("AV", "X")),
        (V31.replace("AV:N", "AV:n"), invalid("AV", "n")),
        (V31.replace("A:H", "A:"), invalid("A", "")),
        (format!("{V31}/E:A"), invalid("E", "A")), // a 4.0 value in 3.1
        (format!("{V31}/MS:S"), invalid("MS", "S")),
        (V40.replace("SI:N", "SI:S"), invalid("SI", "S")), // S only for MSI
        (V40.replace("AT:N", "AT:X"), invalid("AT", "X")),
        (format!("{V40}/U:red"), invalid("U", "red")),
        (format!("{V40}/E:H"), invalid("E", "H")), // a 3.x value in 4.0
        // duplicates
        (format!("{V31}/AV:N"), duplicate("AV")),
        (format!("{V31}/AV:L"), duplicate("AV")),
        (format!("{V31}/E:X/E:X"), duplicate("E")),
        (V40.replace("AV:N", "AV:N/AV:N"), duplicate("AV")),
        (format!("{V40}/E:A/E:A"), duplicate("E")),
        (format!("{V40}/U:Red/U:Red"), duplicate("U")),
        // missing mandatory metrics
        (s("CVSS:3.1"), missing("AV")),
        (s("CVSS:3.0/"), missing("AV")),
        (V31.replace("/S:U", ""), missing("S")),
        (V31.replace("/A:H", "/E:F"), missing("A")),
        (s("CVSS:4.0/"), missing("AV")),
        (V40.replace("/AT:N", ""), missing("AT")),
        (V40.replace("/SA:N", "/E:A"), missing("SA")),
        // 4.0 order
        (V40.replace("AV:N/AC:L", "AC:L/AV:N"), out_of_order("AV", "AC")),
        (format!("{V40}/CR:H/E:A"), out_of_order("E", "CR")),
        (format!("{V40}/U:Red/S:N"), out_of_order("S", "U")),
        (format!("{V40}/MSA:S/MSI:S"), out_of_order("MSI", "MSA")),
        ("CVSS:4.0/SA:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N".to_owned(), out_of_order("AV", "SA")),
    ];
    for (vector, expected) in cases {
        let got = parse(&vector);
        assert_eq!(got, Err(expected.clone()), "{vector}");
        let message = expected.to_string();
        if let Some(metric) = expected.metric() {
            assert!(message.contains(metric), "{message} names {metric}");
        }
        if let CvssError::InvalidValue { value, .. } = &expected {
            assert!(message.contains(&format!("`{value}`")), "{message}");
        }
    }
}

#[test]
fn messages() {
    let message = |vector: &str| parse(vector).err().map(|e| e.to_string());
    assert_eq!(message(&V31.replace("/S:U", "")).as_deref(), Some("mandatory metric S is missing"));
    assert_eq!(
        message(&V40.replace("AV:N/AC:L", "AC:L/AV:N")).as_deref(),
        Some("metric AV is out of order: CVSS 4.0 puts it before AC")
    );
    assert_eq!(message(&V31.replace("AV:N", "AV:Q")).as_deref(), Some("invalid value `Q` for metric AV"));
    assert_eq!(message(&format!("{V31}/AV:N")).as_deref(), Some("metric AV is given twice"));
    assert_eq!(message(&format!("{V31}/XX:N")).as_deref(), Some("unknown metric `XX`"));
    // user text quoted in an error is bounded
    let long = "x".repeat(500);
    let error = parse(&long).err();
    assert!(matches!(&error, Some(CvssError::WrongPrefix { found }) if found.chars().count() == 65));
}

#[test]
fn v3_metrics_may_come_in_any_order() {
    let shuffled = "CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N";
    let parsed = parse(shuffled).map(|v| v.to_string());
    assert_eq!(parsed.as_deref(), Ok(V31));
}

#[test]
fn scores_v3() {
    let scores = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R/CR:L/MAV:L").map(|v| v.scores());
    let Ok(scores) = scores else { panic!("valid vector: {scores:?}") };
    assert_eq!(scores.version, CvssVersion::V3_1);
    assert_eq!(scores.base_score, 9.8);
    assert_eq!(scores.base_severity, Severity::Critical);
    assert_eq!(scores.temporal_score, Some(8.2)); // 9.8 × 0.91 × 0.95 × 0.96 = 8.13…
    assert_eq!(scores.environmental_score, Some(6.8));
    assert_eq!(scores.score, None);
    assert_eq!(scores.severity, None);
    assert_eq!(scores.nomenclature, None);
    assert_eq!(scores.headline(), 9.8);
    assert_eq!(scores.cn_grade(), CnGrade::Critical);
}

#[test]
fn v3_round_up_is_exact() {
    // Base 5.0 with RC:U: 5.0 × 0.92 = 4.6 exactly, 4.6000000000000005 in
    // binary floating point. RustSec's `cvss` 3.0.0 gives 4.7 for v3.0 (a
    // plain ceiling); FIRST's definition of Round up, and Red Hat's `cvss`,
    // give 4.6.
    let vector = "CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L/E:X/RC:U/IR:L/MAV:N/MPR:X";
    let scores = parse(vector).map(|v| v.scores());
    assert_eq!(scores.map(|s| (s.base_score, s.temporal_score)), Ok((5.0, Some(4.6))));
}

#[test]
fn scores_v4() {
    let vector = format!("{V40}/E:U/CR:L/IR:L/AR:L/S:P/U:Red");
    let Ok(scores) = parse(&vector).map(|v| v.scores()) else { panic!("valid vector") };
    assert_eq!(scores.version, CvssVersion::V4_0);
    assert_eq!(scores.base_score, 9.3); // CVSS-B
    assert_eq!(scores.base_severity, Severity::Critical);
    assert_eq!(scores.temporal_score, None);
    assert_eq!(scores.environmental_score, None);
    assert_eq!(scores.nomenclature, Some("CVSS-BTE"));
    let Some(score) = scores.score else { panic!("4.0 has a score") };
    assert_eq!(score, 6.5);
    assert_eq!(scores.severity, Some(Severity::Medium));
    assert_eq!(scores.headline(), score);

    let nomenclature = |vector: String| parse(&vector).ok().and_then(|v| v.scores().nomenclature);
    assert_eq!(nomenclature(V40.to_owned()), Some("CVSS-B"));
    assert_eq!(nomenclature(format!("{V40}/E:P")), Some("CVSS-BT"));
    assert_eq!(nomenclature(format!("{V40}/MAV:L")), Some("CVSS-BE"));
    // supplemental metrics never change the score
    assert_eq!(nomenclature(format!("{V40}/S:P/AU:Y")), Some("CVSS-B"));
    let score = |vector: String| parse(&vector).ok().and_then(|v| v.scores().score);
    assert_eq!(score(format!("{V40}/S:P/AU:Y/R:I/V:C/RE:H/U:Amber")), score(V40.to_owned()));
}

#[test]
fn score_line_json() {
    let line = score_line("  CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H\r");
    assert_eq!(
        line,
        serde_json::json!({
            "vector": "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H",
            "version": "3.0",
            "base_score": 9.6,
            "base_severity": "Critical",
            "temporal_score": 9.6,
            "environmental_score": 9.6,
        })
    );
    let line = score_line(&format!("{V40}/E:P"));
    assert_eq!(line["version"], "4.0");
    assert_eq!(line["base_score"], 9.3);
    assert_eq!(line["base_severity"], "Critical");
    assert_eq!(line["nomenclature"], "CVSS-BT");
    assert!(line["score"].as_f64().is_some());
    assert!(line["severity"].as_str().is_some());
    assert!(line.get("temporal_score").is_none());
    assert!(line.get("error").is_none());

    let line = score_line(&V31.replace("/S:U", ""));
    assert_eq!(
        line,
        serde_json::json!({
            "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H",
            "error": "mandatory metric S is missing",
        })
    );
    assert_eq!(score_line("   ")["error"], "empty CVSS vector");
}

#[test]
fn severity_and_cn_grade_boundaries() {
    let table = [
        (0.0, Severity::None, "无", "none"),
        (0.1, Severity::Low, "低危", "low"),
        (3.9, Severity::Low, "低危", "low"),
        (4.0, Severity::Medium, "中危", "medium"),
        (6.9, Severity::Medium, "中危", "medium"),
        (7.0, Severity::High, "高危", "high"),
        (8.9, Severity::High, "高危", "high"),
        (9.0, Severity::Critical, "超危", "critical"),
        (10.0, Severity::Critical, "超危", "critical"),
    ];
    for (score, severity, zh, en) in table {
        assert_eq!(Severity::from_score(score), severity, "{score}");
        let grade = CnGrade::from_score(score);
        assert_eq!(grade, CnGrade::from(severity));
        assert_eq!((grade.zh(), grade.en()), (zh, en), "{score}");
    }
    assert_eq!(Severity::Critical.name(), "Critical");
    assert_eq!(Severity::None.to_string(), "None");
    // scores are rounded to one decimal (half up) before rating
    assert_eq!(Severity::from_score(8.95), Severity::Critical);
    assert_eq!(Severity::from_score(0.04), Severity::None);
    assert_eq!(Severity::from_score(f64::NAN), Severity::None);
}
