//! Package URLs (`Purl::parse`) and vulnerability identifiers (`ident::VulnId::parse`).
//!
//! Properties: parsing never panics; a parsed purl's canonical string (`Display`) parses
//! again to an equal purl with the same canonical string; the ecosystem key is stable across
//! the round trip, and so is `without_version` when its type rules allow it; a purl rebuilt
//! from its components with `Purl::build` is the same purl. An identifier that parses has a canonical text that
//! parses again to the same identifier.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vulndesk_formats::ident::VulnId;
use vulndesk_formats::purl::{Purl, PurlParts};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };

    if let Ok(id) = VulnId::parse(text) {
        let again = VulnId::parse(id.as_str()).expect("a canonical id parses again");
        assert_eq!(again, id, "{text:?}");
        assert_eq!(again.scheme(), id.scheme());
    }

    let Ok(purl) = Purl::parse(text) else { return };
    let canonical = purl.to_string();
    let again = match Purl::parse(&canonical) {
        Ok(p) => p,
        Err(e) => panic!("{text:?} canonicalised to {canonical:?}, which does not parse: {e}"),
    };
    assert_eq!(again.to_string(), canonical, "canonical form not stable for {text:?}");
    assert_eq!(again, purl, "{text:?} -> {canonical:?}");
    assert_eq!(again.ecosystem_key(), purl.ecosystem_key());
    // `without_version` also drops the qualifiers, so a type that requires one (`swid`'s
    // `tag_id`) gives a purl its own type rules refuse; it is an index key, not a purl to
    // publish. When it does parse, it must read back unchanged.
    let bare = purl.without_version();
    if let Ok(parsed) = Purl::parse(&bare.to_string()) {
        assert_eq!(parsed, bare, "{text:?} without version");
    }

    // `Purl::build` drops `.` and `..` namespace segments (as it does in a subpath) while
    // `Purl::parse` keeps them, so such purls are left out of the build check.
    if purl.namespace().is_some_and(|ns| ns.split('/').any(|s| s == "." || s == "..")) {
        return;
    }
    let parts = PurlParts {
        ty: Some(purl.purl_type().to_owned()),
        namespace: purl.namespace().map(str::to_owned),
        name: Some(purl.name().to_owned()),
        version: purl.version().map(str::to_owned),
        qualifiers: purl.qualifiers().iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        subpath: purl.subpath().map(str::to_owned),
    };
    match Purl::build(parts) {
        Ok(built) => assert_eq!(built, purl, "{text:?} rebuilt from its parts"),
        Err(e) => panic!("{text:?} parsed but its parts do not build: {e}"),
    }
});
