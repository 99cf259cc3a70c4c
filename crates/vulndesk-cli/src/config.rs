//! The configuration: built-in defaults, then a TOML file, then `VULNDESK_*` environment
//! variables, then command-line flags. Any key can also come from a file named by `VULNDESK_<KEY>_FILE`
//! (for secrets kept in files, as container orchestrators provide them).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Every setting, as read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// Address to listen on.
    pub(crate) listen: String,
    /// Folder for the embedded database and other local state.
    pub(crate) data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`; defaults to SQLite in `data_dir`.
    pub(crate) database_url: Option<String>,
    /// The URL people use to reach vulndesk (decides whether cookies are marked `Secure`).
    pub(crate) public_url: Option<String>,
    /// The first administrator's password; a random one is printed when unset.
    pub(crate) admin_password: Option<String>,
    /// The password given to the demo accounts; a random one is printed when unset.
    pub(crate) demo_password: Option<String>,
    /// Language for browsers that name none vulndesk speaks: `zh-CN` or `en`.
    pub(crate) default_locale: String,
    /// `text` or `json`.
    pub(crate) log_format: String,
    /// A tracing filter such as `info` or `vulndesk_web=debug,info`.
    pub(crate) log_level: String,
    /// How long a sign-in lasts, in hours.
    pub(crate) session_hours: u64,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub(crate) trust_forwarded_for: bool,
    /// Largest request body, in bytes.
    pub(crate) max_body_bytes: usize,
    /// Database connections per instance.
    pub(crate) max_connections: u32,
    /// Largest report attachment, in MiB.
    pub(crate) max_attachment_mib: usize,
    /// Report submissions allowed per source address per minute.
    pub(crate) intake_per_source_per_minute: u32,
    /// Report submissions allowed per program per minute.
    pub(crate) intake_per_program_per_minute: u32,
    /// The organisation (short name) whose security.txt `/.well-known/security.txt` serves.
    pub(crate) security_txt_org: Option<String>,
    /// The SMTP relay mail goes through: `smtp://host:25`, `smtp://host:587?tls=required`,
    /// `smtps://user:password@host` (a password here belongs in `VULNDESK_SMTP_URL_FILE`).
    /// Without it, mail waits in the outbox and is retried.
    pub(crate) smtp_url: Option<String>,
    /// The sender of vulndesk's mail.
    pub(crate) mail_from: String,
    /// Let webhooks and reporting endpoints reach loopback and private addresses. Off by default:
    /// a user-supplied URL must not make vulndesk a proxy into its own network.
    pub(crate) delivery_allow_private_networks: bool,
    /// OSV data the job runner imports on its own: `all.zip` URLs or local paths (archives,
    /// folders, records), as `vulndesk osv import` takes them. Empty: only what is imported by
    /// hand. In the environment: `VULNDESK_OSV_SOURCES='["https://…/PyPI/all.zip"]'`.
    pub(crate) osv_sources: Vec<String>,
    /// Hours between imports of `osv_sources` (the first one five minutes after start).
    pub(crate) osv_pull_hours: u64,
    /// The bearer token a Prometheus scraper presents at `/metrics` (keep it in
    /// `VULNDESK_METRICS_TOKEN_FILE`); without it, `/metrics` is not served.
    pub(crate) metrics_token: Option<String>,
    /// Two-factor sign-in for site and organisation administrators: `required` (the default;
    /// `optional` under `serve --demo`) or `optional`.
    pub(crate) mfa_admins: Option<String>,
    /// A separate address for `/metrics` (say `10.0.0.5:9464` on the monitoring network); then the
    /// main address does not serve it, and `metrics_token` is asked for only when set.
    pub(crate) metrics_listen: Option<String>,
    /// The key attachments are encrypted with at rest (AES-256-GCM): 64 hex digits, from
    /// `VULNDESK_ATTACHMENT_KEY_FILE` (`openssl rand -hex 32 > /etc/vulndesk/attachment.key`).
    /// Without it attachments are stored as received. Keep it with the backups, apart from them.
    pub(crate) attachment_key: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./vulndesk-data"),
            database_url: None,
            public_url: None,
            admin_password: None,
            demo_password: None,
            default_locale: "zh-CN".into(),
            log_format: "text".into(),
            log_level: "info".into(),
            session_hours: 12,
            trust_forwarded_for: false,
            max_body_bytes: 1 << 20,
            max_connections: 8,
            max_attachment_mib: 25,
            intake_per_source_per_minute: 20,
            intake_per_program_per_minute: 600,
            security_txt_org: None,
            smtp_url: None,
            mail_from: "vulndesk <vulndesk@localhost>".into(),
            delivery_allow_private_networks: false,
            osv_sources: Vec::new(),
            osv_pull_hours: 24,
            metrics_token: None,
            mfa_admins: None,
            metrics_listen: None,
            attachment_key: None,
        }
    }
}

const KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "public_url",
    "admin_password",
    "demo_password",
    "default_locale",
    "log_format",
    "log_level",
    "session_hours",
    "trust_forwarded_for",
    "max_body_bytes",
    "max_connections",
    "max_attachment_mib",
    "intake_per_source_per_minute",
    "intake_per_program_per_minute",
    "security_txt_org",
    "smtp_url",
    "mail_from",
    "delivery_allow_private_networks",
    "osv_sources",
    "osv_pull_hours",
    "metrics_token",
    "mfa_admins",
    "metrics_listen",
    "attachment_key",
];

/// Flags that override the file and the environment.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) database_url: Option<String>,
}

impl Config {
    /// Reads the configuration from `file` (if given), the environment and `overrides`.
    pub(crate) fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Self> {
        let mut fig = Figment::from(Serialized::defaults(Self::default()));
        if let Some(file) = file {
            if !file.exists() {
                bail!("configuration file {} does not exist", file.display());
            }
            fig = fig.merge(Toml::file_exact(file));
        }
        fig = fig.merge(Env::prefixed("VULNDESK_").only(KEYS));
        for key in KEYS {
            let var = format!("VULNDESK_{}_FILE", key.to_uppercase());
            if let Ok(path) = std::env::var(&var) {
                let value = std::fs::read_to_string(&path).with_context(|| format!("cannot read {var}={path}"))?;
                fig = fig.merge(Serialized::default(key, value.trim_end_matches(['\r', '\n'])));
            }
        }
        fig = fig.merge(Serialized::defaults(overrides));
        let config: Self = fig.extract().map_err(|e| anyhow::anyhow!(describe(e)))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        if vulndesk_core::Locale::from_tag(&self.default_locale).is_none() {
            bail!("default_locale: {:?} is not a language vulndesk speaks (zh-CN or en)", self.default_locale);
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            bail!("log_format: {:?} must be \"text\" or \"json\"", self.log_format);
        }
        if self.mfa_admins.as_deref().is_some_and(|m| !matches!(m, "required" | "optional")) {
            bail!(
                "mfa_admins: {:?} must be \"required\" or \"optional\"",
                self.mfa_admins.as_deref().unwrap_or_default()
            );
        }
        if let Some(k) = &self.attachment_key {
            vulndesk_store::parse_attachment_key(k).map_err(|e| anyhow::anyhow!(e))?;
        }
        if self.metrics_token.as_deref().is_some_and(|t| t.len() < 16) {
            bail!("metrics_token: use at least 16 characters (a random token, from a file)");
        }
        if self.osv_pull_hours == 0 || self.osv_pull_hours > 24 * 30 {
            bail!("osv_pull_hours: {} must be between 1 and 720", self.osv_pull_hours);
        }
        if let Some(bad) = self.osv_sources.iter().find(|s| {
            s.trim().is_empty() || s.contains("://") && !s.starts_with("https://") && !s.starts_with("http://")
        }) {
            bail!("osv_sources: {bad:?} is neither an http(s) URL nor a path");
        }
        if self.session_hours == 0 || self.session_hours > 24 * 30 {
            bail!("session_hours: {} must be between 1 and 720", self.session_hours);
        }
        Ok(())
    }

    /// The attachment key, when configured (checked at load).
    pub(crate) fn attachment_key(&self) -> Option<[u8; 32]> {
        self.attachment_key.as_deref().and_then(|k| vulndesk_store::parse_attachment_key(k).ok())
    }

    /// The database URL: the configured one, or SQLite in the data folder.
    pub(crate) fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("vulndesk.db").display()))
    }
}

/// One line per problem, each naming the key and where its value came from.
fn describe(err: figment::Error) -> String {
    err.into_iter()
        .map(|e| {
            let key = if e.path.is_empty() { String::new() } else { format!("{}: ", e.path.join(".")) };
            let source = e
                .metadata
                .as_ref()
                .map(|m| match &m.source {
                    Some(src) => format!(" (in {src})"),
                    None => format!(" (in {})", m.name),
                })
                .unwrap_or_default();
            format!("configuration error: {key}{}{source}", e.kind)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let p = dir.join("vulndesk.toml");
        std::fs::write(&p, text).expect("write config");
        p
    }

    #[test]
    fn file_values_and_overrides_apply_and_errors_name_key_and_file() {
        let dir = std::env::temp_dir().join(format!("vulndesk-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let p = write(&dir, "listen = \"127.0.0.1:9999\"\nsession_hours = 2\n");
        let c =
            Config::load(Some(&p), &Overrides { data_dir: Some("/tmp/x".into()), ..Default::default() }).expect("load");
        assert_eq!((c.listen.as_str(), c.session_hours), ("127.0.0.1:9999", 2));
        assert_eq!(c.database_url(), "sqlite:///tmp/x/vulndesk.db");

        let p = write(&dir, "listn = \"x\"\n");
        let e = Config::load(Some(&p), &Overrides::default()).expect_err("unknown key").to_string();
        assert!(e.contains("listn") && e.contains("vulndesk.toml"), "{e}");

        let p = write(&dir, "session_hours = \"many\"\n");
        let e = Config::load(Some(&p), &Overrides::default()).expect_err("bad type").to_string();
        assert!(e.contains("session_hours") && e.contains("vulndesk.toml"), "{e}");

        let p = write(&dir, "default_locale = \"fr\"\n");
        let e = Config::load(Some(&p), &Overrides::default()).expect_err("bad locale").to_string();
        assert!(e.contains("default_locale"), "{e}");

        let p =
            write(&dir, "osv_sources = [\"https://osv.example/PyPI/all.zip\", \"/srv/osv/Go\"]\nosv_pull_hours = 6\n");
        let c = Config::load(Some(&p), &Overrides::default()).expect("osv sources");
        assert_eq!((c.osv_sources.len(), c.osv_pull_hours), (2, 6));
        let p = write(&dir, "osv_sources = [\"ftp://osv.example/all.zip\"]\n");
        let e = Config::load(Some(&p), &Overrides::default()).expect_err("not http").to_string();
        assert!(e.contains("osv_sources") && e.contains("ftp://"), "{e}");
        let p = write(&dir, "osv_pull_hours = 0\n");
        let e = Config::load(Some(&p), &Overrides::default()).expect_err("zero").to_string();
        assert!(e.contains("osv_pull_hours"), "{e}");

        let p = write(&dir, "listen = [\n");
        let e = Config::load(Some(&p), &Overrides::default()).expect_err("broken toml").to_string();
        assert!(e.contains("vulndesk.toml"), "{e}");

        let e = Config::load(Some(&dir.join("missing.toml")), &Overrides::default()).expect_err("missing").to_string();
        assert!(e.contains("missing.toml"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
