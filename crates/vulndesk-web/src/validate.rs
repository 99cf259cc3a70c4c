//! Checks on what people type, shared by the pages and the API so both give the same answers.
//! Each returns the parsed value or a [`FieldError`] naming the field.

use vulndesk_core::{NameError, OrgKind, PersonRole, Slug, Username};

use crate::error::FieldError;

/// The shortest password accepted.
pub(crate) const MIN_PASSWORD: usize = 12;

fn name_error(field: &str, e: &NameError) -> FieldError {
    match e {
        NameError::Length { min, max } => FieldError::new(field, "name-length").with("min", min).with("max", max),
        NameError::Character { ch, position } => {
            FieldError::new(field, "name-character").with("ch", ch).with("position", position + 1)
        }
        _ => FieldError::new(field, "name-edge"),
    }
}

pub(crate) fn slug(field: &str, s: &str) -> Result<Slug, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "field-required"));
    }
    Slug::parse(s).map_err(|e| name_error(field, &e))
}

pub(crate) fn username(field: &str, s: &str) -> Result<Username, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "field-required"));
    }
    Username::parse(s).map_err(|e| name_error(field, &e))
}

pub(crate) fn text(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "field-required"));
    }
    if s.chars().count() > max {
        return Err(FieldError::new(field, "text-too-long").with("max", max));
    }
    Ok(s.to_owned())
}

/// Whether `s` is an absolute `http:` or `https:` URL with a host.
pub(crate) fn http_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// Whether `s` is an `https:` URL, or plain `http:` to this machine only (for local receivers).
pub(crate) fn https_or_loopback_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| match (u.scheme(), u.host()) {
        ("https", Some(_)) => true,
        ("http", Some(url::Host::Domain(d))) => d.eq_ignore_ascii_case("localhost"),
        ("http", Some(url::Host::Ipv4(ip))) => ip.is_loopback(),
        ("http", Some(url::Host::Ipv6(ip))) => ip.is_loopback(),
        _ => false,
    })
}

/// Optional text: trimmed, at most `max` characters, may be empty.
pub(crate) fn optional_text(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(FieldError::new(field, "text-too-long").with("max", max));
    }
    Ok(s.to_owned())
}

pub(crate) fn email(field: &str, s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let ok = s.len() <= 254
        && s.split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.'))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(s.to_owned()) } else { Err(FieldError::new(field, "invalid-email").with("value", s)) }
}

pub(crate) fn password(field: &str, s: &str) -> Result<String, FieldError> {
    if s.chars().count() < MIN_PASSWORD {
        return Err(FieldError::new(field, "password-too-short").with("min", MIN_PASSWORD));
    }
    Ok(s.to_owned())
}

pub(crate) fn kinds(field: &str, values: &[String]) -> Result<Vec<OrgKind>, FieldError> {
    if values.is_empty() {
        return Err(FieldError::new(field, "no-kinds"));
    }
    values
        .iter()
        .map(|v| OrgKind::parse(v).ok_or_else(|| FieldError::new(field, "unknown-kind").with("value", v)))
        .collect()
}

pub(crate) fn role(field: &str, s: &str) -> Result<PersonRole, FieldError> {
    PersonRole::parse(s.trim()).ok_or_else(|| FieldError::new(field, "unknown-role").with("value", s))
}

/// Collects the errors of several checks: `Ok` only when all passed.
pub(crate) fn all(errors: Vec<Option<FieldError>>) -> Result<(), crate::error::AppError> {
    let errors: Vec<FieldError> = errors.into_iter().flatten().collect();
    if errors.is_empty() { Ok(()) } else { Err(crate::error::AppError::Validation(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_name_the_field_and_problem() {
        assert_eq!(slug("slug", " demo ").map(|s| s.to_string()), Ok("demo".into()));
        assert_eq!(slug("slug", "").err().map(|e| e.key), Some("field-required"));
        let e = slug("slug", "Demo").expect_err("refused");
        assert_eq!((e.field.as_str(), e.key), ("slug", "name-character"));
        assert_eq!(e.args, vec![("ch", "D".to_string()), ("position", "1".to_string())]);
        assert!(email("email", "").is_ok());
        assert!(email("email", "psirt@demo.example").is_ok());
        assert!(email("email", "not an email").is_err());
        assert!(email("email", "a@b").is_err());
        assert!(password("password", "short").is_err());
        assert_eq!(kinds("kinds", &[]).err().map(|e| e.key), Some("no-kinds"));
        assert_eq!(kinds("kinds", &["vendor".into()]).err().map(|e| e.key), Some("unknown-kind"));
        assert_eq!(role("role", "root").err().map(|e| e.key), Some("unknown-role"));
        assert_eq!(text("name", &"x".repeat(201), 200).err().map(|e| e.key), Some("text-too-long"));
    }
}
