//! The behaviour of [`read_sbom`] on small hand-written documents: the
//! neutral model, direct versus transitive components, diagnostics with
//! locations, every kind of error, and that arbitrary bytes never panic.

use proptest::prelude::*;
use vulndesk_formats::sbom::{Location, ReadOptions, SbomError, SbomFormat, read_sbom, read_sbom_with};

const CDX: &str = r#"{
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "metadata": {"component": {"bom-ref": "app", "name": "app", "version": "1.0"}},
  "components": [
    {"bom-ref": "a", "name": "a", "version": "1", "purl": "pkg:npm/a@1",
     "hashes": [{"alg": "SHA-1", "content": "85ed0817af83a24ad8da68c2b5094de69833983c"}],
     "licenses": [{"license": {"id": "MIT"}}], "supplier": {"name": "Acme"},
     "components": [{"bom-ref": "a-inner", "name": "inner", "purl": "not a purl"}]},
    {"bom-ref": "b", "name": "b", "purl": "pkg:PYPI/Foo_Bar@2", "cpe": "cpe:2.3:a:x:b:2:*:*:*:*:*:*:*"},
    {"bom-ref": "c", "name": "c"}
  ],
  "dependencies": [
    {"ref": "app", "dependsOn": ["a"]},
    {"ref": "a", "dependsOn": ["b"]}
  ]
}"#;

#[test]
fn cyclonedx_json_into_the_neutral_model() {
    let (sbom, diagnostics) = read_sbom(CDX.as_bytes()).expect("imports");
    assert_eq!(sbom.format, SbomFormat::CycloneDxJson);
    assert_eq!(sbom.spec_version, "1.6");
    assert_eq!(sbom.roots, ["app"]);
    let refs: Vec<&str> = sbom.components.iter().map(|c| c.bom_ref.as_str()).collect();
    assert_eq!(refs, ["app", "a", "a-inner", "b", "c"]);
    let get = |r: &str| sbom.components.iter().find(|c| c.bom_ref == r).expect("component");
    assert_eq!(get("a").direct, Some(true));
    assert_eq!(get("b").direct, Some(false));
    assert_eq!(get("c").direct, None);
    assert_eq!(get("a").licenses, ["MIT"]);
    assert_eq!(get("a").supplier.as_deref(), Some("Acme"));
    assert_eq!(get("a").hashes.len(), 1);
    assert_eq!(get("b").purl.as_ref().map(ToString::to_string).as_deref(), Some("pkg:pypi/foo-bar@2"));
    // The invalid purl is a diagnostic with its JSON pointer; the component stays.
    assert!(get("a-inner").purl.is_none());
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0].location, Location::Pointer("/components/0/components/0/purl".into()));
}

#[test]
fn truncated_json_reports_line_and_column() {
    let cut = &CDX[..CDX.len() / 2];
    match read_sbom(cut.as_bytes()) {
        Err(SbomError::Json { line, column, .. }) => assert!(line > 1 && column > 0),
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

#[test]
fn unknown_versions_are_named() {
    let doc = CDX.replace("\"1.6\"", "\"2.9\"");
    let err = read_sbom(doc.as_bytes()).expect_err("2.9 is unknown");
    assert_eq!(err.to_string(), "unsupported CycloneDX JSON version \"2.9\"");
    let spdx = r#"{"spdxVersion": "SPDX-1.2", "SPDXID": "SPDXRef-DOCUMENT"}"#;
    let err = read_sbom(spdx.as_bytes()).expect_err("SPDX 1.2");
    assert!(err.to_string().contains("\"SPDX-1.2\""), "{err}");
    let xml = r#"<bom xmlns="http://cyclonedx.org/schema/bom/9.9"/>"#;
    let err = read_sbom(xml.as_bytes()).expect_err("9.9");
    assert!(err.to_string().contains("\"9.9\""), "{err}");
}

fn nested_json(levels: usize) -> String {
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
    for i in 0..levels {
        doc.push_str(&format!(r#"{{"name":"c{i}","components":["#));
    }
    for _ in 0..levels {
        doc.push_str("]}");
    }
    doc.push_str("]}");
    doc
}

#[test]
fn absurd_nesting_is_refused() {
    let err = read_sbom(nested_json(70).as_bytes()).expect_err("70 levels");
    assert!(matches!(err, SbomError::TooDeep { .. }), "{err:?}");
    assert!(read_sbom(nested_json(40).as_bytes()).is_ok());
    let options = ReadOptions { max_nesting: 5, ..ReadOptions::default() };
    let err = read_sbom_with(nested_json(8).as_bytes(), options).expect_err("limit 5");
    assert!(err.to_string().contains("more than 5 levels"), "{err}");

    let mut xml = String::from(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>"#);
    for i in 0..100 {
        xml.push_str(&format!("<component type=\"library\"><name>c{i}</name><components>"));
    }
    let err = read_sbom(xml.as_bytes()).expect_err("deep XML");
    assert!(matches!(err, SbomError::TooDeep { .. }), "{err:?}");
}

#[test]
fn inputs_over_the_limit_are_refused_before_parsing() {
    let options = ReadOptions { max_bytes: 10, ..ReadOptions::default() };
    let err = read_sbom_with(b"{ not even json, but long }", options).expect_err("too large");
    assert!(matches!(err, SbomError::TooLarge { size: 27, limit: 10 }), "{err:?}");
}

#[test]
fn cyclonedx_xml_and_spdx_tag_value() {
    let xml = r#"<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1">
  <metadata><component type="application" bom-ref="app"><name>app</name></component></metadata>
  <components>
    <component type="library" bom-ref="x"><name>x &amp; y</name><purl>pkg:maven/g/x@1</purl>
      <components><component type="library" bom-ref="x2"><name>x2</name><purl>pkg:bad</purl></component></components>
    </component>
  </components>
  <dependencies><dependency ref="app"><dependency ref="x"/></dependency></dependencies>
</bom>"#;
    let (sbom, diagnostics) = read_sbom(xml.as_bytes()).expect("imports");
    assert_eq!(sbom.format, SbomFormat::CycloneDxXml);
    assert_eq!(sbom.components.len(), 3);
    assert_eq!(sbom.components[1].name, "x & y");
    assert_eq!(sbom.components[1].direct, Some(true));
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0].location, Location::Line(6));

    let tv = "SPDXVersion: SPDX-2.3\nDocumentName: demo\nSPDXID: SPDXRef-DOCUMENT\n\
        PackageName: app\nSPDXID: SPDXRef-app\n\
        PackageName: lib\nSPDXID: SPDXRef-lib\nPackageVersion: 1.2\n\
        ExternalRef: PACKAGE-MANAGER purl pkg:cargo/lib@1.2\n\
        ExternalRef: SECURITY cpe23Type cpe:2.3:a:x:lib:1.2:*:*:*:*:*:*:*\n\
        PackageSupplier: Organization: Acme (x@y)\n\
        Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-app\n\
        Relationship: SPDXRef-lib DEPENDENCY_OF SPDXRef-app\n";
    let (sbom, diagnostics) = read_sbom(tv.as_bytes()).expect("imports");
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(sbom.roots, ["SPDXRef-app"]);
    let lib = &sbom.components[1];
    assert_eq!(lib.direct, Some(true));
    assert_eq!(lib.supplier.as_deref(), Some("Acme"));
    assert!(lib.cpe.is_some() && lib.purl.is_some());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_sbom(&bytes);
    }

    #[test]
    fn mangled_documents_never_panic(cut in 0usize..CDX.len(), byte in any::<u8>(), at in 0usize..CDX.len()) {
        let mut doc = CDX.as_bytes()[..cut].to_vec();
        if at < doc.len() {
            doc[at] = byte;
        }
        let _ = read_sbom(&doc);
        let mut xml = br#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component><name>a</name></component></components></bom>"#.to_vec();
        if at < xml.len() {
            xml[at] = byte;
        }
        let _ = read_sbom(&xml);
    }

    #[test]
    fn text_formats_never_panic(text in "(SPDXVersion: SPDX-2.3\n|spec_version: \"1.6\"\n)[ -~\n]{0,200}") {
        let _ = read_sbom(text.as_bytes());
    }
}
