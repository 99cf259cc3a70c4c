//! Language tests: 6.1.12 (language), 6.1.15 (translator) and 6.1.28 (translation).
//!
//! 6.1.12 wants `lang` and `source_lang` to be valid BCP 47 tags. The check here is RFC 5646's
//! syntax (including the grandfathered tags) plus the IANA Language Subtag Registry for the
//! two-letter language and region subtags, the ones tags almost always use; longer language
//! subtags, scripts and variants are checked for syntax only. The subtag lists were taken from
//! the registry copy in `@secvisogram/csaf-validator-lib` 2.0.10.

use serde_json::Value;

use super::Failures;

/// Two-letter language subtags of the IANA registry.
const LANGUAGES: &str = concat!(
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de ",
    "dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ",
    "ie ig ii ik in io is it iu iw ja ji jv jw ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ",
    "ln lo lt lu lv mg mh mi mk ml mn mo mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa ",
    "pi pl ps pt qu rm rn ro ru rw sa sc sd se sg sh si sk sl sm sn so sq sr ss st su sv sw ta te tg th ",
    "ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
);

/// Two-letter region subtags of the IANA registry (the private-use ranges `QM`–`QZ` and
/// `XA`–`XZ` are accepted separately).
const REGIONS: &str = concat!(
    "AA AC AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ ",
    "BR BS BT BU BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CP CR CS CU CV CW CX CY CZ DD DE DG DJ ",
    "DK DM DO DZ EA EC EE EG EH ER ES ET EU EZ FI FJ FK FM FO FR FX GA GB GD GE GF GG GH GI GL GM GN GP ",
    "GQ GR GS GT GU GW GY HK HM HN HR HT HU IC ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM ",
    "KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS ",
    "MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NT NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT ",
    "PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SU SV SX SY SZ TA TC TD ",
    "TF TG TH TJ TK TL TM TN TO TP TR TT TV TW TZ UA UG UM UN US UY UZ VA VC VE VG VI VN VU WF WS YD YE ",
    "YT YU ZA ZM ZR ZW ZZ"
);

const GRANDFATHERED: [&str; 26] = [
    "en-gb-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-be-fr",
    "sgn-be-nl",
    "sgn-ch-de",
    "art-lojban",
    "cel-gaulish",
    "no-bok",
    "no-nyn",
    "zh-guoyu",
    "zh-hakka",
    "zh-min",
    "zh-min-nan",
    "zh-xiang",
];

pub(super) fn check(json: &Value, out: &mut Failures) {
    let lang = json.pointer("/document/lang").and_then(Value::as_str);
    let source_lang = json.pointer("/document/source_lang").and_then(Value::as_str);
    for (key, tag) in [("lang", lang), ("source_lang", source_lang)] {
        if let Some(tag) = tag
            && !is_valid_tag(tag)
        {
            out.push("6.1.12", format!("/document/{key}"), format!("{tag:?} is not a valid BCP 47 language tag"));
        }
    }
    // 6.1.15 Translator.
    if json.pointer("/document/publisher/category").and_then(Value::as_str) == Some("translator")
        && source_lang.is_none_or(str::is_empty)
    {
        out.push("6.1.15", "/document/source_lang", "a translator's document needs source_lang");
    }
    // 6.1.28 Translation.
    if let (Some(lang), Some(source)) = (lang, source_lang)
        && lang == source
    {
        out.push("6.1.28", "/document/lang", format!("lang and source_lang are both {lang:?}"));
    }
}

fn alpha(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic())
}

fn alnum(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn registered(list: &str, subtag: &str) -> bool {
    list.split(' ').any(|s| s.eq_ignore_ascii_case(subtag))
}

/// Whether `tag` is a well-formed BCP 47 tag whose two-letter subtags are registered.
pub(super) fn is_valid_tag(tag: &str) -> bool {
    let lower = tag.to_ascii_lowercase();
    if GRANDFATHERED.contains(&lower.as_str()) {
        return true;
    }
    let parts: Vec<&str> = tag.split('-').collect();
    let mut i = 0;
    let at = |i: usize| parts.get(i).copied().unwrap_or("");
    if at(0).eq_ignore_ascii_case("x") {
        return parts.len() > 1 && parts[1..].iter().all(|p| alnum(p, 1, 8));
    }
    // language = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
    let language = at(0);
    if !alpha(language, 2, 8) {
        return false;
    }
    if language.len() == 2 && !registered(LANGUAGES, language) {
        return false;
    }
    i += 1;
    if language.len() <= 3 {
        // extlang = 3ALPHA *2("-" 3ALPHA); the registry allows at most one.
        let mut extlangs = 0;
        while alpha(at(i), 3, 3) && extlangs < 3 {
            extlangs += 1;
            i += 1;
        }
        if extlangs > 1 {
            return false;
        }
    }
    if alpha(at(i), 4, 4) {
        i += 1; // script
    }
    let region = at(i);
    if alpha(region, 2, 2) {
        let upper = region.to_ascii_uppercase();
        let private = ("QM"..="QZ").contains(&upper.as_str()) || ("XA"..="XZ").contains(&upper.as_str());
        if !private && !registered(REGIONS, region) {
            return false;
        }
        i += 1;
    } else if region.len() == 3 && region.bytes().all(|b| b.is_ascii_digit()) {
        i += 1;
    }
    // variant = 5*8alphanum / (DIGIT 3alphanum), no repeats
    let mut variants: Vec<String> = Vec::new();
    loop {
        let v = at(i);
        let is_variant = alnum(v, 5, 8) || (v.len() == 4 && v.as_bytes()[0].is_ascii_digit() && alnum(v, 4, 4));
        if !is_variant {
            break;
        }
        let v = v.to_ascii_lowercase();
        if variants.contains(&v) {
            return false;
        }
        variants.push(v);
        i += 1;
    }
    // extension = singleton 1*("-" (2*8alphanum)), no repeated singleton
    let mut singletons: Vec<String> = Vec::new();
    while at(i).len() == 1 && !at(i).eq_ignore_ascii_case("x") && alnum(at(i), 1, 1) {
        let s = at(i).to_ascii_lowercase();
        if singletons.contains(&s) {
            return false;
        }
        singletons.push(s);
        i += 1;
        let start = i;
        while alnum(at(i), 2, 8) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    // privateuse = "x" 1*("-" (1*8alphanum))
    if at(i).eq_ignore_ascii_case("x") {
        i += 1;
        let start = i;
        while i < parts.len() && alnum(at(i), 1, 8) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == parts.len()
}
