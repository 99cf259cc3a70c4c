//! SBOM import: CycloneDX and SPDX documents read into one neutral model.
//!
//! [`read_sbom`] sniffs the format and hands the bytes to one of the
//! readers:
//!
//! * CycloneDX JSON 1.2 to 1.7 ([`cyclonedx`]), with a lenient serde model
//!   of only the fields vulndesk uses (the `cyclonedx-bom` crate reads only
//!   1.3 to 1.5 and rejects 1.6);
//! * CycloneDX XML 1.0 to 1.7 ([`cyclonedx_xml`]), read with quick-xml's pull
//!   parser; nested components are flattened;
//! * CycloneDX protobuf text format (`.textproto`, as the specification's
//!   own test files use), parsed into the same serde model
//!   ([`cyclonedx_textproto`]);
//! * SPDX 2.2 and 2.3 JSON ([`spdx`]) and tag-value ([`spdx_tv`]);
//! * SPDX 3.0 JSON-LD ([`spdx3`]): software packages, their identifiers and
//!   the `dependsOn` and `contains` relationships.
//!
//! Everything a reader can still make sense of is imported; what it had to
//! skip or doubts (an invalid purl, a hash of the wrong length, a reference
//! to an unknown component) becomes a [`Diagnostic`] with its location. Only
//! input that cannot be read at all is an [`SbomError`].

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;

use crate::purl::Purl;

pub mod cyclonedx;
pub mod cyclonedx_textproto;
pub mod cyclonedx_xml;
pub mod spdx;
pub mod spdx3;
pub mod spdx_tv;

/// The default largest input [`read_sbom`] accepts: 100 MiB.
pub const DEFAULT_MAX_BYTES: usize = 100 * 1024 * 1024;

/// The default deepest nesting of components accepted.
pub const DEFAULT_MAX_NESTING: usize = 64;

/// Limits for [`read_sbom_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Inputs longer than this many bytes are refused before parsing.
    pub max_bytes: usize,
    /// Components nested deeper than this are refused.
    pub max_nesting: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self { max_bytes: DEFAULT_MAX_BYTES, max_nesting: DEFAULT_MAX_NESTING }
    }
}

/// The SBOM formats vulndesk reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SbomFormat {
    /// CycloneDX JSON.
    CycloneDxJson,
    /// CycloneDX XML.
    CycloneDxXml,
    /// CycloneDX in protobuf text format.
    CycloneDxTextproto,
    /// SPDX 2.x JSON.
    SpdxJson,
    /// SPDX 2.x tag-value.
    SpdxTagValue,
    /// SPDX 3.x JSON-LD.
    Spdx3JsonLd,
}

impl SbomFormat {
    /// A stable machine name: `cyclonedx-json`, `cyclonedx-xml`, `cyclonedx-textproto`,
    /// `spdx-json`, `spdx-tag-value`, `spdx3-jsonld`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CycloneDxJson => "cyclonedx-json",
            Self::CycloneDxXml => "cyclonedx-xml",
            Self::CycloneDxTextproto => "cyclonedx-textproto",
            Self::SpdxJson => "spdx-json",
            Self::SpdxTagValue => "spdx-tag-value",
            Self::Spdx3JsonLd => "spdx3-jsonld",
        }
    }
}

impl fmt::Display for SbomFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CycloneDxJson => "CycloneDX JSON",
            Self::CycloneDxXml => "CycloneDX XML",
            Self::CycloneDxTextproto => "CycloneDX textproto",
            Self::SpdxJson => "SPDX JSON",
            Self::SpdxTagValue => "SPDX tag-value",
            Self::Spdx3JsonLd => "SPDX 3 JSON-LD",
        })
    }
}

/// An imported SBOM in vulndesk's neutral model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sbom {
    /// The format the document was written in.
    pub format: SbomFormat,
    /// The format's specification version, such as `1.6` or `SPDX-2.3`.
    pub spec_version: String,
    /// The document's name (SPDX `name`, or CycloneDX's main component).
    pub name: Option<String>,
    /// The `bom_ref`s of what the document describes: CycloneDX's
    /// `metadata.component`, SPDX's `DESCRIBES` targets. They are also in
    /// [`Sbom::components`].
    pub roots: Vec<String>,
    /// Every component, nested ones flattened, in document order.
    pub components: Vec<Component>,
    /// The dependency graph: each `bom_ref` and the refs it depends on.
    pub dependencies: Vec<(String, Vec<String>)>,
}

/// One component (package) of an SBOM.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Component {
    /// The document-local reference (CycloneDX `bom-ref`, SPDX `SPDXID`).
    /// Components without one get a generated `vulndesk:N` reference.
    pub bom_ref: String,
    /// The name.
    pub name: String,
    /// The group or namespace (CycloneDX `group`), if any.
    pub group: Option<String>,
    /// The version.
    pub version: Option<String>,
    /// The package URL, if the document has a valid one.
    pub purl: Option<Purl>,
    /// The CPE 2.3 (or 2.2) name, as written.
    pub cpe: Option<String>,
    /// The supplier (or publisher) name.
    pub supplier: Option<String>,
    /// Hashes, as algorithm (as written, e.g. `SHA-256`) and value.
    pub hashes: Vec<(String, String)>,
    /// `Some(true)` for a direct dependency of a root, `Some(false)` for a
    /// transitive one, `None` when the dependency graph does not say.
    pub direct: Option<bool>,
    /// License ids, names or expressions.
    pub licenses: Vec<String>,
}

/// Where in a document a diagnostic or error is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A JSON pointer (RFC 6901), such as `/components/3/purl`.
    Pointer(String),
    /// A 1-based line number (XML, tag-value, textproto).
    Line(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pointer(p) if p.is_empty() => f.write_str("the document root"),
            Self::Pointer(p) => f.write_str(p),
            Self::Line(n) => write!(f, "line {n}"),
        }
    }
}

/// A problem that did not stop the import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is.
    pub location: Location,
    /// What the problem is, and what the reader did about it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Why an SBOM could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SbomError {
    /// The input is larger than [`ReadOptions::max_bytes`].
    #[error("the SBOM is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// The input's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The input is not one of the formats vulndesk reads.
    #[error("not a recognised SBOM: {0}")]
    UnknownFormat(String),
    /// The input is not well-formed JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The input is not well-formed XML.
    #[error("invalid XML at line {line}: {message}")]
    Xml {
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// The input is not well-formed protobuf text format.
    #[error("invalid textproto at line {line}: {message}")]
    Textproto {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The document's spec version is missing, wrong or not supported.
    #[error("unsupported {format} version {version:?}")]
    UnsupportedVersion {
        /// The format.
        format: SbomFormat,
        /// The version as written (empty when missing).
        version: String,
    },
    /// The document is in a format vulndesk recognises but does not read.
    #[error("unsupported SBOM: {0}")]
    Unsupported(String),
    /// Components are nested deeper than [`ReadOptions::max_nesting`] (or
    /// the JSON deeper than the parser allows).
    #[error("components nested too deeply at {location}: more than {limit} levels")]
    TooDeep {
        /// Where the limit was crossed.
        location: Location,
        /// The limit.
        limit: usize,
    },
    /// The document is well formed but its structure is not an SBOM's.
    #[error("invalid SBOM at {location}: {message}")]
    Invalid {
        /// Where the problem is.
        location: Location,
        /// What is wrong.
        message: String,
    },
}

/// Reads an SBOM of any supported format, with the default limits.
///
/// # Errors
///
/// See [`read_sbom_with`].
pub fn read_sbom(bytes: &[u8]) -> Result<(Sbom, Vec<Diagnostic>), SbomError> {
    read_sbom_with(bytes, ReadOptions::default())
}

/// Reads an SBOM of any supported format.
///
/// # Errors
///
/// An [`SbomError`] when the input is larger than the limit, is not a
/// recognised SBOM format, is malformed (with its line and column), has an
/// unsupported spec version, or nests components too deeply.
pub fn read_sbom_with(bytes: &[u8], options: ReadOptions) -> Result<(Sbom, Vec<Diagnostic>), SbomError> {
    if bytes.len() > options.max_bytes {
        return Err(SbomError::TooLarge { size: bytes.len(), limit: options.max_bytes });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let body = &bytes[start..];
    match body.first() {
        Some(b'{') => read_json(bytes, options),
        Some(b'<') => cyclonedx_xml::read(bytes, options),
        Some(_) if body.starts_with(b"SPDXVersion") || looks_like_tag_value(body) => spdx_tv::read(bytes),
        Some(_) if looks_like_spdx_yaml(body) => {
            Err(SbomError::Unsupported("SPDX in YAML; export the SPDX document as JSON or tag-value".into()))
        }
        Some(_) if cyclonedx_textproto::looks_like(body) => cyclonedx_textproto::read(bytes, options),
        Some(_) => Err(SbomError::UnknownFormat("expected JSON, XML, SPDX tag-value or CycloneDX textproto".into())),
        None => Err(SbomError::UnknownFormat("the input is empty".into())),
    }
}

/// Whether the text starts with SPDX tag-value comments or tags before its
/// `SPDXVersion:` line.
fn looks_like_tag_value(body: &[u8]) -> bool {
    let head = &body[..body.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.starts_with("SPDXVersion:"))
}

/// The keys that tell the JSON formats apart; everything else is skipped.
#[derive(serde::Deserialize)]
struct JsonSniff {
    #[serde(rename = "bomFormat")]
    bom_format: Option<serde::de::IgnoredAny>,
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<serde::de::IgnoredAny>,
    #[serde(rename = "@context")]
    context: Option<serde::de::IgnoredAny>,
    #[serde(rename = "@graph")]
    graph: Option<serde::de::IgnoredAny>,
}

/// Whether the text is SPDX 2 in YAML (a `spdxVersion:` key at the start of
/// a line near the top).
fn looks_like_spdx_yaml(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    head.lines().any(|l| l.starts_with("spdxVersion:"))
}

/// Parses JSON and dispatches on its shape.
fn read_json(bytes: &[u8], options: ReadOptions) -> Result<(Sbom, Vec<Diagnostic>), SbomError> {
    check_json_depth(bytes, options)?;
    let sniff: JsonSniff = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_data() {
            SbomError::UnknownFormat(format!("the JSON document is not an object: {e}"))
        } else {
            json_error(e)
        }
    })?;
    if sniff.bom_format.is_some() {
        cyclonedx::read_json(bytes, options)
    } else if sniff.spdx_version.is_some() {
        spdx::read_json(bytes)
    } else if sniff.context.is_some() || sniff.graph.is_some() {
        spdx3::read_json(bytes)
    } else {
        Err(SbomError::UnknownFormat(
            "JSON with neither `bomFormat` (CycloneDX), `spdxVersion` (SPDX 2) nor `@context` (SPDX 3)".into(),
        ))
    }
}

/// The deepest JSON nesting accepted: serde_json refuses more than 128
/// levels anyway, and 64 levels of nested components need about 130.
const MAX_JSON_DEPTH: usize = 128;

/// Refuses JSON nested deeper than serde_json can read, with a clear error,
/// before parsing it.
fn check_json_depth(bytes: &[u8], options: ReadOptions) -> Result<(), SbomError> {
    let (mut depth, mut in_string, mut escaped, mut line) = (0usize, false, false, 1usize);
    for &b in bytes {
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(SbomError::TooDeep { location: Location::Line(line), limit: options.max_nesting });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Converts a serde_json error into [`SbomError::Json`].
pub(crate) fn json_error(e: serde_json::Error) -> SbomError {
    SbomError::Json { line: e.line(), column: e.column(), message: e.to_string() }
}

/// Parses a purl found at `location`; an invalid one becomes a diagnostic.
pub(crate) fn parse_purl(
    text: &str,
    location: impl FnOnce() -> Location,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Purl> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match Purl::parse(text) {
        Ok(p) => Some(p),
        Err(e) => {
            diagnostics.push(Diagnostic {
                location: location(),
                message: format!("{e}; the component is kept without a purl"),
            });
            None
        }
    }
}

/// Appends `token` to a JSON pointer, escaping `~` and `/`.
pub(crate) fn pointer(base: &str, token: impl fmt::Display) -> String {
    let token = token.to_string().replace('~', "~0").replace('/', "~1");
    format!("{base}/{token}")
}

/// Fills in [`Component::direct`] from the dependency graph and the roots,
/// and reports edges that name unknown components.
///
/// A component the roots depend on is direct; one reachable from a root
/// only through others is transitive; one the graph does not reach is left
/// at `None`.
pub(crate) fn finish_graph(sbom: &mut Sbom, diagnostics: &mut Vec<Diagnostic>, where_: &str) {
    let known: HashSet<&str> = sbom.components.iter().map(|c| c.bom_ref.as_str()).collect();
    let mut unknown: BTreeMap<&str, usize> = BTreeMap::new();
    for (from, tos) in &sbom.dependencies {
        for r in std::iter::once(from).chain(tos) {
            if !known.contains(r.as_str()) {
                *unknown.entry(r.as_str()).or_default() += 1;
            }
        }
    }
    for (r, n) in unknown {
        diagnostics.push(Diagnostic {
            location: Location::Pointer(where_.to_owned()),
            message: format!("the dependency graph names `{r}` ({n} time(s)), which is no component of the document"),
        });
    }
    let edges: HashMap<&str, &Vec<String>> = sbom.dependencies.iter().map(|(from, tos)| (from.as_str(), tos)).collect();
    let mut level: HashMap<String, usize> = HashMap::new();
    let mut queue: VecDeque<(&str, usize)> = sbom.roots.iter().map(|r| (r.as_str(), 0)).collect();
    let mut seen: HashSet<&str> = sbom.roots.iter().map(String::as_str).collect();
    while let Some((node, depth)) = queue.pop_front() {
        for next in edges.get(node).into_iter().flat_map(|v| v.iter()) {
            if seen.insert(next.as_str()) {
                level.insert(next.clone(), depth + 1);
                queue.push_back((next.as_str(), depth + 1));
            }
        }
    }
    let roots: HashSet<&String> = sbom.roots.iter().collect();
    for c in &mut sbom.components {
        if roots.contains(&c.bom_ref) {
            continue;
        }
        c.direct = level.get(&c.bom_ref).map(|&d| d == 1);
    }
}

/// Gives components without a reference a generated, unique one.
pub(crate) fn generated_ref(index: usize) -> String {
    format!("vulndesk:{index}")
}

/// The 1-based line of a byte offset.
pub(crate) fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())].iter().filter(|&&b| b == b'\n').count()
}

/// Checks a hash value against the length its algorithm implies; returns a
/// diagnostic message when it does not fit.
pub(crate) fn check_hash(alg: &str, value: &str) -> Option<String> {
    let norm: String = alg.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase();
    let expected = match norm.as_str() {
        "MD5" => 32,
        "SHA1" => 40,
        "SHA256" | "SHA3256" | "BLAKE2B256" => 64,
        "SHA384" | "SHA3384" | "BLAKE2B384" => 96,
        "SHA512" | "SHA3512" | "BLAKE2B512" => 128,
        "SHA224" => 56,
        "BLAKE3" | "MD2" | "MD4" | "MD6" | "ADLER32" | "SHA3224" => return None,
        _ => return Some(format!("unknown hash algorithm `{alg}`")),
    };
    let ok = value.len() == expected && value.bytes().all(|b| b.is_ascii_hexdigit());
    (!ok).then(|| format!("the {alg} hash `{value}` is not {expected} hexadecimal digits"))
}
