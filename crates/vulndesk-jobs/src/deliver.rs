//! Sending queued HTTP deliveries: reports to the authority's platform, and the platform's relays
//! to its agency subscribers.
//!
//! Each delivery is claimed with a lease, POSTed with its JSON body, an `Idempotency-Key` (the
//! same on every attempt), an optional bearer token, and a signature: `X-Vulndesk-Timestamp` (Unix
//! seconds) and `X-Vulndesk-Signature: sha256=<hex HMAC-SHA256(key, timestamp + "." + body)>`, so
//! a receiver can check both origin and freshness. A 2xx answer settles it; anything else is
//! retried with backoff. When a report to the authority is accepted, the receipt number from
//! the answer is recorded as the report's submission, which meets the 48-hour deadline.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use vulndesk_core::audit::AuditContext;
use vulndesk_core::{Clock, Timestamp};
use vulndesk_store::sharing::{Attempt, Delivery};
use vulndesk_store::{Store, StoreError};

/// How long a claimed delivery stays with its sender before another instance may take it.
pub const LEASE: Duration = Duration::from_secs(60);

/// Which addresses HTTP deliveries may reach. Webhook and endpoint URLs are typed in by users, so
/// by default a destination that resolves to a loopback, private, link-local, shared (CGNAT),
/// unique-local or otherwise non-public address is refused: a webhook pointed at
/// `127.0.0.1:6379` or at a cloud metadata address must not make vulndesk a proxy into its own
/// network (server-side request forgery). The check runs inside the HTTP client's resolver, on
/// the very addresses it connects to, so a name that changes its answer between a check and the
/// connection cannot slip through. Operators whose receivers are on their own network opt in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Destinations {
    /// Also allow non-public addresses (`delivery_allow_private_networks`).
    pub allow_private: bool,
}

/// Whether an address is on the public internet.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                || (seg[0] == 0x2001 && seg[1] == 0x0db8)
                || (seg[0] == 0x0064 && seg[1] == 0xff9b))
        }
    }
}

/// The HTTP client's resolver when only public destinations are allowed: it keeps the public
/// addresses a name resolves to and refuses the destination when none is left.
#[derive(Debug, Default)]
struct PublicOnly {
    inner: ureq::unversioned::resolver::DefaultResolver,
}

impl ureq::unversioned::resolver::Resolver for PublicOnly {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let all = self.inner.resolve(uri, config, timeout)?;
        let mut kept = self.empty();
        for a in all.iter().filter(|a| is_public(a.ip())) {
            kept.push(*a);
        }
        if kept.is_empty() {
            let found: Vec<String> = all.iter().map(|a| a.ip().to_string()).collect();
            return Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "{} resolves only to non-public addresses ({}); deliveries to private networks are off \
                     (set delivery_allow_private_networks to allow them)",
                    uri.host().unwrap_or_default(),
                    found.join(", ")
                ),
            )));
        }
        Ok(kept)
    }
}

/// Sends mail: an SMTP relay (from a URL such as `smtp://host:25`, `smtp://host:587?tls=required`
/// or `smtps://user:password@host`) and the sender's address.
#[derive(Clone)]
pub struct Mailer {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    /// Connects to the relay and says `NOOP`: whether mail could go out now.
    pub async fn check(&self) -> Result<(), String> {
        match tokio::time::timeout(Duration::from_secs(10), self.transport.test_connection()).await {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err("the relay did not accept NOOP".into()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no answer within 10 s".into()),
        }
    }

    /// A mailer for the relay at `url`, sending as `from`.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the SMTP URL cannot be used: {e}"))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from = from.parse().map_err(|e| format!("the sender address {from:?} is not valid: {e}"))?;
        Ok(Self { transport, from })
    }

    async fn send(&self, d: &Delivery) -> Outcome {
        use lettre::AsyncTransport;
        let fail = |error: String| Outcome { status: 0, body: String::new(), error, permanent: false };
        let to = d.new.url.trim_start_matches("mailto:");
        let Ok(to) = to.parse::<lettre::message::Mailbox>() else {
            return Outcome { permanent: true, ..fail(format!("{to:?} is not an e-mail address")) };
        };
        let Ok(content) = serde_json::from_str::<serde_json::Value>(&d.new.body) else {
            return fail("the queued mail is not JSON".into());
        };
        let text = |k: &str| content.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(text("subject"))
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .message_id(Some(format!("<{}@vulndesk>", d.new.idempotency_key)))
            .body(text("text"));
        let message = match message {
            Ok(m) => m,
            Err(e) => return fail(format!("the mail cannot be built: {e}")),
        };
        match self.transport.send(message).await {
            Ok(response) => Outcome {
                status: response.code().into(),
                body: response.message().collect::<Vec<_>>().join(" "),
                error: String::new(),
                permanent: false,
            },
            // A 5xx reply is the relay's final word (no such mailbox, refused): a bounce.
            Err(e) if e.is_permanent() => Outcome { permanent: true, ..fail(format!("SMTP (bounced): {e}")) },
            Err(e) => fail(format!("SMTP: {e}")),
        }
    }
}

/// The answer to one attempt.
struct Outcome {
    status: u16,
    body: String,
    error: String,
    /// No retry can succeed (an SMTP 5xx, a malformed address).
    permanent: bool,
}

/// The signature header's value for `body` signed at `timestamp` (Unix seconds) with `key`.
pub fn signature(key: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// An HTTP client with `config` that reaches only the destinations `dest` allows.
pub(crate) fn agent_for(config: ureq::config::Config, dest: Destinations) -> ureq::Agent {
    if dest.allow_private {
        config.into()
    } else {
        ureq::Agent::with_parts(config, ureq::unversioned::transport::DefaultConnector::new(), PublicOnly::default())
    }
}

fn post(d: &Delivery, timestamp: i64, dest: Destinations) -> Outcome {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        // A redirect could lead anywhere; a receiver that moved is told to update its URL.
        .max_redirects(0)
        .build();
    let agent = agent_for(config, dest);
    let mut req = agent
        .post(&d.new.url)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", &d.new.idempotency_key)
        .header("X-Vulndesk-Timestamp", &timestamp.to_string())
        .header("X-Vulndesk-Signature", &signature(&d.new.hmac_secret, timestamp, &d.new.body));
    if !d.new.bearer.is_empty() {
        req = req.header("Authorization", &format!("Bearer {}", d.new.bearer));
    }
    match req.send(d.new.body.as_str()) {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            let body = resp.body_mut().with_config().limit(1 << 20).read_to_string().unwrap_or_default();
            let error = if (200..300).contains(&status) {
                String::new()
            } else {
                format!("HTTP {status}: {}", truncate(&body, 300))
            };
            Outcome { status, body, error, permanent: false }
        }
        // A refused destination stays refused: it is not retried.
        Err(ureq::Error::Io(e)) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            Outcome { status: 0, body: String::new(), error: e.to_string(), permanent: true }
        }
        Err(e) => Outcome { status: 0, body: String::new(), error: e.to_string(), permanent: false },
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Sends every delivery due now (at most `limit`), one after another: `mailto:` destinations by
/// mail through `mailer` (retried while none is configured), others over HTTP. Returns how many
/// were attempted.
pub async fn deliver_due(
    store: &Store,
    clock: &dyn Clock,
    mailer: Option<&Mailer>,
    limit: usize,
) -> Result<usize, StoreError> {
    deliver_due_to(store, clock, mailer, Destinations::default(), limit).await
}

/// [`deliver_due`] with the destinations HTTP deliveries may reach.
pub async fn deliver_due_to(
    store: &Store,
    clock: &dyn Clock,
    mailer: Option<&Mailer>,
    dest: Destinations,
    limit: usize,
) -> Result<usize, StoreError> {
    let mut done = 0;
    while done < limit {
        let now = clock.now();
        let Some(d) = store.claim_delivery(now, LEASE).await? else { break };
        done += 1;
        let timestamp = now.as_micros().div_euclid(1_000_000);
        let started = Instant::now();
        let outcome = if d.new.url.starts_with("mailto:") {
            match mailer {
                Some(m) => m.send(&d).await,
                None => Outcome {
                    status: 0,
                    body: String::new(),
                    error: "no SMTP relay is configured (smtp_url)".into(),
                    permanent: false,
                },
            }
        } else {
            let sent = d.clone();
            tokio::task::spawn_blocking(move || post(&sent, timestamp, dest)).await.unwrap_or_else(|e| Outcome {
                status: 0,
                body: String::new(),
                error: format!("sender failed: {e}"),
                permanent: false,
            })
        };
        // HTTP: any 2xx answer; SMTP: the relay's 2xx reply to the message.
        let delivered = (200..300).contains(&outcome.status);
        let attempt = Attempt {
            at: clock.now(),
            status_code: i64::from(outcome.status),
            error: outcome.error.clone(),
            duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        };
        store.record_attempt(&d, &attempt, delivered, outcome.permanent, &truncate(&outcome.body, 4000)).await?;
        if delivered && d.new.kind == "authority_submission" {
            record_submission(store, &d, &outcome.body, attempt.at).await?;
        }
        if !delivered {
            tracing::warn!(delivery = %d.new.id, kind = %d.new.kind, error = %outcome.error, "delivery failed; will retry");
        }
    }
    Ok(done)
}

/// Records an accepted report to the authority as submitted through the API, with the receipt
/// number the platform answered.
async fn record_submission(store: &Store, d: &Delivery, answer: &str, at: Timestamp) -> Result<(), StoreError> {
    let Some(report) = store.authority_report(&d.new.related).await? else { return Ok(()) };
    if report.status != "draft" {
        return Ok(());
    }
    let receipt = serde_json::from_str::<serde_json::Value>(answer)
        .ok()
        .and_then(|v| v.get("receipt_number").and_then(|r| r.as_str()).map(str::to_owned))
        .unwrap_or_default();
    let submission = vulndesk_store::authority::Submission {
        at,
        channel: "api".into(),
        receipt_number: receipt,
        evidence: format!("delivery {}", d.new.id),
    };
    match store.record_authority_submission(&report, &submission, &AuditContext::system(at)).await {
        Ok(()) | Err(StoreError::Refused(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_timestamp_and_the_body() {
        let a = signature("key", 1_700_000_000, "{}");
        assert!(a.starts_with("sha256=") && a.len() == 7 + 64, "{a}");
        assert_ne!(a, signature("key", 1_700_000_001, "{}"));
        assert_ne!(a, signature("key", 1_700_000_000, "{ }"));
        assert_ne!(a, signature("other", 1_700_000_000, "{}"));
        // RFC 4231 test case 2 style check of the primitive: HMAC-SHA256("Jefe", "what do ya want for nothing?").
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").expect("key");
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}

#[cfg(test)]
mod destination_tests {
    use super::is_public;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.10",
            "198.18.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(private.parse().expect("address")), "{private}");
        }
        for public in ["1.1.1.1", "114.114.114.114", "8.8.8.8", "2400:3200::1", "::ffff:1.1.1.1"] {
            assert!(is_public(public.parse().expect("address")), "{public}");
        }
    }
}
