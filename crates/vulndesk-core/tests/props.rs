//! Property tests for the core's parsers: names, timestamps and language negotiation never panic
//! on any input, accept exactly what their rules say, and round-trip.

use proptest::prelude::*;
use vulndesk_core::{Locale, Slug, Timestamp, Username};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn slugs_accept_exactly_their_alphabet(s in "\\PC{0,80}") {
        let ok = Slug::parse(&s).is_ok();
        let rule = (2..=63).contains(&s.chars().count())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
        prop_assert_eq!(ok, rule);
        if let Ok(slug) = Slug::parse(&s) {
            prop_assert_eq!(slug.as_str(), s.as_str());
        }
    }

    #[test]
    fn usernames_never_panic_and_round_trip(s in "[a-z0-9._-]{0,70}|\\PC{0,70}") {
        if let Ok(u) = Username::parse(&s) {
            prop_assert_eq!(Username::parse(u.as_str()).ok(), Some(u));
        }
    }

    #[test]
    fn timestamps_round_trip_through_rfc3339(micros in -62_135_596_800_000_000i64..253_402_300_799_000_000i64) {
        let t = Timestamp::from_micros(micros);
        prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t));
    }

    #[test]
    fn timestamp_parsing_never_panics(s in "\\PC{0,60}") {
        let _ = Timestamp::parse_rfc3339(&s);
    }

    #[test]
    fn negotiation_never_panics_and_answers_a_spoken_language(header in "\\PC{0,200}", fallback in prop::bool::ANY) {
        let fallback = if fallback { Locale::ZhCn } else { Locale::En };
        let l = Locale::negotiate(&header, fallback);
        prop_assert!(Locale::ALL.contains(&l));
    }

    #[test]
    fn negotiation_prefers_the_higher_quality(qz in 1u16..=1000, qe in 1u16..=1000) {
        prop_assume!(qz != qe);
        let header = format!("zh;q={}.{:03}, en;q={}.{:03}", qz / 1000, qz % 1000, qe / 1000, qe % 1000);
        let want = if qz > qe { Locale::ZhCn } else { Locale::En };
        prop_assert_eq!(Locale::negotiate(&header, Locale::En), want, "{}", header);
    }
}
