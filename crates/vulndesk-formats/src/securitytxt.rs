//! `security.txt` (RFC 9116): the file at `/.well-known/security.txt` that tells researchers where
//! to report. Rendering with the fields the RFC requires (`Contact`, `Expires`) checked, and a
//! reader used by tests to check what vulndesk serves.

use std::fmt::Write;

/// The fields vulndesk publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityTxt {
    /// One or more `Contact:` URIs (`mailto:`, `https:`, `tel:`), in order of preference.
    pub contact: Vec<String>,
    /// `Expires:` as an RFC 3339 date-time (the RFC asks for less than a year ahead).
    pub expires: String,
    /// `Policy:` URL, if any.
    pub policy: Option<String>,
    /// `Acknowledgments:` URL, if any.
    pub acknowledgments: Option<String>,
    /// `Preferred-Languages:` tags.
    pub preferred_languages: Vec<String>,
    /// `Canonical:` URL, if any.
    pub canonical: Option<String>,
    /// `CSAF:` provider-metadata URL, if any.
    pub csaf: Option<String>,
}

/// Why the fields cannot make a valid file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecurityTxtError {
    /// RFC 9116 §2.5.3: at least one `Contact` is required.
    #[error("Contact: at least one contact URI is required")]
    NoContact,
    /// A contact is not a `mailto:`, `https:` or `tel:` URI.
    #[error("Contact: {0:?} must be a mailto:, https: or tel: URI")]
    BadContact(String),
    /// A URL field is not `https:` (RFC 9116 §2.5 requires HTTPS for web URIs).
    #[error("{field}: {value:?} must be an https: URL")]
    NotHttps {
        /// The field.
        field: &'static str,
        /// The value.
        value: String,
    },
    /// A value contains a line break, which would inject another field.
    #[error("{0}: values may not contain line breaks")]
    LineBreak(&'static str),
}

fn one_line(field: &'static str, v: &str) -> Result<(), SecurityTxtError> {
    if v.contains(['\r', '\n']) { Err(SecurityTxtError::LineBreak(field)) } else { Ok(()) }
}

fn https(field: &'static str, v: &Option<String>) -> Result<(), SecurityTxtError> {
    match v {
        Some(v) if !v.starts_with("https://") => Err(SecurityTxtError::NotHttps { field, value: v.clone() }),
        Some(v) => one_line(field, v),
        None => Ok(()),
    }
}

impl SecurityTxt {
    /// Checks the fields against RFC 9116's rules.
    pub fn validate(&self) -> Result<(), SecurityTxtError> {
        if self.contact.is_empty() {
            return Err(SecurityTxtError::NoContact);
        }
        for c in &self.contact {
            one_line("Contact", c)?;
            if !(c.starts_with("mailto:") || c.starts_with("https://") || c.starts_with("tel:")) {
                return Err(SecurityTxtError::BadContact(c.clone()));
            }
        }
        one_line("Expires", &self.expires)?;
        https("Policy", &self.policy)?;
        https("Acknowledgments", &self.acknowledgments)?;
        https("Canonical", &self.canonical)?;
        https("CSAF", &self.csaf)?;
        for l in &self.preferred_languages {
            one_line("Preferred-Languages", l)?;
        }
        Ok(())
    }

    /// The file's text, with CRLF-free `Field: value` lines as the RFC's ABNF allows.
    pub fn render(&self) -> Result<String, SecurityTxtError> {
        self.validate()?;
        let mut out = String::new();
        for c in &self.contact {
            let _ = writeln!(out, "Contact: {c}");
        }
        let _ = writeln!(out, "Expires: {}", self.expires);
        if !self.preferred_languages.is_empty() {
            let _ = writeln!(out, "Preferred-Languages: {}", self.preferred_languages.join(", "));
        }
        for (name, v) in [
            ("Policy", &self.policy),
            ("Acknowledgments", &self.acknowledgments),
            ("Canonical", &self.canonical),
            ("CSAF", &self.csaf),
        ] {
            if let Some(v) = v {
                let _ = writeln!(out, "{name}: {v}");
            }
        }
        Ok(out)
    }
}

/// Reads `Field: value` pairs (comments and blank lines skipped), for checking served files.
pub fn parse_fields(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SecurityTxt {
        SecurityTxt {
            contact: vec!["mailto:psirt@demo-networks.example".into(), "https://vulndesk.example/p/demo".into()],
            expires: "2027-11-25T00:00:00Z".into(),
            policy: Some("https://vulndesk.example/p/demo".into()),
            acknowledgments: None,
            preferred_languages: vec!["zh-CN".into(), "en".into()],
            canonical: Some("https://vulndesk.example/.well-known/security.txt".into()),
            csaf: None,
        }
    }

    #[test]
    fn renders_required_fields_and_refuses_bad_ones() {
        let text = sample().render().expect("valid");
        let fields = parse_fields(&text);
        assert_eq!(fields.iter().filter(|(k, _)| k == "Contact").count(), 2);
        assert!(fields.contains(&("Expires".into(), "2027-11-25T00:00:00Z".into())));
        assert!(fields.contains(&("Preferred-Languages".into(), "zh-CN, en".into())));
        assert_eq!(SecurityTxt { contact: vec![], ..sample() }.render(), Err(SecurityTxtError::NoContact));
        assert!(matches!(
            SecurityTxt { contact: vec!["psirt@x".into()], ..sample() }.render(),
            Err(SecurityTxtError::BadContact(_))
        ));
        assert!(matches!(
            SecurityTxt { policy: Some("http://x".into()), ..sample() }.render(),
            Err(SecurityTxtError::NotHttps { field: "Policy", .. })
        ));
        assert_eq!(
            SecurityTxt { expires: "2027\nContact: mailto:evil@x".into(), ..sample() }.render(),
            Err(SecurityTxtError::LineBreak("Expires"))
        );
    }
}
