//! Tests about product and group ids and the product tree: 6.1.1 to 6.1.6, 6.1.13, 6.1.25,
//! 6.1.29, 6.1.31, 6.1.32 and 6.1.33.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Failures, group_members, items, strings, text, vulnerabilities};

/// A `full_product_name_t` with its path.
struct Defined<'a> {
    path: String,
    product: &'a Value,
}

/// Every full product name the product tree defines: branch products, `full_product_names` and
/// the products relationships define.
fn definitions(json: &Value) -> Vec<Defined<'_>> {
    fn walk<'a>(branches: &'a [Value], path: &str, out: &mut Vec<Defined<'a>>) {
        for (i, b) in branches.iter().enumerate() {
            let here = format!("{path}/{i}");
            if let Some(product) = b.get("product") {
                out.push(Defined { path: format!("{here}/product"), product });
            }
            walk(items(b.get("branches")), &format!("{here}/branches"), out);
        }
    }
    let mut out = Vec::new();
    walk(items(json.pointer("/product_tree/branches")), "/product_tree/branches", &mut out);
    for (i, p) in items(json.pointer("/product_tree/full_product_names")).iter().enumerate() {
        out.push(Defined { path: format!("/product_tree/full_product_names/{i}"), product: p });
    }
    for (i, r) in items(json.pointer("/product_tree/relationships")).iter().enumerate() {
        if let Some(product) = r.get("full_product_name") {
            out.push(Defined { path: format!("/product_tree/relationships/{i}/full_product_name"), product });
        }
    }
    out
}

const STATUS_LISTS: [&str; 8] = [
    "first_affected",
    "first_fixed",
    "fixed",
    "known_affected",
    "known_not_affected",
    "last_affected",
    "recommended",
    "under_investigation",
];

/// Every product id reference, with its path.
fn references(json: &Value) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for (i, g) in items(json.pointer("/product_tree/product_groups")).iter().enumerate() {
        for (j, id) in strings(g.get("product_ids")) {
            out.push((format!("/product_tree/product_groups/{i}/product_ids/{j}"), id));
        }
    }
    for (i, r) in items(json.pointer("/product_tree/relationships")).iter().enumerate() {
        for key in ["product_reference", "relates_to_product_reference"] {
            if let Some(id) = text(r, key) {
                out.push((format!("/product_tree/relationships/{i}/{key}"), id));
            }
        }
    }
    for (v, vuln) in vulnerabilities(json) {
        for list in STATUS_LISTS {
            for (j, id) in strings(vuln.get("product_status").and_then(|s| s.get(list))) {
                out.push((format!("/vulnerabilities/{v}/product_status/{list}/{j}"), id));
            }
        }
        for (key, member) in [
            ("remediations", "product_ids"),
            ("scores", "products"),
            ("threats", "product_ids"),
            ("flags", "product_ids"),
        ] {
            for (k, item) in items(vuln.get(key)).iter().enumerate() {
                for (j, id) in strings(item.get(member)) {
                    out.push((format!("/vulnerabilities/{v}/{key}/{k}/{member}/{j}"), id));
                }
            }
        }
    }
    out
}

pub(super) fn check(json: &Value, out: &mut Failures) {
    let defined = definitions(json);
    let ids: Vec<(&str, &str)> =
        defined.iter().filter_map(|d| Some((d.path.as_str(), text(d.product, "product_id")?))).collect();
    let id_set: BTreeSet<&str> = ids.iter().map(|(_, id)| *id).collect();

    // 6.1.1 Missing Definition of Product ID.
    for (path, id) in references(json) {
        if !id_set.contains(id) {
            out.push("6.1.1", path, format!("product id {id:?} is not defined in the product tree"));
        }
    }

    // 6.1.2 Multiple Definition of Product ID.
    let mut seen = BTreeSet::new();
    for (path, id) in &ids {
        if !seen.insert(*id) {
            out.push("6.1.2", format!("{path}/product_id"), format!("product id {id:?} is defined more than once"));
        }
    }

    circular_relationships(json, out);
    groups(json, out);
    contradicting_status(json, out);

    for d in &defined {
        let helper = d.product.get("product_identification_helper");
        // 6.1.13 PURL.
        if let Some(purl) = helper.and_then(|h| text(h, "purl"))
            && let Err(err) = crate::purl::Purl::parse(purl)
        {
            out.push(
                "6.1.13",
                format!("{}/product_identification_helper/purl", d.path),
                format!("invalid package URL: {err}"),
            );
        }
        // 6.1.25 Multiple Use of Same Hash Algorithm.
        for (h, hash) in items(helper.and_then(|h| h.get("hashes"))).iter().enumerate() {
            let mut algorithms = BTreeSet::new();
            for (f, file_hash) in items(hash.get("file_hashes")).iter().enumerate() {
                if let Some(algorithm) = text(file_hash, "algorithm")
                    && !algorithms.insert(algorithm)
                {
                    out.push(
                        "6.1.25",
                        format!("{}/product_identification_helper/hashes/{h}/file_hashes/{f}", d.path),
                        format!("hash algorithm {algorithm:?} is used more than once for this file"),
                    );
                }
            }
        }
    }

    for (v, vuln) in vulnerabilities(json) {
        // 6.1.29 Remediation without Product Reference; 6.1.32 Flag without Product Reference.
        for (key, test) in [("remediations", "6.1.29"), ("flags", "6.1.32")] {
            for (i, item) in items(vuln.get(key)).iter().enumerate() {
                if item.is_object() && item.get("product_ids").is_none() && item.get("group_ids").is_none() {
                    out.push(
                        test,
                        format!("/vulnerabilities/{v}/{key}/{i}"),
                        "names neither product_ids nor group_ids",
                    );
                }
            }
        }
        // 6.1.33 Multiple Flags with VEX Justification Codes per Product.
        let mut flagged = BTreeSet::new();
        for (i, flag) in items(vuln.get("flags")).iter().enumerate() {
            let mut members: Vec<&str> = strings(flag.get("product_ids")).map(|(_, id)| id).collect();
            for (_, g) in strings(flag.get("group_ids")) {
                members.extend(group_members(json, g));
            }
            let mut reported = false;
            for id in members {
                if !flagged.insert(id) && !reported {
                    reported = true;
                    out.push(
                        "6.1.33",
                        format!("/vulnerabilities/{v}/flags/{i}"),
                        format!("product {id:?} already has a flag with a VEX justification code"),
                    );
                }
            }
        }
    }

    version_ranges(items(json.pointer("/product_tree/branches")), "/product_tree/branches", out);
}

/// 6.1.3 Circular Definition of Product ID: a relationship whose product is, directly or through
/// other relationships, one of the products it relates.
fn circular_relationships(json: &Value, out: &mut Failures) {
    let relationships = items(json.pointer("/product_tree/relationships"));
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in relationships {
        if let Some(id) = r.get("full_product_name").and_then(|p| text(p, "product_id")) {
            let refs = edges.entry(id).or_default();
            refs.extend(["product_reference", "relates_to_product_reference"].iter().filter_map(|k| text(r, k)));
        }
    }
    for (i, r) in relationships.iter().enumerate() {
        let Some(id) = r.get("full_product_name").and_then(|p| text(p, "product_id")) else { continue };
        let mut stack: Vec<&str> = edges.get(id).cloned().unwrap_or_default();
        let mut visited = BTreeSet::new();
        while let Some(next) = stack.pop() {
            if next == id {
                out.push(
                    "6.1.3",
                    format!("/product_tree/relationships/{i}"),
                    format!("product id {id:?} is defined in terms of itself"),
                );
                break;
            }
            if visited.insert(next) {
                stack.extend(edges.get(next).into_iter().flatten());
            }
        }
    }
}

/// 6.1.4 Missing Definition of Product Group ID and 6.1.5 Multiple Definition of Product Group ID.
fn groups(json: &Value, out: &mut Failures) {
    let mut defined = BTreeSet::new();
    for (i, g) in items(json.pointer("/product_tree/product_groups")).iter().enumerate() {
        if let Some(id) = text(g, "group_id")
            && !defined.insert(id)
        {
            out.push(
                "6.1.5",
                format!("/product_tree/product_groups/{i}/group_id"),
                format!("product group id {id:?} is defined more than once"),
            );
        }
    }
    for (v, vuln) in vulnerabilities(json) {
        for key in ["flags", "remediations", "threats"] {
            for (k, item) in items(vuln.get(key)).iter().enumerate() {
                for (j, id) in strings(item.get("group_ids")) {
                    if !defined.contains(id) {
                        out.push(
                            "6.1.4",
                            format!("/vulnerabilities/{v}/{key}/{k}/group_ids/{j}"),
                            format!("product group id {id:?} is not defined"),
                        );
                    }
                }
            }
        }
    }
}

/// 6.1.6 Contradicting Product Status: a product in more than one of the groups affected,
/// not affected, fixed and under investigation.
fn contradicting_status(json: &Value, out: &mut Failures) {
    const GROUPS: [&[&str]; 4] = [
        &["first_affected", "known_affected", "last_affected"],
        &["known_not_affected"],
        &["first_fixed", "fixed"],
        &["under_investigation"],
    ];
    for (v, vuln) in vulnerabilities(json) {
        let Some(status) = vuln.get("product_status") else { continue };
        let sets: Vec<BTreeSet<&str>> = GROUPS
            .iter()
            .map(|lists| lists.iter().flat_map(|l| strings(status.get(*l)).map(|(_, id)| id)).collect())
            .collect();
        for (i, set) in sets.iter().enumerate() {
            for id in set {
                if sets[i + 1..].iter().any(|later| later.contains(id)) {
                    out.push(
                        "6.1.6",
                        format!("/vulnerabilities/{v}/product_status"),
                        format!("product id {id:?} is in contradicting product status groups"),
                    );
                }
            }
        }
    }
}

/// 6.1.31 Version Range in Product Version: a `product_version` branch whose name has a range
/// operator or one of the specification's range words.
fn version_ranges(branches: &[Value], path: &str, out: &mut Failures) {
    const WORDS: [&str; 7] = ["after", "all", "before", "earlier", "later", "prior", "versions"];
    for (i, b) in branches.iter().enumerate() {
        if text(b, "category") == Some("product_version")
            && let Some(name) = text(b, "name")
        {
            let lower = name.to_lowercase();
            if ["<", "<=", ">", ">="].iter().any(|op| lower.contains(op))
                || lower.split_whitespace().any(|w| WORDS.contains(&w))
            {
                out.push("6.1.31", format!("{path}/{i}/name"), format!("product version {name:?} is a range"));
            }
        }
        version_ranges(items(b.get("branches")), &format!("{path}/{i}/branches"), out);
    }
}
