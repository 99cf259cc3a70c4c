//! Maven's version order, as `org.apache.maven.artifact.versioning.ComparableVersion` (the
//! implementation in maven-artifact 3.8) defines it.
//!
//! The version is lower-cased and split into items at `.`, at `-` and wherever a digit meets
//! a non-digit. A `-` or a digit/non-digit transition opens a nested list that holds the rest
//! of the version, so `1.0-alpha-1` is `[1, 0, [alpha, [1]]]`. Digit items are numbers; other
//! items are qualifiers, where `alpha` < `beta` < `milestone` < `rc` (= `cr`) < `snapshot` <
//! `""` (= `ga`, `final`, `release`) < `sp` < any other qualifier (compared as text), and a
//! single `a`, `b` or `m` directly followed by a digit means `alpha`, `beta` or `milestone`.
//! Each list is normalised by dropping "null" items (0, the empty qualifier, empty lists) from
//! its end, skipping over nested lists while doing so. Comparison walks the lists, pairing a
//! missing item with "null": numbers beat lists, which beat qualifiers.
//!
//! The `mvn_version` crate was not used because it gets one of the 102 hand-written
//! osv-scalibr cases wrong; this module follows the Java code's structure (nested lists and
//! all), since flattened re-implementations are where such disagreements come from. Two
//! versions compare equal exactly when their normalised trees are identical, so the derived
//! hash agrees with the order.
//!
//! One addition to the Java code: a nested list that normalisation leaves holding nothing but
//! another list stands for that list, so `1-ga-1` equals `1-1` as the hand-written fixtures
//! expect; every generated fixture (made with maven-artifact 3.8.6) and every `vers` Maven
//! test agree with it. Like Maven's own, this order is not transitive on some odd inputs
//! (`1-0.rc` < `1` < `1-a` but `1-0.rc` > `1-a`), because Maven treats a zero as "nothing"
//! next to a missing item but as a number next to a qualifier; the crate keeps Maven's
//! answers there rather than invent a different order.

use std::cmp::Ordering;

use super::num::Num;

/// The rank of a qualifier: a known one by its position, an unknown one by its text after all.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Qualifier {
    Known(u8),
    Unknown(Box<str>),
}

/// The known qualifiers in order; the empty one (index 5) is the release itself.
const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE: Qualifier = Qualifier::Known(5);

/// One item of a parsed Maven version.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Item {
    Number(Num),
    Qualifier(Qualifier),
    List(Box<[Item]>),
}

/// A Maven key: the normalised top-level item list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct MavenVersion(Box<[Item]>);

fn qualifier(text: &str, followed_by_digit: bool) -> Item {
    let text = match (followed_by_digit, text) {
        (true, "a") => "alpha",
        (true, "b") => "beta",
        (true, "m") => "milestone",
        (_, "ga" | "final" | "release") => "",
        (_, "cr") => "rc",
        (_, other) => other,
    };
    Item::Qualifier(match QUALIFIERS.iter().position(|q| *q == text) {
        // The list has seven entries, so the index always fits in a u8.
        Some(index) => Qualifier::Known(u8::try_from(index).unwrap_or(u8::MAX)),
        None => Qualifier::Unknown(text.into()),
    })
}

fn item(is_digit: bool, text: &str) -> Item {
    if is_digit { Item::Number(Num::from_digits(text)) } else { qualifier(text, false) }
}

fn is_null(item: &Item) -> bool {
    match item {
        Item::Number(n) => n.is_zero(),
        Item::Qualifier(q) => *q == RELEASE,
        Item::List(items) => items.is_empty(),
    }
}

/// Drops null items from the end of a list, looking past nested lists as Maven does.
fn normalise(items: &mut Vec<Item>) {
    let mut i = items.len();
    while i > 0 {
        i -= 1;
        if is_null(&items[i]) {
            items.remove(i);
        } else if !matches!(items[i], Item::List(_)) {
            break;
        }
    }
}

/// Compares an item with another item or, for `None`, with "null".
fn compare_item(a: &Item, b: Option<&Item>) -> Ordering {
    match (a, b) {
        (Item::Number(x), None) => {
            if x.is_zero() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        (Item::Number(x), Some(Item::Number(y))) => x.cmp(y),
        (Item::Number(_), Some(_)) => Ordering::Greater,
        (Item::Qualifier(q), None) => q.cmp(&RELEASE),
        (Item::Qualifier(q), Some(Item::Qualifier(r))) => q.cmp(r),
        (Item::Qualifier(_), Some(_)) => Ordering::Less,
        (Item::List(items), None) => {
            items.iter().map(|i| compare_item(i, None)).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
        }
        (Item::List(_), Some(Item::Number(_))) => Ordering::Less,
        (Item::List(_), Some(Item::Qualifier(_))) => Ordering::Greater,
        (Item::List(x), Some(Item::List(y))) => compare_lists(x, y),
    }
}

fn compare_lists(a: &[Item], b: &[Item]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let result = match (a.get(i), b.get(i)) {
            (Some(x), y) => compare_item(x, y),
            (None, Some(y)) => compare_item(y, None).reverse(),
            (None, None) => Ordering::Equal,
        };
        if result.is_ne() {
            return result;
        }
    }
    Ordering::Equal
}

impl MavenVersion {
    /// Parses a Maven version; ComparableVersion accepts any text, so this cannot fail.
    pub(crate) fn parse(text: &str) -> MavenVersion {
        let lowered = text.to_lowercase();
        let chars: Vec<char> = lowered.chars().collect();
        let slice = |from: usize, to: usize| chars[from..to].iter().collect::<String>();
        // levels[k + 1] is the list that sits as the last item of levels[k].
        let mut levels: Vec<Vec<Item>> = vec![Vec::new()];
        let mut is_digit = false;
        let mut start = 0;
        for (i, &c) in chars.iter().enumerate() {
            let current = levels.len() - 1;
            match c {
                '.' | '-' => {
                    let new_item = if i == start { Item::Number(Num::ZERO) } else { item(is_digit, &slice(start, i)) };
                    levels[current].push(new_item);
                    start = i + 1;
                    if c == '-' {
                        levels.push(Vec::new());
                    }
                }
                c if c.is_ascii_digit() => {
                    if !is_digit && i > start {
                        levels[current].push(qualifier(&slice(start, i), true));
                        start = i;
                        levels.push(Vec::new());
                    }
                    is_digit = true;
                }
                _ => {
                    if is_digit && i > start {
                        levels[current].push(item(true, &slice(start, i)));
                        start = i;
                        levels.push(Vec::new());
                    }
                    is_digit = false;
                }
            }
        }
        if chars.len() > start {
            let last = levels.len() - 1;
            levels[last].push(item(is_digit, &slice(start, chars.len())));
        }
        // Fold the nested lists back up, normalising the deepest first as Maven does.
        let mut child: Option<Vec<Item>> = None;
        while let Some(mut list) = levels.pop() {
            if let Some(inner) = child.take() {
                list.push(Item::List(inner.into()));
            }
            normalise(&mut list);
            // A nested list left holding only another list (`1-ga-1` once `ga` is dropped)
            // stands for that list, so `1-ga-1` equals `1-1`. The top-level list is left
            // alone: `0.0.0-2021` keeps its leading zeros' place and stays below `20.0.0`.
            if !levels.is_empty()
                && let [Item::List(inner)] = list.as_slice()
            {
                list = inner.to_vec();
            }
            child = Some(list);
        }
        MavenVersion(child.unwrap_or_default().into())
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_lists(&self.0, &other.0)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> MavenVersion {
        MavenVersion::parse(text)
    }

    #[test]
    fn qualifier_order() {
        let chain = [
            "1-alpha-1-SNAPSHOT",
            "1-alpha-1",
            "1-beta-1",
            "1-milestone-1",
            "1-rc-1",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-xyz",
            "1-1",
            "1.1",
        ];
        for pair in chain.windows(2) {
            assert!(key(pair[0]) < key(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn equal_forms() {
        for (a, b) in [
            ("1", "1.0.0"),
            ("1", "1-ga"),
            ("1a1", "1-alpha-1"),
            ("1cr", "1rc"),
            ("1-1.foo-bar-1-baz-0.1", "1-1.foo-bar1baz-.1"),
        ] {
            assert_eq!(key(a), key(b), "{a} = {b}");
        }
    }
}
