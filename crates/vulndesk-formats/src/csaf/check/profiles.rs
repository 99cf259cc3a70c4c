//! The profile tests 6.1.27.1 to 6.1.27.11 and the document-level tests 6.1.23 (CVE used
//! twice), 6.1.24 (involvements) and 6.1.26 (prohibited document category name).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Failures, covers, items, strings, text, vulnerabilities};

pub(super) fn check(json: &Value, out: &mut Failures) {
    let category = json.pointer("/document/category").and_then(Value::as_str);
    prohibited_category(category, out);
    let mut cves = BTreeSet::new();
    for (v, vuln) in vulnerabilities(json) {
        // 6.1.23 Multiple Use of Same CVE.
        if let Some(cve) = text(vuln, "cve")
            && !cves.insert(cve)
        {
            out.push(
                "6.1.23",
                format!("/vulnerabilities/{v}/cve"),
                format!("{cve} is used by an earlier vulnerability"),
            );
        }
        // 6.1.24 Multiple Definition in Involvements.
        let mut seen = BTreeSet::new();
        for (i, inv) in items(vuln.get("involvements")).iter().enumerate() {
            if let (Some(date), Some(party)) = (text(inv, "date"), text(inv, "party"))
                && !seen.insert((date, party))
            {
                out.push(
                    "6.1.24",
                    format!("/vulnerabilities/{v}/involvements/{i}"),
                    format!("party {party:?} already has an involvement dated {date}"),
                );
            }
        }
    }
    match category {
        Some("csaf_security_incident_response") => {
            notes_and_references(json, out);
        }
        Some("csaf_informational_advisory") => {
            notes_and_references(json, out);
            // 6.1.27.3 Vulnerabilities.
            if json.get("vulnerabilities").is_some() {
                out.push("6.1.27.3", "/vulnerabilities", "an informational advisory has no vulnerabilities");
            }
        }
        Some("csaf_security_advisory") => {
            advisory_common(json, out);
            // 6.1.27.6 Product Status.
            for (v, vuln) in vulnerabilities(json) {
                if vuln.get("product_status").is_none() {
                    out.push("6.1.27.6", format!("/vulnerabilities/{v}"), "needs a product_status");
                }
            }
        }
        Some("csaf_vex") => {
            advisory_common(json, out);
            vex(json, out);
        }
        _ => {}
    }
}

/// 6.1.26 Prohibited Document Category Name.
fn prohibited_category(category: Option<&str>, out: &mut Failures) {
    const PROFILES: [&str; 5] = [
        "csaf_base",
        "csaf_security_incident_response",
        "csaf_informational_advisory",
        "csaf_security_advisory",
        "csaf_vex",
    ];
    // The other profiles' names and categories, without dashes, whitespace and underscores.
    const SIMILAR: [&str; 8] = [
        "securityincidentresponse",
        "informationaladvisory",
        "securityadvisory",
        "vex",
        "csafsecurityincidentresponse",
        "csafinformationaladvisory",
        "csafsecurityadvisory",
        "csafvex",
    ];
    let Some(category) = category else { return };
    if PROFILES.contains(&category) {
        return;
    }
    if category.to_lowercase().starts_with("csaf_") {
        out.push("6.1.26", "/document/category", format!("{category:?} uses the reserved prefix csaf_"));
        return;
    }
    let squeezed: String =
        category.chars().filter(|c| !(c.is_whitespace() || *c == '-' || *c == '_')).collect::<String>().to_lowercase();
    if SIMILAR.contains(&squeezed.as_str()) {
        out.push("6.1.26", "/document/category", format!("{category:?} is too close to a profile's name"));
    }
}

/// 6.1.27.1 Document Notes and 6.1.27.2 Document References.
fn notes_and_references(json: &Value, out: &mut Failures) {
    let notes = items(json.pointer("/document/notes"));
    if !notes.iter().any(|n| matches!(text(n, "category"), Some("description" | "details" | "general" | "summary"))) {
        out.push("6.1.27.1", "/document/notes", "needs a note of category description, details, general or summary");
    }
    if !items(json.pointer("/document/references")).iter().any(|r| text(r, "category") == Some("external")) {
        out.push("6.1.27.2", "/document/references", "needs a reference of category external");
    }
}

/// 6.1.27.4 Product Tree, 6.1.27.5 Vulnerability Notes and 6.1.27.11 Vulnerabilities, shared
/// by the security advisory and VEX profiles.
fn advisory_common(json: &Value, out: &mut Failures) {
    if json.get("product_tree").is_none() {
        out.push("6.1.27.4", "", "needs a product_tree");
    }
    if json.get("vulnerabilities").is_none() {
        out.push("6.1.27.11", "", "needs vulnerabilities");
    }
    for (v, vuln) in vulnerabilities(json) {
        if vuln.get("notes").is_none() {
            out.push("6.1.27.5", format!("/vulnerabilities/{v}"), "needs notes");
        }
    }
}

/// 6.1.27.7 VEX Product Status, 6.1.27.8 Vulnerability ID, 6.1.27.9 Impact Statement and
/// 6.1.27.10 Action Statement.
fn vex(json: &Value, out: &mut Failures) {
    for (v, vuln) in vulnerabilities(json) {
        match vuln.get("product_status") {
            None => out.push("6.1.27.7", format!("/vulnerabilities/{v}"), "needs a product_status"),
            Some(status) => {
                if !["fixed", "known_affected", "known_not_affected", "under_investigation"]
                    .iter()
                    .any(|k| status.get(*k).is_some_and(Value::is_array))
                {
                    out.push(
                        "6.1.27.7",
                        format!("/vulnerabilities/{v}/product_status"),
                        "needs fixed, known_affected, known_not_affected or under_investigation",
                    );
                }
            }
        }
        if vuln.get("cve").is_none() && vuln.get("ids").is_none() {
            out.push("6.1.27.8", format!("/vulnerabilities/{v}"), "needs a cve or ids");
        }
        let status = vuln.get("product_status");
        for (i, id) in strings(status.and_then(|s| s.get("known_not_affected"))) {
            let threat =
                items(vuln.get("threats")).iter().any(|t| text(t, "category") == Some("impact") && covers(json, t, id));
            let flag = items(vuln.get("flags")).iter().any(|f| covers(json, f, id));
            if !threat && !flag {
                out.push(
                    "6.1.27.9",
                    format!("/vulnerabilities/{v}/product_status/known_not_affected/{i}"),
                    format!("product {id:?} has no impact statement (a flag or an impact threat)"),
                );
            }
        }
        for (i, id) in strings(status.and_then(|s| s.get("known_affected"))) {
            if !items(vuln.get("remediations")).iter().any(|r| covers(json, r, id)) {
                out.push(
                    "6.1.27.10",
                    format!("/vulnerabilities/{v}/product_status/known_affected/{i}"),
                    format!("product {id:?} has no action statement (a remediation)"),
                );
            }
        }
    }
}
