//! Times [`read_sbom`] on a synthetic CycloneDX 1.6 JSON document of 20,000
//! components, generated in memory, and prints components per second.
//!
//! Run it optimised: `cargo run --release -p vulndesk-formats --example
//! sbom_parse_bench`.

use std::fmt::Write as _;
use std::time::Instant;

use vulndesk_formats::sbom::read_sbom;

/// How many components the document has.
const COMPONENTS: usize = 20_000;

/// How many times the document is parsed; the best run is reported.
const RUNS: usize = 5;

fn document() -> String {
    let mut doc = String::from(
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"component":{"type":"application","bom-ref":"root","name":"bench-app","version":"1.0.0"}},"components":["#,
    );
    for i in 0..COMPONENTS {
        if i > 0 {
            doc.push(',');
        }
        let _ = write!(
            doc,
            r#"{{"type":"library","bom-ref":"c{i}","group":"org.example{g}","name":"lib-{i}","version":"{major}.{minor}.0","purl":"pkg:maven/org.example{g}/lib-{i}@{major}.{minor}.0?type=jar","hashes":[{{"alg":"SHA-256","content":"{hash:064x}"}}],"licenses":[{{"license":{{"id":"Apache-2.0"}}}}],"supplier":{{"name":"Example {g}"}},"description":"Synthetic component number {i} for the parse benchmark"}}"#,
            g = i % 50,
            major = i % 7,
            minor = i % 13,
            hash = i,
        );
    }
    doc.push_str(r#"],"dependencies":[{"ref":"root","dependsOn":["#);
    for i in 0..100 {
        if i > 0 {
            doc.push(',');
        }
        let _ = write!(doc, r#""c{i}""#);
    }
    doc.push_str("]}");
    for i in 100..COMPONENTS {
        let _ = write!(doc, r#",{{"ref":"c{}","dependsOn":["c{i}"]}}"#, i % 100);
    }
    doc.push_str("]}");
    doc
}

fn main() {
    let doc = document();
    let mut best = f64::INFINITY;
    let mut count = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        match read_sbom(doc.as_bytes()) {
            Ok((sbom, diagnostics)) => {
                count = sbom.components.len();
                assert!(diagnostics.is_empty(), "unexpected diagnostics: {:?}", diagnostics.first());
            }
            Err(e) => panic!("the synthetic document does not import: {e}"),
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "parsed {count} components ({:.1} MiB of CycloneDX 1.6 JSON) in {:.1} ms: {:.0} components/s (best of {RUNS})",
        doc.len() as f64 / (1024.0 * 1024.0),
        best * 1000.0,
        count as f64 / best,
    );
}
