//! The CWE catalogue shipped in `data/cwe-4.14.tsv`: its counts, known entries, the search's
//! ranking, and [`CweId`] parsing (a table of cases and a property test that it never panics).

use proptest::prelude::*;
use vulndesk_formats::cwe::{self, Abstraction, CweId, CweIdError, CweKind, Status};

#[test]
fn the_catalogue_holds_every_entry_of_cwe_4_14() {
    let all = cwe::all();
    let count = |kind: CweKind| all.iter().filter(|entry| entry.kind == kind).count();
    // The counts MITRE's cwec_v4.14.xml holds, which the data file's header repeats.
    assert_eq!(count(CweKind::Weakness), 963);
    assert_eq!(count(CweKind::Category), 409);
    assert_eq!(count(CweKind::View), 54);
    assert_eq!(all.len(), 1426);
    assert!(all.windows(2).all(|pair| pair[0].id < pair[1].id), "the entries are sorted by id, without repeats");
    let status = |status: Status| all.iter().filter(|entry| entry.status == status).count();
    assert_eq!(
        [Status::Stable, Status::Draft, Status::Incomplete, Status::Deprecated, Status::Obsolete].map(status),
        [79, 517, 670, 64, 96]
    );
    assert_eq!(cwe::VERSION, "4.14");
    assert!(all.iter().all(|entry| (entry.kind == CweKind::Weakness) == entry.abstraction.is_some()));
}

#[test]
fn known_entries_have_mitres_names() {
    let name = |id: u32| cwe::get(id).map(|entry| entry.name);
    assert_eq!(name(79), Some("Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"));
    assert_eq!(name(89), Some("Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"));
    assert_eq!(name(122), Some("Heap-based Buffer Overflow"));
    assert_eq!(name(787), Some("Out-of-bounds Write"));
    assert_eq!(name(20), Some("Improper Input Validation"));
    assert_eq!(name(0), None);
    assert_eq!(name(1500), None, "CWE-1500 is not in 4.14");
    assert_eq!(name(u32::MAX), None);

    let heap = cwe::get(122).expect("CWE-122");
    assert_eq!(
        (heap.kind, heap.abstraction, heap.status),
        (CweKind::Weakness, Some(Abstraction::Variant), Status::Draft)
    );
    assert_eq!(&*heap.parents, &[788, 787], "the primary parent comes first");
    assert_eq!(heap.to_string(), "CWE-122: Heap-based Buffer Overflow");
    assert_eq!(heap.url(), "https://cwe.mitre.org/data/definitions/122.html");
    assert_eq!(heap.cwe_id().to_string(), "CWE-122");

    let old = cwe::get(264).expect("CWE-264, a category older NVD data uses");
    assert_eq!((old.kind, old.status, old.abstraction), (CweKind::Category, Status::Obsolete, None));
    assert!(old.is_retired());
    assert_eq!(cwe::get(1000).map(|entry| entry.kind), Some(CweKind::View));
    assert!(cwe::get(89).is_some_and(|entry| entry.categories.contains(&137)));
}

#[test]
fn every_parent_and_category_is_in_the_catalogue() {
    for entry in cwe::all() {
        for &parent in entry.parents.iter() {
            assert_eq!(cwe::get(parent).map(|p| p.kind), Some(CweKind::Weakness), "parent {parent} of {entry}");
        }
        for &category in entry.categories.iter() {
            assert_eq!(cwe::get(category).map(|c| c.kind), Some(CweKind::Category), "category {category} of {entry}");
        }
    }
}

fn ids(query: &str, limit: usize) -> Vec<u32> {
    cwe::search(query, limit).iter().map(|entry| entry.id).collect()
}

#[test]
fn search_finds_an_id_first_in_every_spelling() {
    for query in ["122", "CWE-122", "cwe-122", "cwe 122", "CWE122", " 122 ", "CWE-0122"] {
        assert_eq!(ids(query, 1), [122], "{query:?}");
    }
    assert!(ids("CWE-99999", 5).is_empty());
}

#[test]
fn search_ranks_exact_then_prefix_then_words_then_substrings() {
    // The exact name first, then names starting with the query.
    let found = ids("out-of-bounds write", 3);
    assert_eq!(found[0], 787);
    let prefix = ids("improper neutralization", 50);
    assert!(
        prefix
            .iter()
            .all(|&id| cwe::get(id).is_some_and(|e| e.name.to_lowercase().starts_with("improper neutralization")))
    );

    // A word inside the name ranks before a mere substring: "sql" starts a word in CWE-89's
    // name, "ql" is only inside one.
    let sql = ids("sql injection", 10);
    assert!(sql.contains(&89), "{sql:?}");
    assert!(ids("injection sql", 20).contains(&89), "words in any order");
    assert!(ids("ql injection", 20).contains(&89), "a substring is found too");
    let words_first = ids("injection", 200);
    let substring_only = words_first.iter().position(|&id| {
        cwe::get(id).is_some_and(|e| {
            !e.name.to_lowercase().split(|c: char| !c.is_alphanumeric()).any(|w| w.starts_with("injection"))
        })
    });
    let last_word = words_first.iter().rposition(|&id| {
        cwe::get(id).is_some_and(|e| {
            e.name.to_lowercase().split(|c: char| !c.is_alphanumeric()).any(|w| w.starts_with("injection"))
        })
    });
    if let (Some(first_substring), Some(last_word)) = (substring_only, last_word) {
        assert!(last_word < first_substring, "word matches come before substring matches");
    }

    // Case does not matter, and current weaknesses come before retired entries of the same rank.
    assert_eq!(ids("HEAP-BASED BUFFER OVERFLOW", 1), [122]);
    let buffer = cwe::search("buffer", 100);
    let first_retired = buffer.iter().position(|e| e.is_retired()).unwrap_or(buffer.len());
    assert!(buffer[first_retired..].iter().all(|e| e.is_retired() || !e.name.to_lowercase().starts_with("buffer")));
}

#[test]
fn search_respects_its_limit_and_refuses_nothing() {
    assert_eq!(cwe::search("a", 7).len(), 7);
    assert!(cwe::search("", 10).is_empty());
    assert!(cwe::search("   ", 10).is_empty());
    assert!(cwe::search("injection", 0).is_empty());
    assert!(cwe::search("zzzzqqq", 10).is_empty());
    assert!(!cwe::search("跨站", 10).iter().any(|_| true), "no Chinese names in the catalogue");
}

#[test]
fn cwe_ids_parse_in_their_usual_spellings() {
    for (text, number) in
        [("CWE-122", 122), ("cwe-122", 122), ("Cwe-79", 79), ("122", 122), ("1", 1), ("4294967295", u32::MAX)]
    {
        let id = CweId::parse(text).unwrap_or_else(|err| panic!("{text:?}: {err}"));
        assert_eq!(id.number(), number);
        assert_eq!(id.to_string(), format!("CWE-{number}"));
        assert_eq!(id.to_string().parse::<CweId>(), Ok(id), "round trip");
    }
    assert_eq!(CweId::parse("CWE-787").ok().and_then(CweId::entry).map(|e| e.name), Some("Out-of-bounds Write"));
    assert_eq!(CweId::parse("CWE-1500").map(CweId::entry), Ok(None), "a valid id need not be in the catalogue");
    assert_eq!(CweId::new(0), None);
}

#[test]
fn bad_cwe_ids_say_what_is_wrong() {
    let cases: &[(&str, CweIdError)] = &[
        ("", CweIdError::Empty),
        (" CWE-79", CweIdError::Whitespace { found: " CWE-79".into() }),
        ("CWE-79\n", CweIdError::Whitespace { found: "CWE-79\n".into() }),
        ("NVD-CWE-Other", CweIdError::NvdPlaceholder { found: "NVD-CWE-Other".into() }),
        ("NVD-CWE-noinfo", CweIdError::NvdPlaceholder { found: "NVD-CWE-noinfo".into() }),
        ("CVE-2021-1234", CweIdError::WrongPrefix { found: "CVE-2021-1234".into() }),
        ("CWE_79", CweIdError::WrongPrefix { found: "CWE_79".into() }),
        ("CWE79", CweIdError::WrongPrefix { found: "CWE79".into() }),
        ("CWE-", CweIdError::MissingNumber { found: "CWE-".into() }),
        ("CWE-7a", CweIdError::NotANumber { found: "7a".into() }),
        ("CWE--79", CweIdError::NotANumber { found: "-79".into() }),
        ("12 3", CweIdError::NotANumber { found: "12 3".into() }),
        ("CWE-079", CweIdError::LeadingZero { found: "079".into() }),
        ("CWE-0", CweIdError::Zero),
        ("0", CweIdError::Zero),
        ("CWE-4294967296", CweIdError::TooLarge { found: "4294967296".into() }),
        ("CWE-７９", CweIdError::NotANumber { found: "７９".into() }),
        ("ＣWE-79", CweIdError::WrongPrefix { found: "ＣWE-79".into() }),
    ];
    for (text, expected) in cases {
        assert_eq!(CweId::parse(text).as_ref(), Err(expected), "{text:?}");
    }
    let message = CweId::parse("NVD-CWE-noinfo").err().map(|err| err.to_string()).unwrap_or_default();
    assert!(message.contains("placeholder"), "{message}");
}

proptest! {
    #[test]
    fn cwe_id_parsing_never_panics(text in "\\PC{0,24}") {
        let _ = CweId::parse(&text);
        let _ = cwe::search(&text, 5);
    }

    #[test]
    fn cwe_id_parsing_never_panics_near_the_grammar(text in "(CWE|cwe|NVD-CWE)?-?[0-9a-z-]{0,12}") {
        if let Ok(id) = CweId::parse(&text) {
            prop_assert_eq!(CweId::parse(&id.to_string()), Ok(id));
        }
    }
}
