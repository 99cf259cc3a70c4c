//! Property tests: `parse` never panics, on arbitrary strings nor on
//! permutations and mutations of valid vectors; valid vectors round-trip
//! through `Display`; scores stay within 0.0–10.0 with one decimal.

use proptest::prelude::*;
use vulndesk_formats::{CvssError, CvssVector, parse, score_line};

const V3: &[(&str, &[&str])] = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "R"]),
    ("S", &["U", "C"]),
    ("C", &["H", "L", "N"]),
    ("I", &["H", "L", "N"]),
    ("A", &["H", "L", "N"]),
    ("E", &["X", "H", "F", "P", "U"]),
    ("RL", &["X", "U", "W", "T", "O"]),
    ("RC", &["X", "C", "R", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "R"]),
    ("MS", &["X", "U", "C"]),
    ("MC", &["X", "H", "L", "N"]),
    ("MI", &["X", "H", "L", "N"]),
    ("MA", &["X", "H", "L", "N"]),
];
const V3_BASE: usize = 8;

const V4: &[(&str, &[&str])] = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red"]),
];
const V4_BASE: usize = 11;

/// The components of a valid vector of a metric table: every base metric,
/// each optional one with probability one half, in the table's order.
fn components(
    table: &'static [(&'static str, &'static [&'static str])],
    base: usize,
) -> impl Strategy<Value = Vec<String>> {
    let per_metric: Vec<_> = table
        .iter()
        .enumerate()
        .map(|(i, (name, values))| {
            let value = proptest::sample::select(values.to_vec());
            let present = if i < base { Just(true).boxed() } else { any::<bool>().boxed() };
            (present, value).prop_map(move |(present, value)| present.then(|| format!("{name}:{value}")))
        })
        .collect();
    per_metric.prop_map(|all| all.into_iter().flatten().collect())
}

/// (prefix, components) of a valid vector of any version.
fn valid() -> impl Strategy<Value = (&'static str, Vec<String>)> {
    prop_oneof![
        components(V3, V3_BASE).prop_map(|c| ("CVSS:3.1", c)),
        components(V3, V3_BASE).prop_map(|c| ("CVSS:3.0", c)),
        components(V4, V4_BASE).prop_map(|c| ("CVSS:4.0", c)),
    ]
}

fn join(prefix: &str, components: &[String]) -> String {
    std::iter::once(prefix.to_owned()).chain(components.iter().cloned()).collect::<Vec<_>>().join("/")
}

fn check_scores(vector: &CvssVector) {
    let scores = vector.scores();
    let all = [Some(scores.base_score), scores.temporal_score, scores.environmental_score, scores.score];
    for score in all.into_iter().flatten() {
        assert!((0.0..=10.0).contains(&score), "{vector}: {score}");
        assert_eq!(score, (score * 10.0).round() / 10.0, "{vector}: {score}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_arbitrary_strings(input in any::<String>()) {
        let _ = parse(&input);
        let _ = score_line(&input);
    }

    #[test]
    fn never_panics_on_vector_like_strings(
        input in "(CVSS:[34]\\.[01]/)?([A-Za-z]{0,4}:?[A-Za-z]{0,6}/?){0,40}"
    ) {
        if let Ok(vector) = parse(&input) {
            check_scores(&vector);
        }
    }

    #[test]
    fn valid_vectors_round_trip((prefix, components) in valid()) {
        let text = join(prefix, &components);
        let vector = parse(&text);
        prop_assert!(vector.is_ok(), "{text}: {vector:?}");
        if let Ok(vector) = vector {
            check_scores(&vector);
            let again = parse(&vector.to_string());
            prop_assert_eq!(again.as_ref(), Ok(&vector));
            // nothing given is lost or invented
            prop_assert_eq!(vector.to_string().matches('/').count(), components.len());
        }
    }

    #[test]
    fn permutations((prefix, mut components) in valid(), seed in any::<u64>()) {
        let original = parse(&join(prefix, &components));
        let shuffled_ok = {
            // a seeded Fisher-Yates shuffle
            let mut state = seed | 1;
            for i in (1..components.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                components.swap(i, (state % (i as u64 + 1)) as usize);
            }
            parse(&join(prefix, &components))
        };
        if prefix == "CVSS:4.0" {
            // either still in order, or an order error
            match &shuffled_ok {
                Ok(v) => prop_assert_eq!(Ok(v), original.as_ref()),
                Err(e) => prop_assert!(matches!(e, CvssError::OutOfOrder { .. }), "{e}"),
            }
        } else {
            // 3.x: any order is the same vector
            prop_assert_eq!(shuffled_ok, original);
        }
    }

    #[test]
    fn mutations(
        (prefix, components) in valid(),
        kind in 0..6u8,
        at in any::<prop::sample::Index>(),
        noise in "[A-Za-z:/ ]{0,4}",
    ) {
        let base = if prefix == "CVSS:4.0" { V4_BASE } else { V3_BASE };
        let i = at.index(components.len());
        let name = components[i].split(':').next().unwrap_or_default().to_owned();
        let mut changed = components.clone();
        let text = match kind {
            0 => { changed.remove(i); join(prefix, &changed) }
            1 => { changed.insert(i, components[i].clone()); join(prefix, &changed) }
            2 => { changed[i] = format!("{name}:{noise}Q"); join(prefix, &changed) }
            3 => { changed[i].push_str(&noise); join(prefix, &changed) }
            4 => { changed.insert(i, noise.clone()); join(prefix, &changed) }
            _ => {
                let text = join(prefix, &components);
                let cut = at.index(text.len() + 1);
                let cut = (0..=cut).rev().find(|c| text.is_char_boundary(*c)).unwrap_or(0);
                text[..cut].to_owned()
            }
        };
        let result = parse(&text);
        match kind {
            // dropping a base metric is reported as that metric missing
            0 if i < base => prop_assert_eq!(
                result.as_ref().err(),
                Some(&CvssError::MissingMetric { metric: name })
            ),
            0 => prop_assert!(result.is_ok(), "{text}"),
            1 => prop_assert_eq!(
                result.as_ref().err(),
                Some(&CvssError::DuplicateMetric { metric: name })
            ),
            2 => prop_assert!(result.is_err(), "{text}"),
            _ => {}
        }
        if let Ok(vector) = &result {
            check_scores(vector);
        }
    }
}
