//! The command line against a remote vulndesk (`--server URL` with an API token): what a build
//! pipeline does. It uploads an SBOM for a product version, scans an SBOM against the server's OSV
//! data and fails the build on findings at or above a severity, imports OSV data, mirrors the
//! server's published CSAF advisories into a folder, and lists cases and findings. Results go to
//! stdout (a table, or JSON with `--format json`); progress and warnings to stderr.
//!
//! Exit codes: 0 done; 1 the policy failed (findings at or above `--fail-on`, overdue findings
//! with `--fail-on-overdue`); 2 bad input (a file that cannot be read, a refusal by the server
//! naming what is wrong: 400, 404, 409, 413, 422); 3 the server cannot be reached or failed
//! (5xx, a broken answer); 4 the token was refused (401, 403).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use vulndesk_web::ScanResult;

/// A failure, with the exit code it ends in.
#[derive(Debug)]
pub(crate) struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn input(message: impl Into<String>) -> Self {
        Self { code: 2, message: message.into() }
    }

    fn server(message: impl Into<String>) -> Self {
        Self { code: 3, message: message.into() }
    }

    /// Prints the message and gives the exit code.
    pub(crate) fn report(self) -> ExitCode {
        eprintln!("error: {}", self.message);
        ExitCode::from(self.code)
    }
}

type Result<T> = std::result::Result<T, Failure>;

/// A server and the token to present to it.
pub(crate) struct Remote {
    base: String,
    token: String,
    agent: ureq::Agent,
    /// The language the server answers (and words its refusals) in: this shell's.
    language: &'static str,
}

/// `zh-CN` when the shell's locale is Chinese, else `en`.
fn shell_language() -> &'static str {
    let var = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    if var.is_some_and(|v| v.to_ascii_lowercase().starts_with("zh")) { "zh-CN" } else { "en" }
}

/// The token: `--token` or `VULNDESK_TOKEN`, else the first line of `--token-file` or
/// `VULNDESK_TOKEN_FILE` (a file keeps it out of the process list and shell history).
pub(crate) fn token(token: Option<String>, token_file: Option<PathBuf>) -> Result<String> {
    if let Some(t) = token.filter(|t| !t.trim().is_empty()) {
        return Ok(t.trim().to_owned());
    }
    if let Some(path) = token_file {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Failure::input(format!("cannot read the token file {}: {e}", path.display())))?;
        if let Some(t) = text.lines().map(str::trim).find(|l| !l.is_empty()) {
            return Ok(t.to_owned());
        }
        return Err(Failure::input(format!("the token file {} is empty", path.display())));
    }
    Err(Failure::input(
        "--server needs an API token: --token-file PATH, VULNDESK_TOKEN_FILE, or VULNDESK_TOKEN \
         (make one on your account page or with `vulndesk admin token create` on the server)",
    ))
}

impl Remote {
    pub(crate) fn new(server: &str, token: String) -> Result<Self> {
        let base = server.trim_end_matches('/').to_owned();
        let url = url::Url::parse(&base).map_err(|e| Failure::input(format!("--server {server:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Failure::input(format!("--server {server:?} must be an http(s) URL")));
        }
        if url.scheme() == "http" && !url.host_str().is_some_and(is_loopback_host) {
            eprintln!("warning: {base} is plain http: the token crosses the network unencrypted; use https");
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_global(Some(Duration::from_secs(600)))
            // The token must not follow a redirect to another host.
            .max_redirects(0)
            .build()
            .into();
        Ok(Self { base, token, agent, language: shell_language() })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn finish(
        &self,
        what: &str,
        resp: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Vec<u8>> {
        let mut resp = resp.map_err(|e| Failure::server(format!("{what}: cannot reach {}: {e}", self.base)))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .map_err(|e| Failure::server(format!("{what}: the answer was cut off: {e}")))?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        // vulndesk's errors are {"error": {"code", "message", "details"}}.
        let said = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| {
                let e = v.get("error")?;
                let mut m = e.get("message")?.as_str()?.to_owned();
                if let Some(details) = e.get("details").and_then(Value::as_array) {
                    for d in details {
                        let field = d.get("field").and_then(Value::as_str).unwrap_or_default();
                        let message = d.get("message").and_then(Value::as_str).unwrap_or_default();
                        m.push_str(&format!("\n  {field}: {message}"));
                    }
                }
                Some(m)
            })
            .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(300).collect());
        let message = format!("{what}: HTTP {status}: {said}");
        Err(match status {
            401 | 403 => Failure { code: 4, message },
            400..=499 => Failure::input(message),
            _ => Failure::server(message),
        })
    }

    fn get(&self, what: &str, path: &str) -> Result<Vec<u8>> {
        let resp = self
            .agent
            .get(self.url(path))
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Accept-Language", self.language)
            .call();
        self.finish(what, resp)
    }

    /// A public file of the server, fetched without the token.
    fn get_public(&self, what: &str, path: &str) -> Result<Vec<u8>> {
        self.finish(what, self.agent.get(self.url(path)).call())
    }

    fn get_json(&self, what: &str, path: &str) -> Result<Value> {
        let bytes = self.get(what, path)?;
        serde_json::from_slice(&bytes).map_err(|e| Failure::server(format!("{what}: the answer is not JSON: {e}")))
    }

    fn post(&self, what: &str, path: &str, content_type: &str, body: &[u8]) -> Result<Value> {
        let resp = self
            .agent
            .post(self.url(path))
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Accept-Language", self.language)
            .header("Content-Type", content_type)
            .send(body);
        let bytes = self.finish(what, resp)?;
        serde_json::from_slice(&bytes).map_err(|e| Failure::server(format!("{what}: the answer is not JSON: {e}")))
    }

    fn post_json(&self, what: &str, path: &str, body: &Value) -> Result<Value> {
        self.post(what, path, "application/json", body.to_string().as_bytes())
    }
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Failure::input(format!("cannot read {}: {e}", path.display())))
}

fn segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

/// Severity thresholds for `--fail-on`.
pub(crate) const FAIL_ON: [&str; 6] = ["any", "low", "medium", "high", "critical", "none"];

/// The rank of a severity label: critical 4, high 3, medium (moderate) 2, low 1, anything else 0.
pub(crate) fn severity_rank(label: Option<&str>) -> u8 {
    match label.map(|l| l.trim().to_ascii_lowercase()).as_deref() {
        Some("critical") => 4,
        Some("high") => 3,
        Some("medium" | "moderate") => 2,
        Some("low") => 1,
        _ => 0,
    }
}

/// Whether findings with these severities fail a build under `fail_on`, and how many have no
/// severity a threshold can judge (they fail only `any`).
pub(crate) fn fails(severities: &[Option<&str>], fail_on: &str) -> (bool, usize) {
    let unrated = severities.iter().filter(|s| severity_rank(**s) == 0).count();
    let failed = match fail_on {
        "none" => false,
        "any" => !severities.is_empty(),
        threshold => {
            let min = severity_rank(Some(threshold));
            severities.iter().any(|s| severity_rank(*s) >= min)
        }
    };
    (failed, unrated)
}

/// `vulndesk --server URL scan SBOM`: the server matches the SBOM against its OSV data (nothing
/// is stored there).
pub(crate) fn scan(remote: &Remote, sbom: &Path, format: &str, fail_on: &str) -> Result<ExitCode> {
    let bytes = read_file(sbom)?;
    eprintln!("scanning {} ({} bytes) on {}…", sbom.display(), bytes.len(), remote.base);
    let answer =
        remote.post(&format!("scanning {}", sbom.display()), "/api/v1/scan", "application/octet-stream", &bytes)?;
    let result: ScanResult = serde_json::from_value(answer.clone())
        .map_err(|e| Failure::server(format!("the scan answer is not what this vulndesk expects: {e}")))?;
    eprintln!(
        "{} components, {} scanned against {} OSV records, {} findings",
        result.components,
        result.scanned,
        result.osv_records,
        result.findings.len()
    );
    for u in &result.unscanned {
        eprintln!("not scanned ({}): {}", u.reason, u.count);
    }
    if format == "json" {
        println!("{answer}");
    } else {
        // The answer's findings have the matcher's own shape: read them as that.
        let findings: Vec<vulndesk_match::Finding> = serde_json::from_value(answer["findings"].clone())
            .map_err(|e| Failure::server(format!("the scan answer's findings do not read: {e}")))?;
        print!("{}", vulndesk_match::findings_table(&findings));
    }
    let severities: Vec<Option<&str>> = result.findings.iter().map(|f| f.severity.as_deref()).collect();
    Ok(verdict(&severities, fail_on))
}

/// The exit code of a scan under `fail_on`, saying why on stderr.
pub(crate) fn verdict(severities: &[Option<&str>], fail_on: &str) -> ExitCode {
    let (failed, unrated) = fails(severities, fail_on);
    if unrated > 0 && !matches!(fail_on, "any" | "none") {
        eprintln!("note: {unrated} findings have no severity, so --fail-on {fail_on} does not count them");
    }
    if failed {
        eprintln!("failed: findings at or above --fail-on {fail_on}");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `vulndesk --server URL sbom import`: finds (or adds) the product and version in the
/// organisation's catalogue, then uploads the SBOM as that version's components.
pub(crate) fn sbom_import(
    remote: &Remote,
    org: &str,
    product: &str,
    model: &str,
    version: &str,
    file: &Path,
) -> Result<ExitCode> {
    let bytes = read_file(file)?;
    let base = format!("/api/v1/organisations/{}", segment(org));
    let products = remote.get_json("listing the products", &format!("{base}/products"))?;
    let found = products.as_array().into_iter().flatten().find(|p| p["name"] == product).cloned();
    let product_id = match found {
        Some(p) => p["id"].as_str().unwrap_or_default().to_owned(),
        None => {
            let p = remote.post_json(
                &format!("adding the product {product:?}"),
                &format!("{base}/products"),
                &serde_json::json!({"name": product}),
            )?;
            eprintln!("added product {product:?}");
            p["id"].as_str().unwrap_or_default().to_owned()
        }
    };
    let detail = remote.get_json("reading the product", &format!("{base}/products/{}", segment(&product_id)))?;
    let existing = detail["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["version"] == version && v["model"] == model)
        .cloned();
    let version_id = match existing {
        Some(v) => v["id"].as_str().unwrap_or_default().to_owned(),
        None => {
            let v = remote.post_json(
                &format!("adding the version {version:?}"),
                &format!("{base}/products/{}/versions", segment(&product_id)),
                &serde_json::json!({"model": model, "version": version}),
            )?;
            eprintln!(
                "added version {version:?}{}",
                if model.is_empty() { String::new() } else { format!(" of {model}") }
            );
            v["id"].as_str().unwrap_or_default().to_owned()
        }
    };
    eprintln!("uploading {} ({} bytes)…", file.display(), bytes.len());
    let summary = remote.post(
        &format!("importing {}", file.display()),
        &format!("/api/v1/product-versions/{}/sbom", segment(&version_id)),
        "application/octet-stream",
        &bytes,
    )?;
    for w in summary["warnings"].as_array().into_iter().flatten().take(20) {
        eprintln!("warning: {}: {}", file.display(), w.as_str().unwrap_or_default());
    }
    println!(
        "imported {} {} into {product} {}{version}: {} components ({} matchable), {} dependencies, SHA-256 {}",
        summary["format"].as_str().unwrap_or_default(),
        summary["spec_version"].as_str().unwrap_or_default(),
        if model.is_empty() { String::new() } else { format!("{model} ") },
        summary["components"],
        summary["matchable"],
        summary["dependencies"],
        summary["sha256"].as_str().unwrap_or_default(),
    );
    Ok(ExitCode::SUCCESS)
}

/// The server's upload limit for OSV data in one request.
const OSV_UPLOAD_MAX: usize = 64 << 20;

/// `vulndesk --server URL osv import`: each file (one record, a JSON array, or an all.zip) is
/// uploaded as it is; a folder's JSON files are sent in batches of 500 records.
pub(crate) fn osv_import(remote: &Remote, paths: &[PathBuf]) -> Result<ExitCode> {
    let mut totals = (0u64, 0u64, 0u64);
    let mut add = |answer: &Value| {
        totals.0 += answer["inserted"].as_u64().unwrap_or(0);
        totals.1 += answer["replaced"].as_u64().unwrap_or(0);
        totals.2 += answer["kept"].as_u64().unwrap_or(0);
    };
    for path in paths {
        let text = path.to_string_lossy();
        if text.starts_with("http://") || text.starts_with("https://") {
            return Err(Failure::input(format!(
                "{text}: with --server, give files or folders (download the archive first), or run `vulndesk osv import URL` on the server"
            )));
        }
        if path.is_dir() {
            let mut files: Vec<PathBuf> = walk_json(path)?;
            files.sort();
            for (n, batch) in files.chunks(500).enumerate() {
                let mut records = Vec::with_capacity(batch.len());
                for f in batch {
                    let bytes = read_file(f)?;
                    let v: Value = serde_json::from_slice(&bytes)
                        .map_err(|e| Failure::input(format!("{}: not JSON: {e}", f.display())))?;
                    records.push(v);
                }
                eprint!("\r{}: {} of {} files", path.display(), (n * 500 + batch.len()), files.len());
                add(&remote.post_json(
                    &format!("importing {}", path.display()),
                    "/api/v1/osv",
                    &Value::Array(records),
                )?);
            }
            eprintln!();
        } else {
            let bytes = read_file(path)?;
            if bytes.len() > OSV_UPLOAD_MAX {
                return Err(Failure::input(format!(
                    "{} is {} MiB, more than the server takes in one upload (64 MiB): unpack it and give the folder, or run `vulndesk osv import` on the server",
                    path.display(),
                    bytes.len() >> 20
                )));
            }
            eprintln!("uploading {} ({} bytes)…", path.display(), bytes.len());
            add(&remote.post(
                &format!("importing {}", path.display()),
                "/api/v1/osv",
                "application/octet-stream",
                &bytes,
            )?);
        }
    }
    println!(
        "OSV records: {} new, {} replaced by a newer version, {} kept (as new or newer)",
        totals.0, totals.1, totals.2
    );
    Ok(ExitCode::SUCCESS)
}

fn walk_json(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| Failure::input(format!("cannot read {}: {e}", d.display())))?;
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// Pads `rows` (the first one the header) into columns.
fn table(rows: &[Vec<String>]) -> String {
    let mut widths = vec![0; rows.first().map_or(0, Vec::len)];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `vulndesk --server URL cases list --org SLUG`.
pub(crate) fn cases_list(remote: &Remote, org: &str, state: Option<&str>, format: &str) -> Result<ExitCode> {
    let cases = remote.get_json("listing cases", &format!("/api/v1/organisations/{}/cases", segment(org)))?;
    let list: Vec<&Value> =
        cases.as_array().into_iter().flatten().filter(|c| state.is_none_or(|s| c["state"] == s)).collect();
    if format == "json" {
        println!("{}", Value::Array(list.into_iter().cloned().collect()));
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = vec![["CASE", "STATE", "GRADE", "CVSS", "NEXT DEADLINE", "TITLE"].map(str::to_owned).to_vec()];
    for c in &list {
        let next = c["deadlines"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["state"] != "met" && d["state"] != "met_late")
            .filter_map(|d| {
                Some((d["due"].as_str()?.to_owned(), d["kind"].as_str()?.to_owned(), d["state"].as_str()?.to_owned()))
            })
            .min()
            .map(|(due, kind, st)| format!("{kind} {due} ({st})"))
            .unwrap_or_else(|| "-".into());
        let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).unwrap_or("-").to_owned();
        rows.push(vec![
            text(&c["number"]),
            text(&c["state"]),
            text(&c["grade"]),
            text(&c["cvss_score"]),
            next,
            text(&c["title"]),
        ]);
    }
    print!("{}", table(&rows));
    eprintln!("{} cases", list.len());
    Ok(ExitCode::SUCCESS)
}

/// `vulndesk --server URL findings list --org SLUG`.
pub(crate) fn findings_list(
    remote: &Remote,
    org: &str,
    open: bool,
    format: &str,
    fail_on_overdue: bool,
) -> Result<ExitCode> {
    let all = remote.get_json("listing findings", &format!("/api/v1/organisations/{}/findings", segment(org)))?;
    // Open: still to verify or to remediate (as `vulndesk findings list --open` on the server).
    let list: Vec<&Value> = all
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| !open || matches!(f["state"].as_str(), Some("verifying" | "remediating")))
        .collect();
    let overdue = list.iter().filter(|f| f["overdue"] == true).count();
    if format == "json" {
        println!("{}", Value::Array(list.iter().map(|v| (*v).clone()).collect()));
    } else {
        let mut rows = vec![["ASSET", "VULNERABILITY", "GRADE", "STATE", "DUE", "SOURCE"].map(str::to_owned).to_vec()];
        for f in &list {
            let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).unwrap_or("-").to_owned();
            let due = if f["overdue"] == true { format!("{} OVERDUE", text(&f["due_at"])) } else { text(&f["due_at"]) };
            rows.push(vec![
                text(&f["asset"]),
                text(&f["vulnerability"]),
                text(&f["grade"]),
                text(&f["state"]),
                due,
                text(&f["source"]),
            ]);
        }
        print!("{}", table(&rows));
    }
    eprintln!("{} findings, {overdue} overdue", list.len());
    Ok(if fail_on_overdue && overdue > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `vulndesk --server URL csaf export --out DIR`: mirrors the server's published CSAF
/// advisories (the provider metadata, its public keys, and every directory distribution's index,
/// changes, documents, hashes and signatures) into `DIR/.well-known/csaf/`, checking each
/// document against its published SHA-256. Paths are taken from the server's own listing and
/// may not leave the folder.
pub(crate) fn csaf_mirror(remote: &Remote, out: &Path) -> Result<ExitCode> {
    let metadata_bytes =
        remote.get_public("reading the provider metadata", "/.well-known/csaf/provider-metadata.json")?;
    let metadata: Value = serde_json::from_slice(&metadata_bytes)
        .map_err(|e| Failure::server(format!("the provider metadata is not JSON: {e}")))?;
    let root = out.join(".well-known").join("csaf");
    write(&root.join("provider-metadata.json"), &metadata_bytes)?;
    // Only the path of each published URL is used: the mirror reads from the server given.
    let path_of = |u: &str| url::Url::parse(u).ok().map(|u| u.path().to_owned());
    for key in metadata["public_openpgp_keys"].as_array().into_iter().flatten() {
        if let Some(path) = key["url"].as_str().and_then(path_of) {
            let body = remote.get_public("reading a public key", &path)?;
            write(&local(&root, &path)?, &body)?;
        }
    }
    let mut documents = 0;
    for dist in metadata["distributions"].as_array().into_iter().flatten() {
        let Some(dir) = dist["directory_url"].as_str().and_then(path_of) else { continue };
        let dir = dir.trim_end_matches('/').to_owned();
        let index = remote.get_public("reading index.txt", &format!("{dir}/index.txt"))?;
        write(&local(&root, &format!("{dir}/index.txt"))?, &index)?;
        if let Ok(changes) = remote.get_public("reading changes.csv", &format!("{dir}/changes.csv")) {
            write(&local(&root, &format!("{dir}/changes.csv"))?, &changes)?;
        }
        let names: Vec<String> = String::from_utf8_lossy(&index)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        for (n, name) in names.iter().enumerate() {
            if name.starts_with('/') || name.split('/').any(|s| s == ".." || s.is_empty()) {
                return Err(Failure::server(format!("index.txt names {name:?}, which leaves the folder")));
            }
            eprint!("\r{dir}: {} of {}", n + 1, names.len());
            let path = format!("{dir}/{name}");
            let body = remote.get_public(&format!("reading {name}"), &path)?;
            let published = remote.get_public(&format!("reading {name}.sha256"), &format!("{path}.sha256"))?;
            let expected =
                String::from_utf8_lossy(&published).split_whitespace().next().unwrap_or_default().to_lowercase();
            let actual = hex::encode(Sha256::digest(&body));
            if expected != actual {
                return Err(Failure::server(format!(
                    "{name}: SHA-256 {actual} does not match the published {expected}"
                )));
            }
            write(&local(&root, &path)?, &body)?;
            write(&local(&root, &format!("{path}.sha256"))?, &published)?;
            for ext in ["sha512", "asc"] {
                if let Ok(b) = remote.get_public(&format!("reading {name}.{ext}"), &format!("{path}.{ext}")) {
                    write(&local(&root, &format!("{path}.{ext}"))?, &b)?;
                }
            }
            documents += 1;
        }
        if !names.is_empty() {
            eprintln!();
        }
        for feed in dist["rolie"]["feeds"].as_array().into_iter().flatten() {
            if let Some(path) = feed["url"].as_str().and_then(path_of)
                && let Ok(body) = remote.get_public("reading a ROLIE feed", &path)
            {
                write(&local(&root, &path)?, &body)?;
            }
        }
    }
    println!("mirrored {documents} CSAF documents into {}", root.display());
    Ok(ExitCode::SUCCESS)
}

/// Where a server path under `/.well-known/csaf/` goes in the mirror.
fn local(root: &Path, path: &str) -> Result<PathBuf> {
    let rest = path
        .strip_prefix("/.well-known/csaf/")
        .ok_or_else(|| Failure::server(format!("{path} is not under /.well-known/csaf/")))?;
    if rest.split('/').any(|s| s == ".." || s.is_empty()) {
        return Err(Failure::server(format!("{path} leaves the folder")));
    }
    Ok(root.join(rest))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Failure::input(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, bytes).map_err(|e| Failure::input(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_thresholds() {
        let found = [Some("HIGH"), Some("MODERATE"), None];
        assert_eq!(fails(&found, "any"), (true, 1));
        assert_eq!(fails(&found, "none"), (false, 1));
        assert_eq!(fails(&found, "critical"), (false, 1));
        assert_eq!(fails(&found, "high"), (true, 1));
        assert_eq!(fails(&found, "medium"), (true, 1));
        assert_eq!(fails(&[None], "low"), (false, 1), "no severity does not meet a threshold");
        assert_eq!(fails(&[], "any"), (false, 0));
        assert_eq!(severity_rank(Some("critical")), 4);
        assert_eq!(severity_rank(Some("unimportant")), 0);
    }

    #[test]
    fn mirror_paths_stay_in_the_folder() {
        let root = Path::new("/m/.well-known/csaf");
        assert_eq!(local(root, "/.well-known/csaf/white/2026/a.json").ok(), Some(root.join("white/2026/a.json")));
        assert!(local(root, "/.well-known/csaf/white/../../etc/passwd").is_err());
        assert!(local(root, "/etc/passwd").is_err());
        assert!(local(root, "/.well-known/csaf//x").is_err());
    }

    #[test]
    fn tokens_come_from_the_flag_or_a_file() {
        assert_eq!(token(Some(" vd_x ".into()), None).ok(), Some("vd_x".into()));
        let dir = tempfile::tempdir().expect("dir");
        let f = dir.path().join("t");
        std::fs::write(&f, "\nvd_from_file\n").expect("write");
        assert_eq!(token(None, Some(f.clone())).ok(), Some("vd_from_file".into()));
        std::fs::write(&f, "\n").expect("write");
        assert_eq!(token(None, Some(f)).err().map(|e| e.code), Some(2));
        assert_eq!(token(None, None).err().map(|e| e.code), Some(2));
    }
}
