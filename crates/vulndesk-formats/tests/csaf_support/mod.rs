//! Varied advisories for the CSAF tests and `examples/csaf_write.rs`: with and without a CVE,
//! CVSS v3.0, v3.1 and v4.0 scores, every product status, every TLP label, both profiles, a
//! draft without revisions and a zh-CN advisory in Chinese.

use vulndesk_formats::advisory::{
    AdvisoryDoc, DocStatus, Product, ProductState, ProductStatus, Profile, Publisher, Reference, Remediation,
    RemediationKind, Revision, Score, Tlp, Vulnerability,
};

fn product(id: &str, vendor: &str, name: &str, version: &str, purl: Option<&str>) -> Product {
    Product {
        id: id.to_owned(),
        vendor: vendor.to_owned(),
        name: name.to_owned(),
        version: version.to_owned(),
        purl: purl.map(str::to_owned),
    }
}

fn state(id: &str, status: ProductStatus) -> ProductState {
    ProductState { product_id: id.to_owned(), status }
}

fn revision(number: &str, date: &str, summary: &str) -> Revision {
    Revision { number: number.to_owned(), date: date.to_owned(), summary: summary.to_owned() }
}

fn reference(url: &str, summary: &str, is_self: bool) -> Reference {
    Reference { url: url.to_owned(), summary: summary.to_owned(), is_self }
}

fn base(id: &str, tlp: Tlp) -> AdvisoryDoc {
    AdvisoryDoc {
        id: id.to_owned(),
        title: "Heap overflow in Example Server's request parser".to_owned(),
        summary: "A crafted HTTP request can overflow a heap buffer in Example Server.".to_owned(),
        lang: "en".to_owned(),
        publisher: Publisher {
            name: "Example PSIRT".to_owned(),
            namespace: "https://psirt.example.com".to_owned(),
            contact: Some("psirt@example.com".to_owned()),
        },
        tlp,
        status: DocStatus::Final,
        version: "2".to_owned(),
        initial_release_date: "2026-11-20T08:00:00Z".to_owned(),
        current_release_date: "2026-11-25T08:00:00Z".to_owned(),
        revisions: vec![
            revision("1", "2026-11-20T08:00:00Z", "Initial release."),
            revision("2", "2026-11-25T08:00:00Z", "Added the fixed version."),
        ],
        products: vec![
            product("VDP-1", "Example Corp", "Example Server", "2.3.0", Some("pkg:generic/example-server@2.3.0")),
            product("VDP-2", "Example Corp", "Example Server", "2.3.1", Some("pkg:generic/example-server@2.3.1")),
        ],
        vulnerabilities: Vec::new(),
        references: vec![
            reference("https://psirt.example.com/advisories/vd-2026-0007", "This advisory", true),
            reference("https://example.com/releases/2.3.1", "Release notes of 2.3.1", false),
        ],
        packages: Vec::new(),
        acknowledgments: vec!["Example Research Team".to_owned()],
    }
}

fn vulnerability(cve: Option<&str>) -> Vulnerability {
    Vulnerability {
        cve: cve.map(str::to_owned),
        ids: vec![("vulndesk".to_owned(), "VD-CASE-42".to_owned())],
        title: "Heap overflow in the request parser".to_owned(),
        description: "The request parser copies header values into a fixed-size heap buffer without a length check."
            .to_owned(),
        cwe: Some(("CWE-122".to_owned(), "Heap-based Buffer Overflow".to_owned())),
        cvss_v3: None,
        cvss_v4: None,
        grade: None,
        discovery_date: Some("2026-10-01T00:00:00Z".to_owned()),
        release_date: Some("2026-11-20T08:00:00Z".to_owned()),
        acknowledgments: vec!["Alice Example".to_owned()],
        product_states: Vec::new(),
        remediations: Vec::new(),
        references: vec![reference("https://example.com/bugs/42", "Bug 42", false)],
    }
}

fn v31() -> Score {
    Score {
        vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".to_owned(),
        base_score: 9.8,
        severity: "CRITICAL".to_owned(),
    }
}

fn vendor_fix(ids: &[&str]) -> Remediation {
    Remediation {
        kind: RemediationKind::VendorFix,
        details: "Update to Example Server 2.3.1.".to_owned(),
        url: Some("https://example.com/download".to_owned()),
        product_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
        date: Some("2026-11-25T08:00:00Z".to_owned()),
    }
}

/// The advisories, each with a file-name stem and the profile to write it in.
pub(crate) fn sample_docs() -> Vec<(&'static str, AdvisoryDoc, Profile)> {
    let mut out = Vec::new();

    // A classic advisory: CVE, CVSS v3.1, affected and fixed versions, TLP:CLEAR.
    let mut doc = base("VD-2026-0007", Tlp::Clear);
    let mut v = vulnerability(Some("CVE-2026-10001"));
    v.cvss_v3 = Some(v31());
    v.grade = Some("超危".to_owned());
    v.product_states = vec![state("VDP-1", ProductStatus::KnownAffected), state("VDP-2", ProductStatus::Fixed)];
    v.remediations = vec![vendor_fix(&["VDP-1"])];
    doc.vulnerabilities = vec![v];
    out.push(("advisory-cve-v31-clear", doc, Profile::SecurityAdvisory));

    // No CVE, only a CVSS v4.0 vector; an unversioned product, a version range, TLP:GREEN,
    // interim status, a remediation without products and one under investigation.
    let mut doc = base("VD-2026-0008", Tlp::Green);
    doc.status = DocStatus::Interim;
    doc.products.push(product("VDP-3", "Example Corp", "Example Agent", "", None));
    doc.products.push(product("VDP-4", "", "Legacy Tool", "all versions before 1.4", None));
    let mut v = vulnerability(None);
    v.cwe = None;
    v.cvss_v4 = Some(Score {
        vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".to_owned(),
        base_score: 9.3,
        severity: "CRITICAL".to_owned(),
    });
    v.product_states = vec![
        state("VDP-1", ProductStatus::KnownAffected),
        state("VDP-4", ProductStatus::KnownAffected),
        state("VDP-2", ProductStatus::Fixed),
        state("VDP-3", ProductStatus::UnderInvestigation),
    ];
    v.remediations = vec![Remediation {
        kind: RemediationKind::Workaround,
        details: "Limit request headers to 8 KiB at the reverse proxy.".to_owned(),
        url: None,
        product_ids: Vec::new(),
        date: None,
    }];
    doc.vulnerabilities = vec![v];
    out.push(("advisory-no-cve-v4-green", doc, Profile::SecurityAdvisory));

    // VEX with every status: not affected with a justification and a statement, not affected
    // with neither, fixed, affected without a remediation, under investigation. TLP:AMBER.
    let mut doc = base("VD-2026-0009", Tlp::Amber);
    doc.products.push(product("VDP-3", "Example Corp", "Example Agent", "5.0", Some("pkg:generic/example-agent@5.0")));
    doc.products.push(product("VDP-5", "Other Vendor", "Gateway", "1.0", None));
    doc.products.push(product("VDP-6", "Other Vendor", "Gateway", "2.0", None));
    let mut v = vulnerability(Some("CVE-2026-10002"));
    v.cvss_v3 = Some(Score {
        vector: "CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N".to_owned(),
        base_score: 4.2,
        severity: "MEDIUM".to_owned(),
    });
    v.product_states = vec![
        state(
            "VDP-3",
            ProductStatus::KnownNotAffected {
                justification: "vulnerable_code_not_present".to_owned(),
                statement: "Example Agent does not include the request parser.".to_owned(),
            },
        ),
        state("VDP-5", ProductStatus::KnownNotAffected { justification: String::new(), statement: String::new() }),
        state("VDP-2", ProductStatus::Fixed),
        state("VDP-1", ProductStatus::KnownAffected),
        state("VDP-6", ProductStatus::UnderInvestigation),
    ];
    let mut second = vulnerability(None);
    second.title = "Information leak in error pages".to_owned();
    second.cwe =
        Some(("CWE-209".to_owned(), "Generation of Error Message Containing Sensitive Information".to_owned()));
    second.product_states = vec![
        state("VDP-1", ProductStatus::KnownAffected),
        state(
            "VDP-2",
            ProductStatus::KnownNotAffected {
                justification: "inline_mitigations_already_exist".to_owned(),
                statement: String::new(),
            },
        ),
    ];
    second.remediations = vec![Remediation {
        kind: RemediationKind::NoFixPlanned,
        details: "2.3.0 is out of support.".to_owned(),
        url: None,
        product_ids: vec!["VDP-1".to_owned()],
        date: None,
    }];
    doc.vulnerabilities = vec![v, second];
    out.push(("vex-all-states-amber", doc, Profile::Vex));

    // A zh-CN VEX document in Chinese, TLP:RED.
    let mut doc = base("VD-2026-0010", Tlp::Red);
    doc.lang = "zh-CN".to_owned();
    doc.title = "示例服务器请求解析器堆溢出漏洞".to_owned();
    doc.summary = "攻击者可通过特制的 HTTP 请求触发示例服务器的堆缓冲区溢出。".to_owned();
    doc.revisions = vec![
        revision("1", "2026-11-20T08:00:00Z", "首次发布。"),
        revision("2", "2026-11-25T08:00:00Z", "补充修复版本。"),
    ];
    doc.products[0].vendor = "示例公司".to_owned();
    doc.products[1].vendor = "示例公司".to_owned();
    let mut v = vulnerability(Some("CVE-2026-10003"));
    v.title = "请求解析器堆溢出".to_owned();
    v.description = "请求解析器在复制请求头时未检查长度，导致堆缓冲区溢出。".to_owned();
    v.ids = vec![("CNVD".to_owned(), "CNVD-2026-12345".to_owned())];
    v.cvss_v3 = Some(v31());
    v.grade = Some("超危".to_owned());
    v.acknowledgments = vec!["张三".to_owned()];
    v.product_states = vec![
        state("VDP-1", ProductStatus::KnownAffected),
        state(
            "VDP-2",
            ProductStatus::KnownNotAffected {
                justification: "vulnerable_code_not_in_execute_path".to_owned(),
                statement: "2.3.1 版本不再调用受影响的代码。".to_owned(),
            },
        ),
    ];
    v.remediations = vec![Remediation {
        kind: RemediationKind::VendorFix,
        details: "请升级到 2.3.1 版本。".to_owned(),
        url: None,
        product_ids: vec!["VDP-1".to_owned()],
        date: None,
    }];
    doc.vulnerabilities = vec![v];
    out.push(("vex-zh-cn-red", doc, Profile::Vex));

    // A draft without revisions (the writer adds one) and without references.
    let mut doc = base("VD-2026-0011", Tlp::Clear);
    doc.status = DocStatus::Draft;
    doc.version = "1".to_owned();
    doc.revisions = Vec::new();
    doc.references = Vec::new();
    doc.acknowledgments = Vec::new();
    let mut v = vulnerability(Some("CVE-2026-10004"));
    v.product_states = vec![state("VDP-1", ProductStatus::UnderInvestigation)];
    doc.vulnerabilities = vec![v];
    out.push(("advisory-draft-no-revisions", doc, Profile::SecurityAdvisory));

    out
}
