//! First start and demo data: the initial administrator, and the demo data set of
//! `demo/demo.toml` loaded into an empty database.

use anyhow::Context;
use serde::Deserialize;
use vulndesk_core::audit::AuditContext;
use vulndesk_core::intake::{Program, ProgramScope};
use vulndesk_core::{
    AttachmentId, Locale, OrgId, OrgKind, PersonRole, ProgramId, ReportId, Slug, Timestamp, UserId, Username,
};
use vulndesk_store::{NewOrganisation, NewUser, Store, StoreError};

const ADMIN: &str = "admin";

/// A random password of 20 letters and digits (about 119 bits).
fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    (0..20).map(|_| ALPHABET[usize::from(rand::random::<u8>()) % ALPHABET.len()] as char).collect()
}

/// Creates the `admin` account when the database has no accounts yet. Returns what to tell the
/// person starting the server, once.
pub(crate) async fn ensure_admin(
    store: &Store,
    ctx: &AuditContext,
    configured: Option<&str>,
) -> anyhow::Result<Option<String>> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let (password, from_config) = match configured {
        Some(p) if p.chars().count() >= 12 => (p.to_owned(), true),
        Some(_) => anyhow::bail!("admin_password (VULNDESK_ADMIN_PASSWORD) must be at least 12 characters long"),
        None => (random_password(), false),
    };
    let new = NewUser {
        id: UserId::mint(ctx.at, rand::random()),
        username: Username::parse(ADMIN).context("admin username")?,
        display_name: "Administrator".into(),
        email: String::new(),
        password_hash: vulndesk_web::hash_password(&password).map_err(anyhow::Error::msg)?,
        site_admin: true,
        locale: None,
    };
    match store.create_user(&new, ctx).await {
        Ok(_) => {}
        // Another instance created it first.
        Err(StoreError::Conflict(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    Ok(Some(if from_config {
        "first start: log in as admin with the password from VULNDESK_ADMIN_PASSWORD".to_owned()
    } else {
        format!(
            "first start: log in as admin with the one-time password {password}\n(it is shown only now; change it under My account, or reset it with `vulndesk admin reset-password --user admin`)"
        )
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoSet {
    organisations: Vec<DemoOrg>,
    users: Vec<DemoUser>,
    #[serde(default)]
    filings: Vec<DemoFiling>,
    #[serde(default)]
    programs: Vec<DemoProgram>,
    #[serde(default)]
    security_txt: Vec<DemoSecurityTxt>,
    #[serde(default)]
    reports: Vec<DemoReport>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoFiling {
    org: String,
    filing_number: String,
    filed_on: String,
    platform_name: String,
    homepage_url: String,
    icp_number: String,
    sponsor: String,
    contact: String,
    rules: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoProgram {
    org: String,
    slug: String,
    name: String,
    scope: String,
    scope_note: String,
    anonymous: bool,
    ack_sla_hours: u32,
    policy_zh: String,
    policy_en: String,
    safe_harbour_zh: String,
    safe_harbour_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoSecurityTxt {
    org: String,
    contact: Vec<String>,
    policy_path: String,
    preferred_languages: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoReport {
    program: String,
    title: String,
    product: String,
    version: String,
    cwe: String,
    description: String,
    reproduction: String,
    impact: String,
    contact: String,
    credit_name: String,
    language: String,
    #[serde(default)]
    attachment_tag: Option<String>,
    #[serde(default)]
    attachment_name: Option<String>,
    #[serde(default)]
    attachment_text: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoOrg {
    slug: String,
    name: String,
    kinds: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoUser {
    username: String,
    display_name: String,
    email: String,
    roles: Vec<(String, String)>,
}

const DEMO: &str = include_str!("../../../demo/demo.toml");
const DEMO_MARK: &str = "demo_loaded";

/// Loads the demo data set once, into a database that has no organisations yet. Returns what to
/// tell the person starting the server.
pub(crate) async fn load_demo(
    store: &Store,
    clock: std::sync::Arc<dyn vulndesk_core::Clock>,
    ctx: &AuditContext,
    configured: Option<&str>,
    public_url: &str,
) -> anyhow::Result<Option<String>> {
    if store.setting(DEMO_MARK).await?.is_some() {
        return Ok(Some("demo data was loaded earlier".into()));
    }
    if !store.list_orgs().await?.is_empty() {
        return Ok(Some("--demo ignored: the database already has organisations".into()));
    }
    if !store.set_setting_once(DEMO_MARK, &ctx.at.to_rfc3339()).await? {
        return Ok(None);
    }
    let set: DemoSet = toml::from_str(DEMO).context("demo/demo.toml")?;
    let password = configured.map_or_else(random_password, str::to_owned);
    let hash = vulndesk_web::hash_password(&password).map_err(anyhow::Error::msg)?;
    let mut orgs = Vec::new();
    for o in &set.organisations {
        let kinds = o
            .kinds
            .iter()
            .map(|k| OrgKind::parse(k).with_context(|| format!("demo organisation {}: kind {k:?}", o.slug)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let new = NewOrganisation {
            id: OrgId::mint(ctx.at, rand::random()),
            slug: Slug::parse(&o.slug).with_context(|| format!("demo slug {}", o.slug))?,
            name: o.name.clone(),
            kinds,
        };
        orgs.push(store.create_org(&new, ctx).await?);
    }
    let mut names = Vec::new();
    for u in &set.users {
        let user = store
            .create_user(
                &NewUser {
                    id: UserId::mint(ctx.at, rand::random()),
                    username: Username::parse(&u.username).with_context(|| format!("demo user {}", u.username))?,
                    display_name: u.display_name.clone(),
                    email: u.email.clone(),
                    password_hash: hash.clone(),
                    site_admin: false,
                    locale: None,
                },
                ctx,
            )
            .await?;
        for (slug, role) in &u.roles {
            let org = orgs
                .iter()
                .find(|o| o.slug.as_str() == slug)
                .with_context(|| format!("demo user {}: organisation {slug}", u.username))?;
            let role = PersonRole::parse(role).with_context(|| format!("demo user {}: role {role}", u.username))?;
            store.add_membership(org.id, user.id, role, ctx).await?;
        }
        names.push(u.username.clone());
    }
    let find_org = |slug: &str| {
        orgs.iter().find(|o| o.slug.as_str() == slug).with_context(|| format!("demo: organisation {slug}"))
    };
    for f in &set.filings {
        let org = find_org(&f.org)?;
        let filing = vulndesk_core::intake::Filing {
            filing_number: f.filing_number.clone(),
            filed_on: f.filed_on.clone(),
            platform_name: f.platform_name.clone(),
            homepage_url: f.homepage_url.clone(),
            icp_number: f.icp_number.clone(),
            sponsor: f.sponsor.clone(),
            contact: f.contact.clone(),
            rules: f.rules.clone(),
        };
        store.set_filing(org.id, &filing, ctx).await?;
    }
    let mut programs = Vec::new();
    for p in &set.programs {
        let org = find_org(&p.org)?;
        let scope =
            ProgramScope::parse(&p.scope).with_context(|| format!("demo program {}: scope {}", p.slug, p.scope))?;
        vulndesk_core::intake::may_open_program(&org.kinds, scope, store.filing_of(org.id).await?.is_some(), false)
            .with_context(|| format!("demo program {}", p.slug))?;
        let program = Program {
            id: ProgramId::mint(ctx.at, rand::random()),
            org: org.id,
            slug: Slug::parse(&p.slug).with_context(|| format!("demo program slug {}", p.slug))?,
            name: p.name.clone(),
            scope,
            scope_note: p.scope_note.clone(),
            policy_zh: p.policy_zh.trim().to_owned(),
            policy_en: p.policy_en.trim().to_owned(),
            safe_harbour_zh: p.safe_harbour_zh.clone(),
            safe_harbour_en: p.safe_harbour_en.clone(),
            anonymous: p.anonymous,
            ack_sla_hours: p.ack_sla_hours,
            languages: Locale::ALL.to_vec(),
            filing_exempt: false,
            closed_reason: None,
            created_at: ctx.at,
        };
        store.create_program(&program, ctx).await?;
        programs.push(program);
    }
    for t in &set.security_txt {
        let org = find_org(&t.org)?;
        let base = public_url.trim_end_matches('/');
        let settings = vulndesk_store::intake::SecurityTxtSettings {
            contact: t.contact.clone(),
            expires_at: ctx.at.plus(std::time::Duration::from_secs(300 * 86_400)),
            policy_url: if base.starts_with("https://") { format!("{base}{}", t.policy_path) } else { String::new() },
            acknowledgments_url: String::new(),
            preferred_languages: t.preferred_languages.clone(),
            canonical_url: if base.starts_with("https://") {
                format!("{base}/.well-known/security.txt")
            } else {
                String::new()
            },
        };
        store.set_security_txt(org.id, &settings, ctx).await?;
    }
    let mut report_ids = Vec::new();
    for r in &set.reports {
        let program = programs
            .iter()
            .find(|p| p.slug.as_str() == r.program)
            .with_context(|| format!("demo report: program {}", r.program))?;
        report_ids.push((program.org, submit_demo_report(store, ctx, program, r).await?));
    }
    let mut cases = demo_cases(store, ctx, &report_ids).await?;
    let mut advisories = Vec::new();
    if let Some((org, _)) = report_ids.first().copied() {
        demo_catalogue(store, ctx, org).await?;
        demo_every_state(store, ctx, org).await?;
        cases += 5;
        demo_authority_report(store, ctx, org).await?;
        demo_sharing(store, ctx).await?;
        let web = vulndesk_web::WebConfig {
            public_url: Some(public_url.trim_end_matches('/').to_owned()),
            ..vulndesk_web::WebConfig::default()
        };
        let state = vulndesk_web::AppState::new(store.clone(), clock, web);
        advisories = demo_advisories(&state, ctx, org).await?;
        demo_rewards(&state, &report_ids).await?;
        demo_operator(&state, ctx, public_url).await?;
    }
    Ok(Some(format!(
        "demo data loaded: {} organisations, {} programs, {} reports, {} cases, advisories {} published; demo accounts {} log in with the password {}",
        orgs.len(),
        programs.len(),
        set.reports.len(),
        cases,
        advisories.join(", "),
        names.join(", "),
        if configured.is_some() { "from VULNDESK_DEMO_PASSWORD".to_owned() } else { password }
    )))
}

/// Metro Transit, the operator of the scenarios: it follows Demo Networks' CSAF feed and runs
/// AX3000 routers in its stations and EdgeGate gateways. Its copy of the feed is seeded with the
/// documents this deployment serves (the same bytes, hashes and signatures a first pull would
/// fetch and check); later pulls go over HTTP and check everything. The re-match then gives the
/// findings, which the demo moves through remediation: one being remediated, one remediated by
/// a firmware upgrade in the inventory (confirmed by the re-match), one risk accepted for a
/// maintenance window, one closed by Demo Networks' VEX.
async fn demo_operator(state: &vulndesk_web::AppState, ctx: &AuditContext, public_url: &str) -> anyhow::Result<()> {
    use vulndesk_store::assets::Asset;
    let store = &state.store;
    let org = store.org_by_slug("metro-transit").await?.context("demo organisation metro-transit")?;
    let base = public_url.trim_end_matches('/');
    let feed = demo_id().to_string();
    store
        .add_feed(org.id, &feed, "Demo Networks", &format!("{base}/.well-known/csaf/provider-metadata.json"), ctx)
        .await?;
    let mut documents = store.current_documents("csaf").await?;
    documents.extend(store.current_documents("csaf_vex").await?);
    for d in documents.into_iter().filter(|d| d.tlp == "CLEAR") {
        let json: serde_json::Value = serde_json::from_str(&d.body)?;
        let doc = vulndesk_store::feeds::FeedDocument {
            url: format!("{base}/.well-known/csaf/white/{}", d.path),
            tracking_id: json["document"]["tracking"]["id"].as_str().unwrap_or_default().to_owned(),
            title: d.title.clone(),
            current_release_date: json["document"]["tracking"]["current_release_date"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            sha256: d.sha256.clone(),
            document: d.body.clone(),
        };
        store.accept_feed_document(&feed, &doc, ctx.at).await?;
    }
    store.record_feed_run(&feed, ctx.at, None).await?;
    let asset =
        |name: &str, exposure: &str, level: i64, cii: bool, product: &str, model: &str, version: &str, n: u8| Asset {
            id: demo_id().to_string(),
            org: org.id,
            name: name.to_owned(),
            hostnames: format!("{name}.net.metro-transit.example"),
            addresses: format!("10.20.{n}.1"),
            owner: "网络运维中心 NOC".into(),
            location: format!("Line 2, station {n}"),
            exposure: exposure.to_owned(),
            protection_level: level,
            critical_infrastructure: cii,
            vendor: "Demo Networks".into(),
            product: product.to_owned(),
            model: model.to_owned(),
            version: version.to_owned(),
            components: String::new(),
            created_at: ctx.at,
        };
    let mut assets = vec![
        asset("st-01-ar", "internet_facing", 3, false, "AX3000", "AX3000", "2.1.4", 1),
        asset("st-02-ar", "internet_facing", 3, false, "AX3000", "AX3000", "2.1.4", 2),
        asset("st-03-ar", "internal", 3, false, "AX3000", "AX3000", "2.1.4", 3),
        asset("st-04-ar", "internal", 3, false, "AX3000", "AX3000", "2.1.3", 4),
        asset("st-05-ar", "internal", 3, false, "AX3000", "AX3000-Pro", "2.1.4", 5),
        asset("st-06-ar", "internal", 3, false, "AX3000", "AX3000", "2.1.5", 6),
        asset("sig-eg-01", "internal", 4, true, "EdgeGate", "EdgeGate", "1.4.0", 11),
        asset("sig-eg-02", "internal", 3, false, "EdgeGate", "EdgeGate", "1.4.0", 12),
    ];
    let mut portal = asset("fare-portal", "internet_facing", 3, false, "", "", "", 30);
    portal.vendor = "Metro Transit IT".into();
    portal.components = "pkg:npm/lodash@4.17.20\npkg:pypi/django@4.1".into();
    assets.push(portal);
    let wang = store.user_by_username("wang.fang").await?.context("demo user wang.fang")?.user;
    let liu = store.user_by_username("liu.yang").await?.context("demo user liu.yang")?.user;
    let as_user = |u: &vulndesk_core::User| AuditContext { at: ctx.at, actor: u.id.to_string(), source: String::new() };
    store.put_assets(org.id, &assets, &as_user(&wang)).await?;
    let osv = state.osv_cache();
    vulndesk_jobs::findings::rematch(store, &osv, org.id, ctx).await?;
    let findings = store.findings_of(org.id).await?;
    let on = |asset: &str| {
        findings.iter().find(|f| f.asset_name == asset).with_context(|| format!("demo: no finding on {asset}"))
    };
    let st01 = on("st-01-ar")?;
    store.move_finding(org.id, &st01.id, ("verifying", "remediating"), "", None, &as_user(&liu)).await?;
    let eg01 = on("sig-eg-01")?;
    store
        .move_finding(
            org.id,
            &eg01.id,
            ("verifying", "accepted"),
            "信号专网隔离，管理页面不可达；三月检修窗口升级 Isolated signalling VLAN; upgrade in the March maintenance window",
            Some(ctx.at.plus(std::time::Duration::from_secs(30 * 86_400))),
            &as_user(&wang),
        )
        .await?;
    // Station 3 is upgraded: the inventory says 2.1.5 and the re-match closes and confirms it.
    let mut st03 = assets.iter().find(|a| a.name == "st-03-ar").context("st-03-ar")?.clone();
    st03.version = "2.1.5".into();
    store.put_assets(org.id, &[st03], &as_user(&liu)).await?;
    // Demo Networks' VEX for the EdgeGate build Metro Transit runs on sig-eg-02.
    let vex = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b80", "version": 1,
        "components": [{"bom-ref": "eg-140", "type": "firmware", "name": "EdgeGate", "version": "1.4.0", "supplier": {"name": "Demo Networks"}}],
        "vulnerabilities": [{"id": "VD-2026-0002", "analysis": {"state": "not_affected",
            "justification": "requires_configuration",
            "detail": "The management page is disabled in the transit build (web_admin=off)."},
            "affects": [{"ref": "eg-140"}]}]
    })
    .to_string();
    store
        .add_vex_document(
            org.id,
            &vulndesk_store::findings::VexDocument {
                id: demo_id().to_string(),
                name: "Demo Networks VEX: EdgeGate transit build".into(),
                format: "cyclonedx".into(),
                sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(vex.as_bytes())),
                document: vex,
                uploaded_at: ctx.at,
                uploaded_by: wang.id.to_string(),
            },
            &as_user(&wang),
        )
        .await?;
    vulndesk_jobs::findings::rematch(store, &osv, org.id, ctx).await?;
    Ok(())
}

/// Submits a demo report through the same durable intake path as the web form.
async fn submit_demo_report(
    store: &Store,
    ctx: &AuditContext,
    program: &Program,
    r: &DemoReport,
) -> anyhow::Result<ReportId> {
    use vulndesk_core::intake::{AttachmentTag, Channel, Report, ReportStatus};
    use vulndesk_store::intake::{Inbound, InboundKind, NewAttachment};
    let attachments: Vec<NewAttachment> = match (&r.attachment_tag, &r.attachment_name, &r.attachment_text) {
        (Some(tag), Some(name), Some(text)) => vec![NewAttachment {
            id: AttachmentId::mint(ctx.at, rand::random()),
            tag: AttachmentTag::parse(tag).with_context(|| format!("demo attachment tag {tag}"))?,
            filename: name.clone(),
            content_type: "text/plain".into(),
            content: text.as_bytes().to_vec(),
        }],
        _ => Vec::new(),
    };
    let report_id = ReportId::mint(ctx.at, rand::random());
    let report = Report {
        id: report_id,
        program: program.id,
        org: program.org,
        title: r.title.clone(),
        description: r.description.clone(),
        product: r.product.clone(),
        version: r.version.clone(),
        cwe: (!r.cwe.is_empty()).then(|| r.cwe.clone()),
        reproduction: r.reproduction.clone(),
        impact: r.impact.clone(),
        contact: r.contact.clone(),
        credit_name: r.credit_name.clone(),
        language: Locale::from_tag(&r.language).unwrap_or(Locale::En),
        status: ReportStatus::New,
        status_reason: String::new(),
        received_at: ctx.at,
        acknowledged_at: None,
        receipt_seq: 0,
    };
    let payload = serde_json::json!({
        "kind": "report", "channel": "web", "program": program.slug.as_str(), "received_at": ctx.at.to_rfc3339(),
        "fields": {"title": r.title, "description": r.description, "product": r.product, "version": r.version, "cwe": r.cwe,
            "reproduction": r.reproduction, "impact": r.impact, "contact": r.contact, "credit_name": r.credit_name,
            "language": r.language, "accept_policy": true, "demo": true},
        "attachments": attachments.iter().map(|a| serde_json::json!({"id": a.id.to_string(), "tag": a.tag.as_str(),
            "filename": a.filename, "content_type": a.content_type, "size": a.content.len(),
            "sha256": hex::encode(vulndesk_core::chain::sha256(&a.content))})).collect::<Vec<_>>(),
    });
    // Demo reports have no tracking token anyone knows: a random one, hashed and forgotten.
    let tracking_hash = hex::encode(vulndesk_core::chain::sha256(&rand::random::<[u8; 32]>()));
    store
        .submit(Inbound {
            received_at: ctx.at,
            channel: Channel::Web,
            org: program.org,
            program: Some(program.id),
            source: String::new(),
            user_agent: "vulndesk demo loader".into(),
            payload: payload.to_string().into_bytes(),
            kind: InboundKind::NewReport { report: Box::new(report), tracking_hash },
            attachments,
            outbox: Vec::new(),
        })
        .await?;
    Ok(report_id)
}

/// Demo cases up to remediation (fixes and advisories need the catalogue; `demo_advisories`
/// takes the first two on to disclosed): the scenario's DHCP overflow confirmed and in
/// remediation (upstream: dnsmasq), the EdgeGate XSS likewise, the AX3000-Pro report as the DHCP
/// case's duplicate, and cases received, rejected and not applicable. Each move goes through the
/// core's lifecycle, guards included.
async fn demo_cases(store: &Store, ctx: &AuditContext, reports: &[(OrgId, ReportId)]) -> anyhow::Result<usize> {
    use vulndesk_core::case::{CaseEvent, CaseFacts};
    use vulndesk_store::cases::{Assessment, NewCase};
    let Some((org, _)) = reports.first().copied() else { return Ok(0) };
    let open = |title: &str, reports: Vec<ReportId>| NewCase {
        id: vulndesk_core::CaseId::mint(ctx.at, rand::random()),
        org,
        title: title.to_owned(),
        aware_at: ctx.at,
        reports,
    };
    let report = |i: usize| reports.get(i).map(|(_, r)| *r).into_iter().collect::<Vec<_>>();
    // The scenario's case: confirmed and in remediation.
    let c = store.create_case(&open("Heap overflow in DHCP option parsing (AX3000)", report(0)), ctx).await?;
    let a = Assessment {
        aware_at: None,
        cvss_vector: "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
        cvss_score: "8.7".into(),
        grade: "high".into(),
        cwe: "CWE-122".into(),
        characteristics: "dnsmasq 的 DHCP 选项解析存在堆缓冲区溢出，局域网内无需认证即可触发。".into(),
        harm: "可致路由器拒绝服务，并可能以 root 权限执行代码。".into(),
        scope_of_impact: "AX3000 与 AX3000-Pro，固件 2.0.0–2.1.4".into(),
        characteristics_en:
            "Heap buffer overflow in dnsmasq's DHCP option parsing, reachable from the LAN without authentication."
                .into(),
        harm_en: "Denial of service; possibly code execution as root on the router.".into(),
        scope_of_impact_en: "AX3000 and AX3000-Pro, firmware 2.0.0-2.1.4".into(),
        upstream: true,
        upstream_supplier: "dnsmasq".into(),
        users_must_act: true,
    };
    store.set_assessment(&c, &a, ctx).await?;
    let v = vulndesk_core::case::Verification {
        id: vulndesk_core::VerificationId::mint(ctx.at, rand::random()),
        verified_by: "zhao.min".into(),
        verified_at: ctx.at,
        environment: "AX3000 firmware 2.1.4 and 2.1.3, lab LAN".into(),
        method: "Ran dhcp_poc.py from a LAN host".into(),
        result: "The router rebooted; the overwrite reaches a function pointer".into(),
        reproduced: true,
    };
    store.add_verification(&c, &v, ctx).await?;
    let ready = CaseFacts {
        verified: true,
        severity_assessed: true,
        scope_of_impact: true,
        upstream: true,
        users_must_act: true,
        ..CaseFacts::default()
    };
    let c = store.case(c.id).await?.context("demo case")?;
    let c = step(store, ctx, c, CaseEvent::StartTriage, &ready, "", None).await?;
    let c = step(store, ctx, c, CaseEvent::Confirm, &ready, "", None).await?;
    let c = step(store, ctx, c, CaseEvent::StartRemediation, &ready, "", None).await?;
    // The EdgeGate XSS: reproduced, scored and in remediation (its fix and advisory come with
    // the catalogue, in `demo_advisories`).
    let x = store.create_case(&open("Stored XSS in the EdgeGate device list", report(1)), ctx).await?;
    let a = Assessment {
        aware_at: None,
        cvss_vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N".into(),
        cvss_score: "5.4".into(),
        grade: "medium".into(),
        cwe: "CWE-79".into(),
        characteristics: "EdgeGate 管理页面的设备列表未对设备名称做输出编码，存在存储型跨站脚本。".into(),
        harm: "可在管理员的浏览器中执行脚本，窃取管理员会话。".into(),
        scope_of_impact: "EdgeGate 工业网关，固件 1.4.0".into(),
        characteristics_en:
            "The device list of the EdgeGate management page does not encode device names: stored cross-site scripting."
                .into(),
        harm_en: "Script runs in an administrator's browser and can take over the administrator's session.".into(),
        scope_of_impact_en: "EdgeGate industrial gateway, firmware 1.4.0".into(),
        upstream: false,
        upstream_supplier: String::new(),
        users_must_act: true,
    };
    store.set_assessment(&x, &a, ctx).await?;
    let v = vulndesk_core::case::Verification {
        id: vulndesk_core::VerificationId::mint(ctx.at, rand::random()),
        verified_by: "zhao.min".into(),
        verified_at: ctx.at,
        environment: "EdgeGate firmware 1.4.0, lab network".into(),
        method: "Set a device name to an <img onerror> payload, then opened the device list as an administrator".into(),
        result: "The script ran in the administrator's session".into(),
        reproduced: true,
    };
    store.add_verification(&x, &v, ctx).await?;
    let assessed = CaseFacts {
        verified: true,
        severity_assessed: true,
        scope_of_impact: true,
        users_must_act: true,
        ..CaseFacts::default()
    };
    let x = store.case(x.id).await?.context("demo case")?;
    let x = step(store, ctx, x, CaseEvent::StartTriage, &assessed, "", None).await?;
    let x = step(store, ctx, x, CaseEvent::Confirm, &assessed, "", None).await?;
    step(store, ctx, x, CaseEvent::StartRemediation, &assessed, "", None).await?;
    // The AX3000-Pro report: a duplicate of the first case.
    let reason = CaseFacts { reason_given: true, ..CaseFacts::default() };
    let d = store.create_case(&open("AX3000-Pro reboots on a long DHCP vendor-class option", report(2)), ctx).await?;
    step(store, ctx, d, CaseEvent::MarkDuplicate, &reason, "Same DHCP option overflow as the first case", Some(c.id))
        .await?;
    // Received, rejected and not applicable, opened directly.
    store.create_case(&open("Supplier notice: OpenSSL 3.0.8 advisory under review", Vec::new()), ctx).await?;
    let r =
        store.create_case(&open("Claimed default password on the AX3000 (not reproducible)", Vec::new()), ctx).await?;
    step(store, ctx, r, CaseEvent::Reject, &reason, "The device forces a password change at first login", None).await?;
    let n = store.create_case(&open("BusyBox ash flaw in a component we do not ship", Vec::new()), ctx).await?;
    step(store, ctx, n, CaseEvent::MarkNotApplicable, &reason, "Our firmware ships BusyBox without ash", None).await?;
    Ok(6)
}

/// Reward tables, rewards and SafeHarbor's hand-offs, made through the same checks as the pages:
/// Demo Networks rewards the DHCP overflow (¥8,000, decided by Li Wei and approved by Chen Jing,
/// awaiting payment) and the EdgeGate XSS (¥3,000, paid); SafeHarbor confirms a report for Demo
/// Networks and hands it to Demo Networks' inbox, confirms one for NetLink Systems (outside this
/// deployment) and mails it the hand-off link, is refused when it tries to share the NetLink
/// details with an overseas CERT (Art. 9(7), audited), and rewards both researchers.
async fn demo_rewards(state: &vulndesk_web::AppState, reports: &[(OrgId, ReportId)]) -> anyhow::Result<()> {
    use vulndesk_web::scripted::{Step, run};
    let id = |i: usize| reports.get(i).map(|(_, r)| *r).with_context(|| format!("demo report {i}"));
    let go = |who: &'static str, org: &'static str, step: Step| async move {
        run(state, who, org, &step).await.map_err(anyhow::Error::msg)
    };
    let s = |v: &str| v.to_owned();
    let table = |program: &str, four_eyes: &str| Step::RewardTable {
        program: s(program),
        currency: s("CNY"),
        four_eyes_above: s(four_eyes),
        tiers: vec![
            (s("critical"), s("10000"), s("30000")),
            (s("high"), s("4000"), s("10000")),
            (s("medium"), s("1000"), s("4000")),
            (s("low"), s("200"), s("1000")),
        ],
        bonuses: s("patch = 2000"),
    };
    go("chen.jing", "demo-networks", table("demo", "5000")).await?;
    let reward = |report, grade: &str, amount: &str, reason: &str| Step::Reward {
        report,
        grade: s(grade),
        amount: s(amount),
        reason: s(reason),
        shares: String::new(),
    };
    let step = |reward: &str, action: &str, note: &str| Step::RewardStep {
        reward: s(reward),
        action: s(action),
        note: s(note),
    };
    let dhcp =
        go("li.wei", "demo-networks", reward(id(0)?, "high", "8000", "Working PoC; root cause in dnsmasq found"))
            .await?;
    go("chen.jing", "demo-networks", step(&dhcp, "approve", "")).await?;
    let xss = go("li.wei", "demo-networks", reward(id(1)?, "medium", "3000", "Clear report, fix verified")).await?;
    go("chen.jing", "demo-networks", step(&xss, "approve", "")).await?;
    go("chen.jing", "demo-networks", step(&xss, "pay", "ICBC-DEMO-2026-0001")).await?;

    let sh = "safeharbor";
    go("zhou.jie", sh, table("safeharbor-demo-networks", "3000")).await?;
    go("zhou.jie", sh, table("safeharbor-netlink", "3000")).await?;
    let vendor = |program: &str, org: &str, name: &str, email: &str, jurisdiction: &str| Step::Vendor {
        program: s(program),
        vendor_org: s(org),
        vendor_name: s(name),
        contact_email: s(email),
        jurisdiction: s(jurisdiction),
    };
    go("zhou.jie", sh, vendor("safeharbor-demo-networks", "demo-networks", "", "", "CN")).await?;
    go("zhou.jie", sh, vendor("safeharbor-netlink", "", "NetLink Systems", "psirt@netlink.example", "US")).await?;
    let (upnp, snmp) = (id(3)?, id(4)?);
    for r in [upnp, snmp] {
        go("zhou.jie", sh, Step::Acknowledge(r)).await?;
        go("zhou.jie", sh, Step::Promote(r)).await?;
        go("zhou.jie", sh, Step::HandOff(r)).await?;
    }
    let cert =
        Step::ShareWith { report: snmp, name: s("Example CERT"), email: s("cert@cert.example"), jurisdiction: s("DE") };
    anyhow::ensure!(go("zhou.jie", sh, cert).await.is_err(), "the overseas share must be refused (Art. 9(7))");
    let w = go("zhou.jie", sh, reward(upnp, "medium", "2000", "WAN-side exposure confirmed by the vendor")).await?;
    go("xu.ming", sh, step(&w, "approve", "")).await?;
    go("xu.ming", sh, step(&w, "pay", "SH-PAY-2026-0107")).await?;
    let w = go("zhou.jie", sh, reward(snmp, "high", "6000", "Hard-coded credential, read-write")).await?;
    anyhow::ensure!(
        go("zhou.jie", sh, step(&w, "approve", "")).await.is_err(),
        "the decider cannot approve a reward above the four-eyes threshold"
    );
    Ok(())
}

/// Five more cases so that every state has one (triage, confirmed, remediation, fixed, closed).
/// All are the organisation's own discoveries, need no upstream or customer notice, and the
/// fixed and closed ones carry real fix records, so the guards pass on recorded facts. Demo
/// Networks' teams come with them.
async fn demo_every_state(store: &Store, ctx: &AuditContext, org: OrgId) -> anyhow::Result<()> {
    use vulndesk_core::case::{CaseEvent, CaseFacts, Verification};
    use vulndesk_store::cases::{Assessment, NewCase};
    let versions = store.product_versions_of(org).await?;
    let version = |product: &str| {
        versions.iter().find(|v| v.model == product).with_context(|| format!("demo product version {product}"))
    };
    // (title, product, grade, CWE, how many of the lifecycle's steps it has gone through)
    let cases = [
        ("AX3000-Pro firmware update said to accept an unsigned image", "AX3000-Pro", "high", "CWE-347", 1),
        ("EdgeGate Modbus bridge crashes on a malformed frame", "EdgeGate", "medium", "CWE-20", 2),
        ("AX3000 guest Wi-Fi reaches the admin page", "AX3000", "medium", "CWE-284", 3),
        ("EdgeGate web UI accepts TLS 1.0 and RC4 cipher suites", "EdgeGate", "medium", "CWE-327", 4),
        ("AX3000 system log records unescaped user names (log injection)", "AX3000", "low", "CWE-117", 5),
    ];
    let lifecycle = [
        CaseEvent::StartTriage,
        CaseEvent::Confirm,
        CaseEvent::StartRemediation,
        CaseEvent::MarkFixed,
        CaseEvent::Close,
    ];
    for (title, product, grade, cwe, steps) in cases {
        let c = store
            .create_case(
                &NewCase {
                    id: vulndesk_core::CaseId::mint(ctx.at, rand::random()),
                    org,
                    title: title.into(),
                    aware_at: ctx.at,
                    reports: Vec::new(),
                },
                ctx,
            )
            .await?;
        let a = Assessment {
            aware_at: None,
            cvss_vector: String::new(),
            cvss_score: String::new(),
            grade: grade.into(),
            cwe: cwe.into(),
            characteristics: format!("{title}（内部发现）"),
            harm: "见技术特征。".into(),
            scope_of_impact: product.into(),
            characteristics_en: format!("{title} (found in-house)"),
            harm_en: "See the technical characteristics.".into(),
            scope_of_impact_en: product.into(),
            upstream: false,
            upstream_supplier: String::new(),
            users_must_act: false,
        };
        store.set_assessment(&c, &a, ctx).await?;
        let v = Verification {
            id: vulndesk_core::VerificationId::mint(ctx.at, rand::random()),
            verified_by: "zhao.min".into(),
            verified_at: ctx.at,
            environment: format!("{product}, lab"),
            method: "Configuration review and a test client".into(),
            result: "Confirmed".into(),
            reproduced: true,
        };
        store.add_verification(&c, &v, ctx).await?;
        let pv = version(product)?;
        let fix = vulndesk_store::publication::CaseFix {
            id: uuid::Uuid::from_bytes(rand::random()).to_string(),
            case: c.id,
            product_version: pv.id,
            kind: "vendor_fix".into(),
            fixed_in: format!("{}-hotfix1", pv.version),
            released_at: Some(ctx.at),
            details: "升级到修复版本。".into(),
            details_en: "Upgrade to the fixed version.".into(),
            url: String::new(),
            users_must_act: false,
            created_by: "system".into(),
            created_at: ctx.at,
            updated_at: ctx.at,
        };
        if steps >= 4 {
            store.put_fix(org, &fix, ctx).await?;
        }
        let facts = CaseFacts {
            verified: true,
            severity_assessed: true,
            scope_of_impact: true,
            fix_or_mitigation: steps >= 4,
            ..CaseFacts::default()
        };
        let mut c = store.case(c.id).await?.context("demo case")?;
        for e in lifecycle.iter().take(steps) {
            let reason =
                if *e == CaseEvent::Close { "Fixed in a hotfix; found in-house, nothing to disclose" } else { "" };
            c = step(store, ctx, c, *e, &facts, reason, None).await?;
        }
    }
    // Teams: the router team (Zhao Min, Li Wei) works the DHCP case; the gateway team the EdgeGate ones.
    for (slug, name, members, case_titles) in [
        ("router-team", "路由器团队 Router team", ["zhao.min", "li.wei"].as_slice(), ["DHCP"].as_slice()),
        ("gateway-team", "网关团队 Gateway team", ["zhao.min"].as_slice(), ["EdgeGate"].as_slice()),
    ] {
        let id = uuid::Uuid::from_bytes(rand::random()).to_string();
        store.create_team(org, &id, slug, name, ctx).await?;
        let team = store.teams_of(org).await?.into_iter().find(|t| t.slug == slug).context("demo team")?;
        for m in members {
            let user = store.user_by_username(m).await?.with_context(|| format!("demo user {m}"))?.user;
            store.set_team_member(org, &team, user.id, true, ctx).await?;
        }
        for c in store.cases_of(org, false).await? {
            if case_titles.iter().any(|t| c.title.contains(t)) {
                store.set_case_team(&c, &team, true, ctx).await?;
            }
        }
    }
    Ok(())
}

/// Moves a demo case through the core's lifecycle, guards included.
async fn step(
    store: &Store,
    ctx: &AuditContext,
    case: vulndesk_core::case::Case,
    event: vulndesk_core::case::CaseEvent,
    facts: &vulndesk_core::case::CaseFacts,
    reason: &str,
    dup: Option<vulndesk_core::CaseId>,
) -> anyhow::Result<vulndesk_core::case::Case> {
    let t = vulndesk_core::case::transition(case.state, event, facts, ctx.at)
        .map_err(|r| anyhow::anyhow!("demo case {}: {r}", case.number))?;
    store.apply_transition(&case, &t, reason, dup, ctx).await?;
    store.case(case.id).await?.context("demo case")
}

/// Sets a new password for `username` and prints it (or takes it from `VULNDESK_NEW_PASSWORD`).
pub(crate) async fn reset_password(store: &Store, now: Timestamp, username: &str) -> anyhow::Result<()> {
    let user = store
        .user_by_username(username)
        .await?
        .with_context(|| format!("there is no account named {username:?}"))?
        .user;
    let given = std::env::var("VULNDESK_NEW_PASSWORD").ok();
    let password = match &given {
        Some(p) if p.chars().count() >= 12 => p.clone(),
        Some(_) => anyhow::bail!("VULNDESK_NEW_PASSWORD must be at least 12 characters long"),
        None => random_password(),
    };
    let hash = vulndesk_web::hash_password(&password).map_err(anyhow::Error::msg)?;
    store.set_password_hash(user.id, &hash, &AuditContext::system(now)).await?;
    if given.is_some() {
        println!("password of {username} set from VULNDESK_NEW_PASSWORD; its sessions have ended");
    } else {
        println!("new password of {username}: {password}");
    }
    Ok(())
}

fn demo_id() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

/// A small CycloneDX 1.6 SBOM of a firmware image and its direct components.
fn demo_cyclonedx(firmware: &str, components: &[(&str, &str, &str)]) -> Vec<u8> {
    let comps: Vec<serde_json::Value> = components
        .iter()
        .map(|(name, version, supplier)| {
            let purl = format!("pkg:generic/{name}@{version}");
            serde_json::json!({"type": "library", "bom-ref": purl, "name": name, "version": version, "purl": purl,
                "supplier": {"name": supplier}})
        })
        .collect();
    let refs: Vec<String> = components.iter().map(|(n, v, _)| format!("pkg:generic/{n}@{v}")).collect();
    serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": {"component": {"type": "firmware", "bom-ref": "firmware", "name": firmware}},
        "components": comps, "dependencies": [{"ref": "firmware", "dependsOn": refs}]})
    .to_string()
    .into_bytes()
}

/// The scenario's catalogue (Demo Networks): the AX3000 router (two models, firmware 2.1.3 to
/// 2.1.5, CycloneDX SBOMs; 2.1.5 carries the fixed dnsmasq) and the EdgeGate gateway (SPDX 2.3),
/// the dnsmasq maintainers as a supplier, three customers (an ISP in Shenzhen and a hotel chain
/// in Hangzhou in Chinese, a distributor in Singapore in English) and their deployments; the
/// DHCP case names dnsmasq before 2.90 as its affected component.
async fn demo_catalogue(store: &Store, ctx: &AuditContext, org: OrgId) -> anyhow::Result<()> {
    use vulndesk_store::catalogue::{CaseComponent, Customer, Deployment, Product, ProductVersion, Supplier, Vendor};
    let org_name = store.org_by_id(org).await?.map(|o| o.name).unwrap_or_default();
    let vendor =
        Vendor { id: vulndesk_core::VendorId::from_uuid(demo_id()), org, name: org_name, website: String::new() };
    store.create_vendor(&vendor, ctx).await?;
    let supplier = Supplier {
        id: vulndesk_core::SupplierId::from_uuid(demo_id()),
        org,
        name: "dnsmasq project".into(),
        contact_name: "Simon Kelley".into(),
        contact_email: "security@dnsmasq.example".into(),
        jurisdiction: "GB".into(),
        website: "https://thekelleys.org.uk/dnsmasq/".into(),
    };
    store.create_supplier(&supplier, ctx).await?;
    let mut versions = Vec::new();
    for (product, description, releases) in [
        (
            "AX3000",
            "Wi-Fi 6 home router",
            vec![
                ("AX3000", "2.1.3", "2.89"),
                ("AX3000", "2.1.4", "2.89"),
                ("AX3000-Pro", "2.1.4", "2.89"),
                ("AX3000", "2.1.5", "2.90"),
            ],
        ),
        ("EdgeGate", "Industrial gateway", vec![("EdgeGate", "1.4.0", "")]),
    ] {
        let p = Product {
            id: vulndesk_core::ProductId::from_uuid(demo_id()),
            org,
            vendor: vendor.id,
            vendor_name: vendor.name.clone(),
            name: product.into(),
            description: description.into(),
        };
        store.create_product(&p, ctx).await?;
        for (model, version, dnsmasq) in releases {
            let v = ProductVersion {
                id: vulndesk_core::ProductVersionId::from_uuid(demo_id()),
                org,
                product: p.id,
                product_name: p.name.clone(),
                model: model.into(),
                version: version.into(),
                release_date: String::new(),
                support_status: "supported".into(),
            };
            store.create_product_version(&v, ctx).await?;
            let bytes = if dnsmasq.is_empty() {
                include_bytes!("../../../demo/edgegate-1.4.0.spdx").to_vec()
            } else {
                demo_cyclonedx(
                    &format!("{model} firmware {version}"),
                    &[
                        ("busybox", "1.36.1", "BusyBox"),
                        ("openssl", "3.0.8", "OpenSSL Software Foundation"),
                        ("dnsmasq", dnsmasq, "dnsmasq project"),
                    ],
                )
            };
            let (sbom, diagnostics) = vulndesk_formats::sbom::read_sbom(&bytes).context("demo SBOM")?;
            let sha256 = hex::encode(vulndesk_core::chain::sha256(&bytes));
            let (components, edges, record) = vulndesk_web::sbom_rows(&sbom, &sha256, diagnostics.len(), ctx.at);
            store.import_sbom(&v, &record, &components, &edges, ctx).await?;
            versions.push(v);
        }
    }
    let customers = [
        ("深圳宽带网络有限公司 Shenzhen Broadband", "noc@sz-broadband.example", "CN", Locale::ZhCn),
        ("西湖酒店集团 West Lake Hotels", "it@westlake-hotels.example", "CN", Locale::ZhCn),
        ("Lion City Distribution Pte Ltd", "support@lioncity.example", "SG", Locale::En),
    ]
    .map(|(name, email, country, locale)| Customer {
        id: vulndesk_core::CustomerId::from_uuid(demo_id()),
        org,
        name: name.into(),
        contact_name: String::new(),
        contact_email: email.into(),
        jurisdiction: country.into(),
        locale,
    });
    store.import_customers(&customers, false, ctx).await?;
    let find =
        |model: &str, version: &str| versions.iter().find(|v| v.model == model && v.version == version).map(|v| v.id);
    let mut deployments = Vec::new();
    for (customer, model, version, note) in [
        (0, "AX3000", "2.1.4", "1,200 units, home broadband"),
        (1, "AX3000-Pro", "2.1.4", "hotel guest Wi-Fi"),
        (1, "EdgeGate", "1.4.0", "building management"),
        (2, "AX3000", "2.1.3", "distribution stock"),
    ] {
        let version = find(model, version).context("demo deployment")?;
        deployments.push(Deployment {
            id: vulndesk_core::DeploymentId::from_uuid(demo_id()),
            org,
            customer: customers[customer].id,
            customer_name: String::new(),
            product_version: version,
            note: note.into(),
        });
    }
    store.import_deployments(&deployments, ctx).await?;
    if let Some(case) =
        store.cases_of(org, false).await?.into_iter().find(|c| c.title.starts_with("Heap overflow in DHCP"))
    {
        let component = CaseComponent {
            id: vulndesk_core::CaseComponentId::from_uuid(demo_id()),
            case: case.id,
            purl: "pkg:generic/dnsmasq".into(),
            ecosystem: "Generic".into(),
            package_key: "dnsmasq".into(),
            vers: "vers:generic/>=2.80|<2.90".into(),
            supplier: Some(supplier.id),
        };
        store.add_case_component(org, &component, ctx).await?;
    }
    Ok(())
}

/// The scenario's step 5: the DHCP case's report to the authority, filed on the authority's site
/// within the 48 hours and recorded with its receipt number.
async fn demo_authority_report(store: &Store, ctx: &AuditContext, org: OrgId) -> anyhow::Result<()> {
    use vulndesk_store::authority::{AuthorityReport, Submission};
    let Some(case) =
        store.cases_of(org, false).await?.into_iter().find(|c| c.title.starts_with("Heap overflow in DHCP"))
    else {
        return Ok(());
    };
    let org_name = store.org_by_id(org).await?.map(|o| o.name).unwrap_or_default();
    let draft = AuthorityReport {
        id: demo_id().to_string(),
        org,
        case: case.id,
        seq: 0,
        kind: "initial".into(),
        updates: None,
        sub_library: "general".into(),
        product_type: "network_device".into(),
        product_name: "AX3000 家用无线路由器".into(),
        model: "AX3000、AX3000-Pro".into(),
        versions: "固件 2.0.0–2.1.4".into(),
        characteristics: case.characteristics.clone(),
        harm: case.harm.clone(),
        scope_of_impact: case.scope_of_impact.clone(),
        cvss_vector: case.cvss_vector.clone(),
        cvss_score: case.cvss_score.clone(),
        grade: case.grade.clone(),
        gbt_grade: String::new(),
        identifiers: String::new(),
        fix_status: "修补中".into(),
        provider_name: org_name,
        provider_contact: "陈静 Chen Jing <psirt@demo-networks.example>".into(),
        aware_at: case.aware_at,
        components: "pkg:generic/dnsmasq vers:generic/>=2.80|<2.90".into(),
        status: "draft".into(),
        submitted_at: None,
        channel: String::new(),
        receipt_number: String::new(),
        evidence: String::new(),
        submitted_by: String::new(),
        created_at: ctx.at,
        updated_at: ctx.at,
    };
    let report = store.create_authority_report(&draft, ctx).await?;
    let submission = Submission {
        at: ctx.at,
        channel: "manual".into(),
        receipt_number: "MIIT-DEMO-2026-0001".into(),
        evidence: "demo data".into(),
    };
    store.record_authority_submission(&report, &submission, ctx).await?;
    Ok(())
}

/// Scenario 4: the sharing platform with two registered providers and one agency subscriber,
/// and two reports received: Demo Networks' DHCP report on time, and another provider's report
/// 61 hours after it became aware, which the inbox flags as late. (Loaded reports are not
/// relayed; reports received while vulndesk runs are.)
async fn demo_sharing(store: &Store, ctx: &AuditContext) -> anyhow::Result<()> {
    use vulndesk_core::intake::Channel;
    use vulndesk_store::intake::{Inbound, InboundKind};
    use vulndesk_store::sharing::{Provider, SharedReport, Subscriber};
    let Some(platform) = store.org_by_slug("demo-sharing").await? else { return Ok(()) };
    let mut providers = Vec::new();
    for name in ["Demo Networks 演示网络", "Example Cameras 示例摄像头"] {
        let p = Provider {
            id: demo_id().to_string(),
            org: platform.id,
            name: name.into(),
            hmac_secret: hex::encode(rand::random::<[u8; 32]>()),
        };
        // Nobody knows the demo providers' tokens: a random one, hashed and forgotten.
        let token_hash = hex::encode(vulndesk_core::chain::sha256(&rand::random::<[u8; 32]>()));
        store.create_provider(&p, &token_hash, ctx).await?;
        providers.push(p);
    }
    let subscriber = Subscriber {
        id: demo_id().to_string(),
        org: platform.id,
        name: "公安部网络安全通报中心 MPS notification centre".into(),
        url: "https://mps-notification.example/webhook".into(),
        secret: hex::encode(rand::random::<[u8; 16]>()),
    };
    store.create_subscriber(&subscriber, ctx).await?;
    let hours = |h: u64| std::time::Duration::from_secs(h * 3600);
    let late_aware = Timestamp::from_micros(ctx.at.as_micros() - i64::try_from(hours(61).as_micros()).unwrap_or(0));
    let reports = [
        (&providers[0], "VD-2026-0001", "AX3000 家用无线路由器", "high", ctx.at, "general", "network_device"),
        (&providers[1], "EC-2026-0017", "IPC-200 网络摄像机", "critical", late_aware, "general", "iot_device"),
    ];
    for (provider, number, product, grade, aware_at, library, product_type) in reports {
        let document = serde_json::json!({"schema": "vulndesk-authority-report/1", "id": demo_id().to_string(), "kind": "initial",
            "sub_library": library, "product_type": product_type, "provider": {"name": provider.name}, "case": {"number": number, "aware_at": aware_at.to_rfc3339()},
            "product_name": product, "severity": {"grade": grade}, "demo": true});
        let shared = SharedReport {
            id: demo_id().to_string(),
            org: platform.id,
            provider: provider.id.clone(),
            idempotency_key: demo_id().to_string(),
            receipt_seq: 0,
            report_id: document["id"].as_str().unwrap_or_default().to_owned(),
            kind: "initial".into(),
            updates: String::new(),
            case_number: number.into(),
            aware_at,
            received_at: ctx.at,
            sub_library: library.into(),
            grade: grade.into(),
            product_name: product.into(),
            document: document.to_string(),
            product_type: product_type.into(),
        };
        store
            .submit(Inbound {
                received_at: ctx.at,
                channel: Channel::Api,
                org: platform.id,
                program: None,
                source: String::new(),
                user_agent: "vulndesk demo loader".into(),
                payload: document.to_string().into_bytes(),
                kind: InboundKind::SharedReport { report: Box::new(shared), relays: Vec::new() },
                attachments: Vec::new(),
                outbox: Vec::new(),
            })
            .await?;
    }
    Ok(())
}

/// Scenario 1, step 7, and the EdgeGate XSS after it: each case's fix recorded for every
/// affected firmware version, its advisory (Chinese and English, TLP:CLEAR; the DHCP one with
/// CSAF VEX) edited by the coordinator, its wording confirmed by someone else, published through
/// the gate (signed CSAF in the provider tree and the ROLIE feed, OSV, the public pages), and the
/// case marked fixed and disclosed. The cases stay disclosed: closing needs the upstream and
/// customer notices delivered, which happens by mail once vulndesk runs. Returns the advisories.
async fn demo_advisories(
    state: &vulndesk_web::AppState,
    ctx: &AuditContext,
    org: OrgId,
) -> anyhow::Result<Vec<String>> {
    use vulndesk_core::case::{CaseEvent, CaseFacts};
    use vulndesk_web::ScriptedAdvisory;
    let store = &state.store;
    let org_slug = store.org_by_id(org).await?.context("demo organisation")?.slug.to_string();
    let cases = store.cases_of(org, false).await?;
    let number = |prefix: &str| {
        cases
            .iter()
            .find(|c| c.title.starts_with(prefix))
            .map(|c| c.number.clone())
            .with_context(|| format!("demo case {prefix:?}"))
    };
    let fix = |label: &str, fixed_in: &str, details: &str, details_en: &str, url: &str| {
        (
            label.to_owned(),
            "vendor_fix".to_owned(),
            fixed_in.to_owned(),
            details.to_owned(),
            details_en.to_owned(),
            url.to_owned(),
        )
    };
    let ax3000 = "https://www.demo-networks.example/support/ax3000/firmware";
    let dhcp = ScriptedAdvisory {
        org: org_slug.clone(),
        case_number: number("Heap overflow in DHCP")?,
        editor: "chen.jing".into(),
        reviewer: "sun.li".into(),
        tlp: "CLEAR".into(),
        title: "AX3000 系列路由器 DHCP 选项解析堆溢出漏洞".into(),
        title_en: "Heap overflow in DHCP option parsing on AX3000 routers".into(),
        summary: "AX3000 与 AX3000-Pro 路由器固件 2.0.0 至 2.1.4 所含的 dnsmasq 在解析 DHCP 选项时存在堆缓冲区溢出：局域网内的攻击者无需认证即可使路由器重启，并可能以 root 权限执行代码。固件 2.1.5 已修复。".into(),
        summary_en: "The dnsmasq in AX3000 and AX3000-Pro firmware 2.0.0 to 2.1.4 overflows a heap buffer while parsing DHCP options: an attacker on the LAN can, without authentication, make the router reboot and possibly run code as root. Firmware 2.1.5 fixes it.".into(),
        description: "dnsmasq 的 DHCP 选项解析存在堆缓冲区溢出，局域网内无需认证即可触发。\n\n可致路由器拒绝服务，并可能以 root 权限执行代码。\n\n解决方案：升级至固件 2.1.5（包含 dnsmasq 2.90）。升级之前，请只允许可信设备接入局域网。".into(),
        description_en: "Heap buffer overflow in dnsmasq's DHCP option parsing, reachable from the LAN without authentication.\n\nDenial of service; possibly code execution as root on the router.\n\nSolution: upgrade to firmware 2.1.5 (with dnsmasq 2.90). Until then, let only trusted devices join the LAN.".into(),
        refs: "https://thekelleys.org.uk/dnsmasq/CHANGELOG dnsmasq changelog".into(),
        acknowledgments: "匿名安全研究人员 An anonymous security researcher".into(),
        cve: String::new(),
        vex: true,
        fixes: ["AX3000 AX3000 2.1.3", "AX3000 AX3000 2.1.4", "AX3000 AX3000-Pro 2.1.4"]
            .iter()
            .map(|label| fix(label, "2.1.5", "升级至固件 2.1.5（dnsmasq 2.90）。", "Upgrade to firmware 2.1.5 (dnsmasq 2.90).", ax3000))
            .collect(),
    };
    let xss = ScriptedAdvisory {
        org: org_slug,
        case_number: number("Stored XSS in the EdgeGate")?,
        editor: "chen.jing".into(),
        reviewer: "li.wei".into(),
        tlp: "CLEAR".into(),
        title: "EdgeGate 工业网关管理页面存储型跨站脚本漏洞".into(),
        title_en: "Stored cross-site scripting in the EdgeGate management page".into(),
        summary: "EdgeGate 固件 1.4.0 的管理页面在设备列表中未对设备名称做输出编码：能设置设备名称的攻击者可在管理员的浏览器中执行脚本并窃取其会话。固件 1.4.1 已修复。".into(),
        summary_en: "EdgeGate firmware 1.4.0 does not encode device names in the management page's device list: an attacker who can set a device name can run script in an administrator's browser and take over the session. Firmware 1.4.1 fixes it.".into(),
        description: "EdgeGate 管理页面的设备列表未对设备名称做输出编码，存在存储型跨站脚本。\n\n可在管理员的浏览器中执行脚本，窃取管理员会话。\n\n解决方案：升级至固件 1.4.1。升级之前，请只允许可信网络访问管理页面。".into(),
        description_en: "The device list of the EdgeGate management page does not encode device names: stored cross-site scripting.\n\nScript runs in an administrator's browser and can take over the administrator's session.\n\nSolution: upgrade to firmware 1.4.1. Until then, allow access to the management page from trusted networks only.".into(),
        refs: String::new(),
        acknowledgments: "张三 Zhang San".into(),
        cve: String::new(),
        vex: false,
        fixes: vec![fix(
            "EdgeGate EdgeGate 1.4.0",
            "1.4.1",
            "升级至固件 1.4.1；升级之前只允许可信网络访问管理页面。",
            "Upgrade to firmware 1.4.1; until then, allow access to the management page from trusted networks only.",
            "https://www.demo-networks.example/support/edgegate/firmware",
        )],
    };
    let mut published = Vec::new();
    for s in [dhcp, xss] {
        vulndesk_web::publish_scripted(state, &s).await.map_err(|e| anyhow::anyhow!("demo advisory {e}"))?;
        let case = store.case_by_number(org, &s.case_number).await?.context("demo case")?;
        // The guards' facts, from the records just made.
        let fixed = store.fixes_of(case.id).await?.iter().any(vulndesk_store::publication::CaseFix::is_remedy);
        let approved = store.advisory_of(case.id).await?.is_some_and(|a| a.status == "published");
        let facts = CaseFacts { fix_or_mitigation: fixed, publication_approved: approved, ..CaseFacts::default() };
        let case = step(store, ctx, case, CaseEvent::MarkFixed, &facts, "", None).await?;
        step(store, ctx, case, CaseEvent::Disclose, &facts, "", None).await?;
        published.push(format!("{} ({}{})", s.case_number, s.tlp, if s.vex { ", VEX" } else { "" }));
    }
    Ok(published)
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_file_parses() {
        let set: super::DemoSet = toml::from_str(super::DEMO).expect("demo/demo.toml parses");
        assert_eq!(set.organisations.len(), 4);
        let roles: std::collections::BTreeSet<&str> =
            set.users.iter().flat_map(|u| u.roles.iter().map(|(_, r)| r.as_str())).collect();
        assert_eq!(roles.len(), 6, "every role appears in the demo: {roles:?}");
    }
}
