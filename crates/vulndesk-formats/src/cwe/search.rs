//! [`search`]: finding catalogue entries by id or by words of their name.

use super::{Cwe, CweKind};

/// How well an entry matches a query; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// The query names the entry's id.
    Id,
    /// The name equals the query, ignoring case.
    ExactName,
    /// The name starts with the query.
    NamePrefix,
    /// The query occurs in the name at the start of a word.
    Phrase,
    /// Every word of the query starts a word of the name, in any order.
    Words,
    /// The query occurs somewhere in the name.
    Substring,
}

/// Finds up to `limit` entries for a query, best first.
///
/// The query may be an id (`122`, `CWE-122`, `cwe 122`; leading zeros are
/// forgiven here) or words of a name, matched without regard to case. The
/// ranking is:
///
/// 1. the entry whose id the query names;
/// 2. names equal to the query, then names starting with it;
/// 3. names where the query starts a word (`"sql"` finds "Improper
///    Neutralization of … an SQL Command");
/// 4. names where every word of the query starts a word of the name, in any
///    order (`"injection sql"`);
/// 5. names containing the query anywhere.
///
/// Within a rank, current entries come before Deprecated and Obsolete ones,
/// weaknesses before categories before views, and lower ids first. An empty
/// query finds nothing.
pub fn search(query: &str, limit: usize) -> Vec<&'static Cwe> {
    let query = query.trim();
    if query.is_empty() || limit == 0 {
        return Vec::new();
    }
    let wanted_id = loose_id(query);
    let lower = query.to_lowercase();
    let words: Vec<&str> = words(&lower).collect();
    let mut found: Vec<(Tier, &'static Cwe)> = super::entries_with_lower_names()
        .filter_map(|(cwe, name)| {
            let tier = if wanted_id == Some(cwe.id) { Tier::Id } else { name_tier(name, &lower, &words)? };
            Some((tier, cwe))
        })
        .collect();
    found.sort_by_key(|&(tier, cwe)| (tier, cwe.is_retired(), kind_rank(cwe.kind), cwe.id));
    found.into_iter().take(limit).map(|(_, cwe)| cwe).collect()
}

/// The id a query names, if it is one: digits, optionally after `CWE`, `CWE-`
/// or `CWE ` in any case.
fn loose_id(query: &str) -> Option<u32> {
    let digits = match query.get(..3) {
        Some(head) if head.eq_ignore_ascii_case("cwe") => query[3..].trim_start_matches(['-', ' ']),
        _ => query,
    };
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// How a lower-case name matches the lower-case query and its words, if at
/// all.
fn name_tier(name: &str, query: &str, query_words: &[&str]) -> Option<Tier> {
    if name == query {
        return Some(Tier::ExactName);
    }
    if name.starts_with(query) {
        return Some(Tier::NamePrefix);
    }
    let mut substring = false;
    for (at, _) in name.match_indices(query) {
        substring = true;
        if at_word_start(name, at) {
            return Some(Tier::Phrase);
        }
    }
    if !query_words.is_empty() && query_words.iter().all(|wanted| words(name).any(|word| word.starts_with(wanted))) {
        return Some(Tier::Words);
    }
    substring.then_some(Tier::Substring)
}

/// Whether byte offset `at` of `text` starts a word: at the start, or after
/// a character that is not a letter or digit.
fn at_word_start(text: &str, at: usize) -> bool {
    text[..at].chars().next_back().is_none_or(|before| !before.is_alphanumeric())
}

/// The words of a text: its runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|ch: char| !ch.is_alphanumeric()).filter(|word| !word.is_empty())
}

/// Weaknesses first, then categories, then views.
fn kind_rank(kind: CweKind) -> u8 {
    match kind {
        CweKind::Weakness => 0,
        CweKind::Category => 1,
        CweKind::View => 2,
    }
}
