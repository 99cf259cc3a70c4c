//! CycloneDX in protobuf text format (`.textproto`), the form the CycloneDX
//! specification's own protobuf test files take.
//!
//! The text is tokenised and parsed (without recursion, with a depth limit)
//! into a generic tree of fields, and the fields vulndesk reads are mapped
//! onto the serde model of the JSON reader ([`super::cyclonedx`]): the
//! protobuf names (`spec_version`, `bom_ref`, nested `dependencies`) and
//! enums (`HASH_ALG_SHA_256`) become their JSON equivalents. Diagnostics
//! carry the line of the component they are about.

use std::collections::HashMap;

use super::cyclonedx::{self, Bom, CdxComponent, Dependency, Hash, License, LicenseChoice, Metadata, Organization};
use super::{Diagnostic, Location, ReadOptions, Sbom, SbomError, SbomFormat};

/// A parsed field value.
#[derive(Debug)]
enum Node {
    /// A string, number or enum, as text.
    Scalar(String),
    /// A message: its fields in order, and the line it starts on.
    Message(Vec<(String, Node)>, usize),
}

/// Whether the start of a document looks like protobuf text format: its
/// first line that is not a comment is `identifier:` or `identifier {`.
pub(crate) fn looks_like(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let Some(line) = head.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')) else {
        return false;
    };
    let ident_len = line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(line.len());
    ident_len > 0
        && line.starts_with(|c: char| c.is_ascii_lowercase())
        && line[ident_len..].trim_start().starts_with([':', '{'])
}

/// Reads CycloneDX textproto.
///
/// # Errors
///
/// Malformed text format (with its line), a missing or unsupported
/// `spec_version`, or nesting deeper than the limit.
pub fn read(bytes: &[u8], options: ReadOptions) -> Result<(Sbom, Vec<Diagnostic>), SbomError> {
    let text = std::str::from_utf8(bytes).map_err(|e| SbomError::Textproto {
        line: super::line_of(bytes, e.valid_up_to()),
        message: "not UTF-8".into(),
    })?;
    let fields = parse(text, options.max_nesting * 2 + 16, options.max_nesting)?;
    let mut lines_of = HashMap::new();
    let mut bom = Bom { bom_format: Some("CycloneDX".into()), ..Bom::default() };
    let mut components = Vec::new();
    let mut dependencies = Vec::new();
    for (name, node) in &fields {
        match (name.as_str(), node) {
            ("spec_version", Node::Scalar(v)) => bom.spec_version = Some(v.clone()),
            ("metadata", Node::Message(m, _)) => {
                let main = m.iter().find_map(|(k, v)| (k == "component").then_some(v));
                if let Some(main) = main {
                    bom.metadata =
                        Some(Metadata { component: Some(component(main, "/metadata/component", &mut lines_of)) });
                }
            }
            ("components", node) => {
                let at = format!("/components/{}", components.len());
                components.push(component(node, &at, &mut lines_of));
            }
            ("dependencies", Node::Message(m, _)) => {
                let reference = scalar(m, "ref");
                let depends_on = m
                    .iter()
                    .filter(|(k, _)| k == "dependencies")
                    .filter_map(|(_, v)| match v {
                        Node::Message(inner, _) => scalar(inner, "ref"),
                        Node::Scalar(_) => None,
                    })
                    .collect();
                dependencies.push(Dependency { reference, depends_on: Some(depends_on) });
            }
            _ => {}
        }
    }
    if bom.spec_version.is_none() {
        return Err(SbomError::UnsupportedVersion { format: SbomFormat::CycloneDxTextproto, version: String::new() });
    }
    bom.components = Some(components);
    bom.dependencies = Some(dependencies);
    let locate = |p: &str| {
        let mut key = p;
        loop {
            if let Some(&line) = lines_of.get(key) {
                return Location::Line(line);
            }
            match key.rfind('/') {
                Some(i) => key = &key[..i],
                None => return Location::Line(1),
            }
        }
    };
    cyclonedx::convert(bom, SbomFormat::CycloneDxTextproto, cyclonedx::SUPPORTED_VERSIONS, options, &locate)
}

/// The first scalar field called `key`.
fn scalar(fields: &[(String, Node)], key: &str) -> Option<String> {
    fields.iter().find_map(|(k, v)| match v {
        Node::Scalar(s) if k == key => Some(s.clone()),
        _ => None,
    })
}

/// Maps a `Component` message onto the serde model.
fn component(node: &Node, at: &str, lines_of: &mut HashMap<String, usize>) -> CdxComponent {
    let Node::Message(fields, line) = node else {
        return CdxComponent::default();
    };
    lines_of.insert(at.to_owned(), *line);
    let mut c = CdxComponent {
        bom_ref: scalar(fields, "bom_ref"),
        name: scalar(fields, "name"),
        group: scalar(fields, "group"),
        version: scalar(fields, "version"),
        purl: scalar(fields, "purl"),
        cpe: scalar(fields, "cpe"),
        publisher: scalar(fields, "publisher"),
        ..CdxComponent::default()
    };
    for (key, value) in fields {
        let Node::Message(inner, _) = value else {
            continue;
        };
        match key.as_str() {
            "supplier" => {
                c.supplier = Some(Organization { name: scalar(inner, "name") });
            }
            "hashes" => c
                .hashes
                .get_or_insert_with(Vec::new)
                .push(Hash { alg: scalar(inner, "alg").map(|a| hash_alg(&a)), content: scalar(inner, "value") }),
            "licenses" => {
                let license = inner.iter().find_map(|(k, v)| match v {
                    Node::Message(l, _) if k == "license" => {
                        Some(License { id: scalar(l, "id"), name: scalar(l, "name") })
                    }
                    _ => None,
                });
                c.licenses
                    .get_or_insert_with(Vec::new)
                    .push(LicenseChoice { license, expression: scalar(inner, "expression") });
            }
            "components" => {
                let list = c.components.get_or_insert_with(Vec::new);
                let child_at = format!("{at}/components/{}", list.len());
                list.push(component(value, &child_at, lines_of));
            }
            _ => {}
        }
    }
    c
}

/// `HASH_ALG_SHA_3_256` → `SHA3-256`, as the JSON format spells it.
fn hash_alg(proto: &str) -> String {
    let a = proto.strip_prefix("HASH_ALG_").unwrap_or(proto);
    match a {
        "MD_5" => "MD5".into(),
        "SHA_1" => "SHA-1".into(),
        "BLAKE_3" => "BLAKE3".into(),
        _ => {
            if let Some(bits) = a.strip_prefix("SHA_3_") {
                format!("SHA3-{bits}")
            } else if let Some(bits) = a.strip_prefix("SHA_") {
                format!("SHA-{bits}")
            } else if let Some(bits) = a.strip_prefix("BLAKE_2_B_") {
                format!("BLAKE2b-{bits}")
            } else {
                a.to_owned()
            }
        }
    }
}

/// Parses text format into the top-level fields, refusing messages nested
/// deeper than `max_depth` (or components deeper than `max_components`).
fn parse(text: &str, max_depth: usize, max_components: usize) -> Result<Vec<(String, Node)>, SbomError> {
    let tokens = tokenize(text)?;
    // Each open message: its fields, its name, its start line, its closer.
    let mut stack: Vec<OpenMessage> = vec![(Vec::new(), String::new(), 1, '\0')];
    let mut component_depth: Vec<bool> = Vec::new();
    // The field name of the `[...]` list open at each stack depth, if any.
    let mut lists: Vec<(usize, String)> = Vec::new();
    let mut i = 0;
    let err = |line: usize, message: String| SbomError::Textproto { line, message };
    while i < tokens.len() {
        let (tok, line) = (&tokens[i].0, tokens[i].1);
        match tok {
            Tok::Close(c) => {
                if stack.len() < 2 || stack.last().is_some_and(|s| s.3 != *c) {
                    return Err(err(line, format!("unexpected `{c}`")));
                }
                if let Some((fields, name, start, _)) = stack.pop() {
                    component_depth.pop();
                    if let Some(parent) = stack.last_mut() {
                        parent.0.push((name, Node::Message(fields, start)));
                    }
                }
                i += 1;
            }
            Tok::Sep => i += 1,
            Tok::ListClose => {
                if lists.last().is_none_or(|l| l.0 != stack.len()) {
                    return Err(err(line, "unexpected `]`".into()));
                }
                lists.pop();
                i += 1;
            }
            Tok::Word(v) | Tok::Str(v) if lists.last().is_some_and(|l| l.0 == stack.len()) => {
                let name = lists.last().map(|l| l.1.clone()).unwrap_or_default();
                if let Some(top) = stack.last_mut() {
                    top.0.push((name, Node::Scalar(v.clone())));
                }
                i += 1;
            }
            Tok::Open(close) if lists.last().is_some_and(|l| l.0 == stack.len()) => {
                let name = lists.last().map(|l| l.1.clone()).unwrap_or_default();
                if stack.len() > max_depth {
                    return Err(SbomError::TooDeep { location: Location::Line(line), limit: max_components });
                }
                component_depth.push(name == "components");
                stack.push((Vec::new(), name, line, *close));
                i += 1;
            }
            Tok::Word(name) => {
                let name = name.clone();
                i += 1;
                let mut colon = false;
                if matches!(tokens.get(i), Some((Tok::Colon, _))) {
                    colon = true;
                    i += 1;
                }
                match tokens.get(i) {
                    Some((Tok::Open(close), l)) => {
                        if stack.len() > max_depth {
                            return Err(SbomError::TooDeep { location: Location::Line(*l), limit: max_components });
                        }
                        let is_component = name == "components";
                        let nested = component_depth.iter().filter(|&&c| c).count();
                        if is_component && nested > max_components {
                            return Err(SbomError::TooDeep { location: Location::Line(*l), limit: max_components });
                        }
                        component_depth.push(is_component);
                        stack.push((Vec::new(), name, *l, *close));
                        i += 1;
                    }
                    Some((Tok::Word(v) | Tok::Str(v), _)) if colon => {
                        let mut value = v.clone();
                        i += 1;
                        // Adjacent strings concatenate.
                        while let Some((Tok::Str(more), _)) = tokens.get(i) {
                            value.push_str(more);
                            i += 1;
                        }
                        if let Some(top) = stack.last_mut() {
                            top.0.push((name, Node::Scalar(value)));
                        }
                    }
                    Some((Tok::List, _)) => {
                        lists.push((stack.len(), name));
                        i += 1;
                    }
                    other => {
                        let l = other.map_or(line, |o| o.1);
                        return Err(err(l, format!("a value for `{name}` is missing")));
                    }
                }
            }
            Tok::Str(_) | Tok::Colon | Tok::Open(_) | Tok::List => {
                return Err(err(line, "a field name was expected".into()));
            }
        }
    }
    if let Some((_, name)) = lists.last() {
        return Err(err(tokens.last().map_or(1, |t| t.1), format!("the list `{name}` is never closed")));
    }
    if stack.len() > 1 {
        let line = stack.last().map_or(1, |s| s.2);
        return Err(err(line, "a message is never closed".into()));
    }
    Ok(stack.pop().map(|s| s.0).unwrap_or_default())
}

/// A message being parsed: its fields, its name, its start line and the
/// character that closes it.
type OpenMessage = (Vec<(String, Node)>, String, usize, char);

/// A token of text format.
#[derive(Debug)]
enum Tok {
    /// An identifier, number, or other bare word.
    Word(String),
    /// A quoted string, unescaped.
    Str(String),
    Colon,
    /// `{` or `<`, carrying the closer it expects.
    Open(char),
    Close(char),
    /// `[`, opening a list of values.
    List,
    /// `]`.
    ListClose,
    /// `,` or `;`.
    Sep,
}

/// Splits text format into tokens with their lines.
fn tokenize(text: &str) -> Result<Vec<(Tok, usize)>, SbomError> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut line = 1;
    while let Some((start, c)) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '#' => {
                while chars.peek().is_some_and(|&(_, c)| c != '\n') {
                    chars.next();
                }
            }
            ':' => out.push((Tok::Colon, line)),
            '{' => out.push((Tok::Open('}'), line)),
            '<' => out.push((Tok::Open('>'), line)),
            '}' | '>' => out.push((Tok::Close(c), line)),
            '[' => out.push((Tok::List, line)),
            ']' => out.push((Tok::ListClose, line)),
            ',' | ';' => out.push((Tok::Sep, line)),
            '"' | '\'' => {
                let mut s = String::new();
                let start_line = line;
                loop {
                    match chars.next() {
                        None => {
                            return Err(SbomError::Textproto {
                                line: start_line,
                                message: "a string is never closed".into(),
                            });
                        }
                        Some((_, '\n')) => {
                            return Err(SbomError::Textproto {
                                line: start_line,
                                message: "a string runs past the end of its line".into(),
                            });
                        }
                        Some((_, q)) if q == c => break,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, 'n')) => s.push('\n'),
                            Some((_, 't')) => s.push('\t'),
                            Some((_, 'r')) => s.push('\r'),
                            Some((_, other)) => s.push(other),
                            None => {}
                        },
                        Some((_, ch)) => s.push(ch),
                    }
                }
                out.push((Tok::Str(s), line));
            }
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '.') => {
                let mut end = start + c.len_utf8();
                while let Some(&(i, n)) = chars.peek() {
                    if n.is_ascii_alphanumeric() || matches!(n, '_' | '-' | '+' | '.') {
                        end = i + n.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push((Tok::Word(text[start..end].to_owned()), line));
            }
            other => {
                return Err(SbomError::Textproto { line, message: format!("unexpected character `{other}`") });
            }
        }
    }
    Ok(out)
}
