//! What every handler shares: the store, the clock and the web settings.

use std::sync::Arc;

use vulndesk_core::{Clock, Locale};
use vulndesk_store::Store;

/// Web settings, given by the binary from its configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// How long a sign-in lasts.
    pub session_ttl: std::time::Duration,
    /// Whether cookies get the `Secure` attribute (true when vulndesk is reached over HTTPS).
    pub secure_cookies: bool,
    /// The language for people whose browser names none vulndesk speaks.
    pub default_locale: Locale,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Whether to take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Failed sign-ins allowed per username within [`Self::login_window`].
    pub login_failures_per_user: i64,
    /// Failed sign-ins allowed per source address within [`Self::login_window`].
    pub login_failures_per_source: i64,
    /// The window over which failed sign-ins are counted.
    pub login_window: std::time::Duration,
    /// The URL people use to reach vulndesk (for tracking links); else taken from the request.
    pub public_url: Option<String>,
    /// What a submission may carry, and how often.
    pub intake: crate::intake::IntakeLimits,
    /// The organisation whose `security.txt` the deployment serves (its short name).
    pub security_txt_org: Option<String>,
    /// Whether outbound HTTP started from a request (a feed pulled now) may reach private
    /// networks (`delivery_allow_private_networks`).
    pub allow_private_destinations: bool,
    /// The bearer token `/metrics` asks for; without one, `/metrics` is not served.
    pub metrics_token: Option<String>,
    /// Whether site and organisation administrators must use two-factor sign-in: until they
    /// turn it on, every page sends them to their account page to do so.
    pub mfa_required_for_admins: bool,
    /// `/metrics` is served on a separate address (`metrics_listen`), not on the main one.
    pub metrics_separate: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            session_ttl: std::time::Duration::from_secs(12 * 3600),
            secure_cookies: false,
            default_locale: Locale::ZhCn,
            max_body_bytes: 1 << 20,
            trust_forwarded_for: false,
            login_failures_per_user: 5,
            login_failures_per_source: 30,
            login_window: std::time::Duration::from_secs(15 * 60),
            public_url: None,
            intake: crate::intake::IntakeLimits::default(),
            security_txt_org: None,
            allow_private_destinations: false,
            metrics_token: None,
            mfa_required_for_admins: false,
            metrics_separate: false,
        }
    }
}

/// Shared by every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The storage.
    pub store: Store,
    /// Where time comes from.
    pub clock: Arc<dyn Clock>,
    /// Web settings.
    pub config: Arc<WebConfig>,
    /// Flood control for intake.
    pub(crate) flood: Arc<crate::intake::Flood>,
    /// The OSV matching index, rebuilt when the stored records change.
    pub(crate) osv: Arc<vulndesk_jobs::findings::OsvCache>,
    /// Request counters and latency histograms of this process.
    pub(crate) metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    /// Bundles the parts.
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: WebConfig) -> Self {
        let shared = store.backend() == vulndesk_store::Backend::Postgres;
        let flood = crate::intake::Flood::new(&config.intake, shared);
        Self { store, clock, config: Arc::new(config), flood, osv: Arc::default(), metrics: Arc::default() }
    }

    /// Intake flood control: one submission from `source` to `program`, or 429 with the wait.
    pub(crate) async fn check_flood(&self, source: &str, program: &str) -> Result<(), crate::error::AppError> {
        self.flood.check(&self.store, self.clock.now(), source, program).await
    }

    /// The OSV index cache, to share with the job runner of the same process.
    pub fn osv_cache(&self) -> Arc<vulndesk_jobs::findings::OsvCache> {
        self.osv.clone()
    }

    /// The scheme and host people use to reach vulndesk, without a trailing slash.
    pub(crate) fn public_base(&self, ctx: &crate::auth::RequestCtx) -> String {
        match &self.config.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{}", ctx.host),
        }
    }
}
