//! Per-type rules of the package-URL specification.
//!
//! Each type definition in the purl-spec repository (`types/*-definition.json`)
//! says whether the namespace is required, optional or prohibited, which
//! components are case-insensitive (and so lowercased in the canonical form),
//! which qualifiers are required, and a few free-text normalisation rules.
//! This module encodes those definitions as a table and applies them after
//! the generic parse, so that every constructor ([`super::Purl::parse`] and
//! [`super::Purl::build`]) yields the same canonical value.
//!
//! Types the table does not know get only the generic rules: the purl
//! specification allows any well-formed type.

use std::collections::BTreeMap;

use super::PurlError;

/// Whether a type allows, requires or forbids a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Requirement {
    Required,
    Optional,
    Prohibited,
}

/// The rules of one known type.
#[derive(Debug, Clone, Copy)]
struct TypeRules {
    /// The type, in lower case.
    ty: &'static str,
    /// Whether a namespace is required, optional or prohibited.
    namespace: Requirement,
    /// Whether the namespace is lowercased in the canonical form.
    namespace_lower: bool,
    /// Whether the name is lowercased in the canonical form.
    name_lower: bool,
    /// Whether the version is lowercased in the canonical form.
    version_lower: bool,
    /// Qualifier keys that must be present.
    required_qualifiers: &'static [&'static str],
}

/// Shorthand for the table below.
const fn rules(
    ty: &'static str,
    namespace: Requirement,
    namespace_lower: bool,
    name_lower: bool,
    version_lower: bool,
) -> TypeRules {
    TypeRules { ty, namespace, namespace_lower, name_lower, version_lower, required_qualifiers: &[] }
}

use Requirement::{Optional as O, Prohibited as P, Required as R};

/// The type definitions of purl-spec (the `types/` folder), one line each:
/// type, namespace requirement, then whether namespace, name and version are
/// case-insensitive. A component whose definition leaves `case_sensitive`
/// out is case-sensitive, as the definition schema's default says.
const TABLE: &[TypeRules] = &[
    rules("alpm", R, true, true, false),
    rules("apk", R, true, true, false),
    rules("bazel", P, false, false, false),
    rules("bitbucket", R, true, true, false),
    rules("bitnami", P, false, true, false),
    rules("brew", O, true, true, false),
    rules("cargo", P, false, false, false),
    rules("chrome-extension", P, false, true, false),
    rules("cocoapods", P, false, false, false),
    rules("composer", R, true, true, false),
    rules("conan", O, false, false, false),
    rules("conda", P, false, false, false),
    rules("cpan", O, false, false, false),
    rules("cran", P, false, false, false),
    rules("deb", R, true, true, false),
    rules("docker", O, false, false, false),
    rules("gem", P, false, false, false),
    rules("generic", O, false, false, false),
    rules("git", R, false, false, false),
    rules("github", R, true, true, false),
    rules("golang", R, false, false, false),
    rules("hackage", P, false, false, false),
    rules("hex", O, true, true, false),
    rules("huggingface", R, false, false, true),
    TypeRules { required_qualifiers: &["uuid"], ..rules("julia", P, false, false, false) },
    rules("luarocks", O, true, true, false),
    rules("maven", R, false, false, false),
    rules("mlflow", P, false, false, false),
    rules("npm", O, false, false, false),
    rules("nuget", P, false, false, false),
    rules("oci", P, false, true, true),
    rules("opam", P, false, false, false),
    rules("otp", P, false, true, false),
    rules("pub", P, false, true, false),
    rules("pypi", P, false, true, true),
    rules("qpkg", R, true, false, false),
    rules("rpm", R, true, false, false),
    TypeRules { required_qualifiers: &["tag_id"], ..rules("swid", O, false, false, false) },
    rules("swift", R, false, false, false),
    rules("vcpkg", P, false, false, false),
    rules("vscode-extension", R, true, true, true),
    rules("yocto", O, true, false, false),
];

/// The components a type's rules may change, already percent-decoded.
#[derive(Debug)]
pub(super) struct Parts<'a> {
    pub(super) ty: &'a str,
    pub(super) namespace: &'a mut Option<String>,
    pub(super) name: &'a mut String,
    pub(super) version: &'a mut Option<String>,
    pub(super) qualifiers: &'a BTreeMap<String, String>,
    pub(super) subpath: &'a mut Option<String>,
}

/// Applies the rules of `parts.ty` (normalisation first, then validation).
pub(super) fn apply(parts: Parts<'_>) -> Result<(), PurlError> {
    let Some(rules) = TABLE.iter().find(|r| r.ty == parts.ty) else {
        return Ok(());
    };
    let ty = parts.ty;
    let type_error = |message: String| PurlError::TypeRule { ty: ty.to_owned(), message };

    // Case rules from the definitions, plus the free-text ones.
    let lower_all = rules.namespace_lower || git_on_case_insensitive_host(ty, parts.namespace);
    if lower_all && let Some(ns) = parts.namespace.as_mut() {
        *ns = ns.to_lowercase();
    }
    let name_lower =
        rules.name_lower || (ty == "git" && lower_all) || (ty == "mlflow" && mlflow_on_databricks(parts.qualifiers));
    if name_lower {
        *parts.name = parts.name.to_lowercase();
    }
    if rules.version_lower
        && let Some(v) = parts.version.as_mut()
    {
        *v = v.to_lowercase();
    }
    match ty {
        // PyPI treats `-` and `_` alike; the canonical name uses `-`.
        "pypi" => *parts.name = parts.name.replace('_', "-"),
        // Pub allows only `[a-z0-9_]`; anything else becomes `_`.
        "pub" => {
            *parts.name = parts
                .name
                .chars()
                .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' { c } else { '_' })
                .collect();
        }
        // A CPAN author id (CPANID) is upper case.
        "cpan" => {
            if let Some(ns) = parts.namespace.as_mut() {
                *ns = ns.to_uppercase();
            }
        }
        // The OTP subpath is case-insensitive.
        "otp" => {
            if let Some(sub) = parts.subpath.as_mut() {
                *sub = sub.to_lowercase();
            }
        }
        _ => {}
    }

    // Validation.
    match (rules.namespace, parts.namespace.is_some()) {
        (Requirement::Required, false) => {
            return Err(type_error("a namespace is required".into()));
        }
        (Requirement::Prohibited, true) => {
            return Err(type_error("a namespace is not allowed".into()));
        }
        _ => {}
    }
    for key in rules.required_qualifiers {
        if !parts.qualifiers.contains_key(*key) {
            return Err(type_error(format!("the qualifier `{key}` is required")));
        }
    }
    match ty {
        "cpan" if parts.name.contains("::") => {
            Err(type_error("the name is a distribution name and must not contain `::` (a module name)".into()))
        }
        "chrome-extension" => {
            let name_ok = parts.name.len() == 32 && parts.name.bytes().all(|b| (b'a'..=b'p').contains(&b));
            if !name_ok {
                return Err(type_error("the name must be an extension id of 32 letters a to p".into()));
            }
            if let Some(v) = parts.version.as_deref() {
                let segments: Vec<&str> = v.split('.').collect();
                let ok = segments.len() <= 4
                    && segments.iter().all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
                if !ok {
                    return Err(type_error("the version must be 1 to 4 dot-separated numbers".into()));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Whether a `git` purl names a repository on GitHub or Bitbucket, whose
/// owner and repository names are case-insensitive (the purl-spec `git`
/// tests lowercase them there, although the `git` type is case-sensitive
/// in general).
fn git_on_case_insensitive_host(ty: &str, namespace: &Option<String>) -> bool {
    if ty != "git" {
        return false;
    }
    let host = namespace.as_deref().and_then(|ns| ns.split('/').next()).unwrap_or("").to_ascii_lowercase();
    matches!(host.as_str(), "github" | "github.com" | "bitbucket" | "bitbucket.org")
}

/// Whether an `mlflow` model lives on Databricks, whose model names are
/// case-insensitive (Azure ML's are case-sensitive).
fn mlflow_on_databricks(qualifiers: &BTreeMap<String, String>) -> bool {
    qualifiers.get("repository_url").is_some_and(|url| url.to_ascii_lowercase().contains("databricks"))
}

/// The `namespace/name` part of [`super::Purl::ecosystem_key`].
///
/// It is the canonical namespace and name, except where the ecosystem
/// itself compares names case-insensitively although the purl type keeps
/// their case: NuGet package ids are case-insensitive, so their key is
/// lowercased, so that `EnterpriseLibrary.Common` and
/// `enterpriselibrary.common` find the same index entry.
pub(super) fn key_name(ty: &str, namespace: Option<&str>, name: &str) -> String {
    let joined = match namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_owned(),
    };
    if ty == "nuget" { joined.to_lowercase() } else { joined }
}

/// Whether the type's name is a `/`-separated path rather than one segment:
/// a `git` purl's namespace is the host and its name the repository path
/// (`pkg:git/codeberg.org/forgejo/forgejo`).
pub(super) fn name_is_path(ty: &str) -> bool {
    ty.eq_ignore_ascii_case("git")
}
