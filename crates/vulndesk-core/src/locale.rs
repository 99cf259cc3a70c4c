//! The languages vulndesk speaks, and the choice of one from an `Accept-Language` header.

/// A user-interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    /// Simplified Chinese, as used in mainland China.
    ZhCn,
    /// English.
    En,
}

impl Locale {
    /// Every language, in the order the switcher shows them.
    pub const ALL: [Self; 2] = [Self::ZhCn, Self::En];

    /// The BCP 47 tag.
    pub const fn tag(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }

    /// The language named by a BCP 47 tag, matching on the primary subtag (`zh-Hans-CN`, `zh`,
    /// `en-GB` and `EN` are all understood).
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Self::ZhCn),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// Picks the best language for an `Accept-Language` header value (RFC 9110 §12.5.4), or
    /// `fallback` when the header names none that vulndesk speaks.
    pub fn negotiate(header: &str, fallback: Self) -> Self {
        let mut best: Option<(u16, usize, Self)> = None;
        for (index, item) in header.split(',').enumerate() {
            let mut parts = item.split(';');
            let Some(locale) = parts.next().and_then(Self::from_tag) else {
                continue;
            };
            let quality = parts.find_map(|p| p.trim().strip_prefix("q=")).map_or(1000, parse_quality);
            if quality == 0 {
                continue;
            }
            // Higher quality wins; on a tie the earlier entry wins.
            let better = match best {
                None => true,
                Some((q, i, _)) => quality > q || (quality == q && index < i),
            };
            if better {
                best = Some((quality, index, locale));
            }
        }
        best.map_or(fallback, |(_, _, l)| l)
    }
}

/// A quality value `0.xyz` in thousandths; anything unreadable counts as 0 (not acceptable).
fn parse_quality(q: &str) -> u16 {
    let q = q.trim();
    let Some((int, frac)) = q.split_once('.').or(Some((q, ""))) else {
        return 0;
    };
    let digits: String = frac.chars().chain("000".chars()).take(3).collect();
    match (int, digits.parse::<u16>()) {
        ("1", Ok(_)) => 1000,
        ("0", Ok(f)) => f,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        let cases = [
            ("zh-CN,zh;q=0.9,en;q=0.8", Locale::ZhCn),
            ("en-US,en;q=0.9", Locale::En),
            ("fr-FR, en;q=0.5, zh;q=0.7", Locale::ZhCn),
            ("de", Locale::En),
            ("", Locale::En),
            ("zh;q=0, en;q=0.1", Locale::En),
            ("en;q=0.5, zh-Hans-CN;q=0.5", Locale::En),
            ("zh-TW;q=1.0", Locale::ZhCn),
            ("en;q=garbage, zh;q=0.2", Locale::ZhCn),
        ];
        for (header, want) in cases {
            assert_eq!(Locale::negotiate(header, Locale::En), want, "{header:?}");
        }
        assert_eq!(Locale::negotiate("ja", Locale::ZhCn), Locale::ZhCn);
    }

    #[test]
    fn tags_round_trip() {
        for l in Locale::ALL {
            assert_eq!(Locale::from_tag(l.tag()), Some(l));
        }
    }
}
