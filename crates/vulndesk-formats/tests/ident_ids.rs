//! Vulnerability ids ([`VulnId`]): valid and invalid ids of every scheme, canonical spelling,
//! order, the part each error names, and property tests (no panics; parse and display round
//! trip).

use proptest::prelude::*;
use vulndesk_formats::ident::{CnvdId, CveId, GhsaId, IdError, OsvId, Part, Scheme, VulnId};

/// Parses `text` and returns its scheme and canonical spelling.
fn ok(text: &str) -> (Scheme, String) {
    let id = VulnId::parse(text).unwrap_or_else(|err| panic!("{text:?} should parse: {err}"));
    (id.scheme(), id.to_string())
}

/// The scheme and part an invalid id's error names.
fn bad(text: &str) -> (Scheme, Part) {
    match VulnId::parse(text) {
        Err(IdError::Invalid { scheme, part, .. }) => (scheme, part),
        other => panic!("{text:?} should be invalid in one part, got {other:?}"),
    }
}

#[test]
fn valid_ids_of_every_scheme() {
    let cases: &[(&str, Scheme, &str)] = &[
        ("CVE-2021-44228", Scheme::Cve, "CVE-2021-44228"),
        ("cve-1999-0001", Scheme::Cve, "CVE-1999-0001"),
        ("CVE-2014-7654321", Scheme::Cve, "CVE-2014-7654321"),
        ("CVE-2024-1234567890123456789", Scheme::Cve, "CVE-2024-1234567890123456789"),
        ("GHSA-jfh8-c2jp-5v3q", Scheme::Ghsa, "GHSA-jfh8-c2jp-5v3q"),
        ("ghsa-JFH8-C2JP-5V3Q", Scheme::Ghsa, "GHSA-jfh8-c2jp-5v3q"),
        ("PYSEC-2021-19", Scheme::Osv("PYSEC"), "PYSEC-2021-19"),
        ("pysec-2023-1", Scheme::Osv("PYSEC"), "PYSEC-2023-1"),
        ("GO-2022-0969", Scheme::Osv("GO"), "GO-2022-0969"),
        ("GO-2024-12345", Scheme::Osv("GO"), "GO-2024-12345"),
        ("RUSTSEC-2021-0078", Scheme::Osv("RUSTSEC"), "RUSTSEC-2021-0078"),
        ("OSV-2020-111", Scheme::Osv("OSV"), "OSV-2020-111"),
        ("MAL-2024-10238", Scheme::Osv("MAL"), "MAL-2024-10238"),
        ("RHSA-2022_0216", Scheme::Osv("RHSA"), "RHSA-2022_0216"),
        ("SUSE-FU-2022_0444-1", Scheme::Osv("SUSE-FU"), "SUSE-FU-2022_0444-1"),
        ("opensuse-su-2024:12345-1", Scheme::Osv("openSUSE-SU"), "openSUSE-SU-2024:12345-1"),
        ("freebsd-2023-0001", Scheme::Osv("FreeBSD"), "FreeBSD-2023-0001"),
        ("DSA-5000-1", Scheme::Osv("DSA"), "DSA-5000-1"),
        ("GSD-2022-1002521", Scheme::Osv("GSD"), "GSD-2022-1002521"),
        ("x_internal-42", Scheme::Osv("x_"), "x_internal-42"),
        ("CNVD-2020-10487", Scheme::Cnvd, "CNVD-2020-10487"),
        ("cnvd-2021-01234", Scheme::Cnvd, "CNVD-2021-01234"),
        ("CNVD-C-2019-48814", Scheme::Cnvd, "CNVD-C-2019-48814"),
        ("CNNVD-201112-017", Scheme::Cnnvd, "CNNVD-201112-017"),
        ("CNNVD-202303-1096", Scheme::Cnnvd, "CNNVD-202303-1096"),
        ("cnnvd-202112-799", Scheme::Cnnvd, "CNNVD-202112-799"),
        ("NVDB-2023-12345", Scheme::Nvdb, "NVDB-2023-12345"),
    ];
    for &(text, scheme, canonical) in cases {
        assert_eq!(ok(text), (scheme, canonical.to_owned()), "{text:?}");
    }
    assert!(CnvdId::parse("CNVD-C-2019-48814").is_ok_and(|id| id.is_provisional()));
    assert!(CnvdId::parse("CNVD-2020-10487").is_ok_and(|id| !id.is_provisional()));
    assert_eq!(CveId::parse("CVE-2021-44228").map(|id| id.year()), Ok(2021));
    assert_eq!(OsvId::parse("RUSTSEC-2021-0078").map(|id| id.prefix()), Ok("RUSTSEC"));
}

#[test]
fn invalid_ids_name_the_part_at_fault() {
    let cases: &[(&str, Scheme, Part)] = &[
        ("CVE-1998-0001", Scheme::Cve, Part::Year),
        ("CVE-1900-1234", Scheme::Cve, Part::Year),
        ("CVE-21-1234", Scheme::Cve, Part::Year),
        ("CVE-2021-123", Scheme::Cve, Part::Number),
        ("CVE-2021-01234", Scheme::Cve, Part::Number),
        ("CVE-2021-12345678901234567890", Scheme::Cve, Part::Number),
        ("CVE-2021-1234a", Scheme::Cve, Part::Number),
        ("CVE-2021", Scheme::Cve, Part::Number),
        ("CVE-2021-", Scheme::Cve, Part::Number),
        ("CAN-2021-1000007", Scheme::Cve, Part::Prefix),
        ("GHSA-jf66-3q76-h5p5,", Scheme::Ghsa, Part::Group(3)),
        ("GHSA-jf66-3q76", Scheme::Ghsa, Part::Group(3)),
        ("GHSA-abcd-3q76-h5p5", Scheme::Ghsa, Part::Group(1)),
        ("GHSA-jf6-3q76-h5p5", Scheme::Ghsa, Part::Group(1)),
        ("GHSA-jf66-3q10-h5p5", Scheme::Ghsa, Part::Group(2)),
        ("GHSA-jf66-3q76-h5p5-xxxx", Scheme::Ghsa, Part::Group(3)),
        ("PYSEC-2021-019", Scheme::Osv("PYSEC"), Part::Number),
        ("PYSEC-21-19", Scheme::Osv("PYSEC"), Part::Year),
        ("GO-2022-969", Scheme::Osv("GO"), Part::Number),
        ("RUSTSEC-2021-00078", Scheme::Osv("RUSTSEC"), Part::Number),
        ("RUSTSEC-2021-78", Scheme::Osv("RUSTSEC"), Part::Number),
        ("OSV-", Scheme::Osv("OSV"), Part::Entry),
        ("DSA-5000/1", Scheme::Osv("DSA"), Part::Entry),
        ("CNVD-2020-104", Scheme::Cnvd, Part::Number),
        ("CNVD-20-10487", Scheme::Cnvd, Part::Year),
        ("CNVD-C-2019-4881a", Scheme::Cnvd, Part::Number),
        ("CNNVD-2021-799", Scheme::Cnnvd, Part::Year),
        ("CNNVD-202113-799", Scheme::Cnnvd, Part::Month),
        ("CNNVD-202100-799", Scheme::Cnnvd, Part::Month),
        ("CNNVD-202112-79", Scheme::Cnnvd, Part::Number),
        ("CNNVD-202112-0799", Scheme::Cnnvd, Part::Number),
        ("CNNVD-197912-799", Scheme::Cnnvd, Part::Year),
        ("NVDB-2023-12", Scheme::Nvdb, Part::Number),
        ("NVDB-2023", Scheme::Nvdb, Part::Number),
    ];
    for &(text, scheme, part) in cases {
        assert_eq!(bad(text), (scheme, part), "{text:?}");
    }
}

#[test]
fn other_failures_are_told_apart() {
    assert_eq!(VulnId::parse(""), Err(IdError::Empty));
    assert_eq!(VulnId::parse(" CVE-2021-44228"), Err(IdError::Whitespace));
    assert_eq!(VulnId::parse("CVE-2021-44228\n"), Err(IdError::Whitespace));
    assert_eq!(VulnId::parse("CVE-２０２１-44228"), Err(IdError::NotAscii { found: '２' }));
    assert_eq!(VulnId::parse(&"CVE-2021-".repeat(20)), Err(IdError::TooLong { len: 180 }));
    assert_eq!(VulnId::parse("SNYK-PYTHON-BLEACH-561754"), Err(IdError::UnknownScheme { prefix: "SNYK".into() }));
    assert_eq!(VulnId::parse("TROVE-2024-003"), Err(IdError::UnknownScheme { prefix: "TROVE".into() }));
    assert_eq!(
        VulnId::parse("https://example.com/1"),
        Err(IdError::UnknownScheme { prefix: "https://example.com/1".into() })
    );
    let message = VulnId::parse("CVE-2021-01234").err().map(|err| err.to_string()).unwrap_or_default();
    assert_eq!(message, "CVE id: the sequence number \"01234\" must not start with 0 at this length");
    let message = VulnId::parse("GHSA-jf66-3q76-h5p5,").err().map(|err| err.to_string()).unwrap_or_default();
    assert_eq!(message, "GHSA id: the group 3 \"h5p5,\" must be 4 characters from 23456789cfghjmpqrvwx");
}

#[test]
fn typed_parsers_refuse_other_schemes() {
    assert!(matches!(CveId::parse("GHSA-jfh8-c2jp-5v3q"), Err(IdError::Invalid { part: Part::Prefix, .. })));
    assert!(matches!(GhsaId::parse("CVE-2021-44228"), Err(IdError::Invalid { part: Part::Prefix, .. })));
    assert!(matches!(OsvId::parse("CNVD-2020-10487"), Err(IdError::UnknownScheme { .. })));
    // An OSV record may be a CVE or GHSA record; OsvId takes those too, VulnId gives them their own kinds.
    assert_eq!(OsvId::parse("cve-2021-44228").map(|id| id.to_string()), Ok("CVE-2021-44228".to_owned()));
}

#[test]
fn ids_order_by_scheme_then_numerically() {
    let mut ids: Vec<VulnId> = [
        "NVDB-2023-12345",
        "CVE-2021-10000",
        "GHSA-jfh8-c2jp-5v3q",
        "CVE-2021-9999",
        "CNNVD-202112-799",
        "CVE-2020-99999",
        "GO-2022-10000",
        "GO-2022-0969",
        "CNVD-2020-10487",
        "CVE-2021-44228",
    ]
    .iter()
    .filter_map(|text| VulnId::parse(text).ok())
    .collect();
    ids.sort();
    let sorted: Vec<String> = ids.iter().map(ToString::to_string).collect();
    assert_eq!(
        sorted,
        [
            "CVE-2020-99999",
            "CVE-2021-9999",
            "CVE-2021-10000",
            "CVE-2021-44228",
            "GHSA-jfh8-c2jp-5v3q",
            "GO-2022-0969",
            "GO-2022-10000",
            "CNVD-2020-10487",
            "CNNVD-202112-799",
            "NVDB-2023-12345",
        ]
    );
    // Equal spellings compare equal; different padding does not.
    assert_eq!(VulnId::parse("cve-2021-0001"), VulnId::parse("CVE-2021-0001"));
    let padded = VulnId::parse("CNVD-2021-01234").ok();
    let bare = VulnId::parse("CNVD-2021-1234").ok();
    assert_ne!(padded, bare);
    assert_ne!(padded.cmp(&bare), std::cmp::Ordering::Equal);
}

/// Valid ids of every scheme, generated.
fn valid_id() -> impl Strategy<Value = String> {
    let ghsa = "[23456789cfghjmpqrvwxCFGHJMPQRVWX]{4}";
    prop_oneof![
        (1999u16..2100, "[1-9][0-9]{4,10}|[0-9]{4}").prop_map(|(y, n)| format!("cve-{y}-{n}")),
        (ghsa, ghsa, ghsa).prop_map(|(a, b, c)| format!("GHSA-{a}-{b}-{c}")),
        (1980u16..2100, "[1-9][0-9]{0,6}").prop_map(|(y, n)| format!("PYSEC-{y}-{n}")),
        (1980u16..2100, "[0-9]{4}").prop_map(|(y, n)| format!("RUSTSEC-{y}-{n}")),
        (1980u16..2100, "[1-9][0-9]{4,6}|[0-9]{4}").prop_map(|(y, n)| format!("go-{y}-{n}")),
        ("(OSV|DSA|MAL|suse-su|openSUSE-SU|FreeBSD)", "[A-Za-z0-9][A-Za-z0-9._:-]{0,20}")
            .prop_map(|(p, e)| format!("{p}-{e}")),
        ("(CNVD|CNVD-C|NVDB)", 1980u16..2100, "[0-9]{4,9}").prop_map(|(p, y, n)| format!("{p}-{y}-{n}")),
        (1980u16..2100, 1u8..13, "[1-9][0-9]{3,6}|[0-9]{3}").prop_map(|(y, m, n)| format!("CNNVD-{y}{m:02}-{n}")),
    ]
}

proptest! {
    #[test]
    fn parsing_never_panics(text in "\\PC{0,40}") {
        let _ = VulnId::parse(&text);
    }

    #[test]
    fn parsing_never_panics_near_the_grammars(text in "(CVE|GHSA|PYSEC|GO|RUSTSEC|CNVD|CNVD-C|CNNVD|NVDB|SUSE-SU|x_)-[0-9a-zA-Z_:.-]{0,24}") {
        if let Ok(id) = VulnId::parse(&text) {
            prop_assert_eq!(VulnId::parse(&id.to_string()), Ok(id));
        }
    }

    #[test]
    fn valid_ids_round_trip(text in valid_id()) {
        let id = VulnId::parse(&text).map_err(|err| TestCaseError::fail(format!("{text:?}: {err}")))?;
        let again = VulnId::parse(&id.to_string());
        prop_assert_eq!(again.as_ref(), Ok(&id));
        prop_assert!(id.to_string().eq_ignore_ascii_case(&text));
    }
}
