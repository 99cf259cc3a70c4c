//! Property tests and API examples for [`Purl`]: parsing never panics, the
//! canonical form parses back to the same purl, errors say where they are,
//! and ecosystem keys are normalised.

use proptest::prelude::*;
use vulndesk_formats::purl::{Purl, PurlComponent, PurlError, PurlParts};

/// Strings shaped like purls, with the characters that matter to the
/// grammar over-represented, so that most of them parse.
fn purlish() -> impl Strategy<Value = String> {
    let ty = prop::sample::select(vec![
        "npm", "NPM", "pypi", "maven", "golang", "github", "git", "deb", "generic", "cpan", "swift", "julia", "oci",
        "pub", "mlflow", "nuget", "x-custom", "3bad",
    ]);
    let seg = "[A-Za-z0-9._~:@+%/ -]{0,8}";
    (ty, seg, seg, "[A-Za-z0-9.:%+ -]{0,6}", "[A-Za-z_]{0,4}", "[A-Za-z0-9%:/@ ]{0,6}", "[A-Za-z0-9./%]{0,8}").prop_map(
        |(ty, ns, name, version, key, value, subpath)| {
            let mut s = format!("pkg:{ty}/{ns}/{name}@{version}");
            if !key.is_empty() {
                s.push_str(&format!("?{key}={value}&uuid=1&tag_id=2"));
            }
            if !subpath.is_empty() {
                s.push('#');
                s.push_str(&subpath);
            }
            s
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics_on_any_string(s in any::<String>()) {
        let _ = Purl::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_ascii_soup(s in "[ -~]{0,60}") {
        let _ = Purl::parse(&s);
    }

    #[test]
    fn canonical_form_round_trips(s in purlish()) {
        if let Ok(p) = Purl::parse(&s) {
            let canonical = p.to_string();
            let again = Purl::parse(&canonical);
            prop_assert_eq!(again.as_ref(), Ok(&p), "canonical form {}", canonical);
            // The canonical form is a fixed point.
            prop_assert_eq!(again.map(|q| q.to_string()), Ok(canonical));
        }
    }

    #[test]
    fn arbitrary_unicode_components_round_trip(name in "\\PC{1,12}", version in "\\PC{0,8}") {
        let built = Purl::build(PurlParts {
            ty: Some("generic".into()),
            name: Some(name.replace('/', "")),
            version: Some(version),
            ..PurlParts::default()
        });
        if let Ok(p) = built {
            prop_assert_eq!(Purl::parse(&p.to_string()), Ok(p));
        }
    }
}

#[test]
fn errors_name_the_component_and_offset() {
    let err = Purl::parse("pkg:npm/foo@1.0?in%20production=true").expect_err("bad key");
    assert!(
        matches!(err, PurlError::Invalid { component: PurlComponent::Qualifiers, offset: Some(16), .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("at byte 16"), "{err}");

    let err = Purl::parse("pkg:npm/foo@1.%2").expect_err("bad escape");
    assert!(err.to_string().contains("version at byte 14"), "{err}");

    let err = Purl::parse("npm/foo").expect_err("no scheme");
    assert!(err.to_string().contains("scheme"), "{err}");

    let err = Purl::parse("pkg:vcpkg/boost/asio@1.84.0").expect_err("namespace");
    assert_eq!(err.to_string(), "invalid `vcpkg` purl: a namespace is not allowed");
}

#[test]
fn canonical_forms() {
    let cases = [
        ("pkg:PYPI/Django_package@1.11.1.dev1", "pkg:pypi/django-package@1.11.1.dev1"),
        ("pkg:npm/@babel/core@7.0.0", "pkg:npm/%40babel/core@7.0.0"),
        ("pkg:maven/org.apache/Commons@1?Type=jar&classifier=&a=b", "pkg:maven/org.apache/Commons@1?a=b&type=jar"),
        ("pkg:github/Package-URL/Purl-Spec", "pkg:github/package-url/purl-spec"),
        ("pkg:golang/github.com/Foo/bar@v1.2.3#/x/./y/", "pkg:golang/github.com/Foo/bar@v1.2.3#x/y"),
        (
            "pkg:npm/lodash@4.17.21?vers=vers:npm/%3E%3D4.0.0%7C%3C5",
            "pkg:npm/lodash@4.17.21?vers=vers:npm%2F%3E%3D4.0.0%7C%3C5",
        ),
    ];
    for (input, want) in cases {
        let p = Purl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(p.to_string(), want, "{input}");
    }
}

#[test]
fn ecosystem_keys() {
    let key = |s: &str| Purl::parse(s).map(|p| p.ecosystem_key()).expect("valid purl");
    assert_eq!(key("pkg:npm/%40angular/core@12?foo=bar"), ("npm".to_owned(), "@angular/core".to_owned()));
    assert_eq!(key("pkg:pypi/Django_Rest@1"), key("pkg:pypi/django-rest"));
    assert_eq!(key("pkg:nuget/Newtonsoft.Json@13"), key("pkg:nuget/newtonsoft.json"));
    assert_ne!(key("pkg:maven/a/B"), key("pkg:maven/a/b"));
}
