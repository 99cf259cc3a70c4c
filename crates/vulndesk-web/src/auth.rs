//! Credentials: argon2id password hashes, session ids and API tokens (random, stored as SHA-256),
//! and the request context that says who is asking.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use vulndesk_core::audit::AuditContext;
use vulndesk_core::{Action, Actor, Membership, Timestamp, User};
use vulndesk_store::StoredToken;

use crate::error::AppError;
use crate::i18n::Tr;

/// Hashes a password with argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| e.to_string())?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches the PHC string `hash`. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash to verify against when the username does not exist, so that the answer takes as long
/// as for a real account and does not reveal which usernames exist.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password("vulndesk-dummy-password").unwrap_or_default());

pub(crate) fn burn_password_check(password: &str) {
    let _ = verify_password(password, &DUMMY_HASH);
}

/// SHA-256 of a secret, lower-case hex, as stored.
pub(crate) fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A random (version 4) UUID for a new object's id.
pub(crate) fn random_uuid() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

/// 256 random bits as 64 hex digits.
pub(crate) fn random_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// A new API token: the secret shown once, its stored hash, and the prefix shown in listings.
pub fn new_api_token() -> (String, String, String) {
    let secret = format!("vd_{}", random_secret());
    let hash = sha256_hex(&secret);
    let prefix = secret.chars().take(10).collect();
    (secret, hash, prefix)
}

/// The actor an API token stands for: only the memberships it is scoped to, and site
/// administration only when the token is not limited to an organisation.
pub(crate) fn token_actor(user: &User, memberships: Vec<Membership>, token: &StoredToken) -> Actor {
    let memberships = memberships
        .into_iter()
        .filter(|m| token.org.is_none_or(|o| o == m.org))
        .filter(|m| token.role.is_none_or(|r| r == m.role))
        .collect();
    Actor::Person { user: user.id, site_admin: user.site_admin && token.org.is_none(), memberships }
}

/// Who is asking and how: built once per request by the context middleware.
#[derive(Debug, Clone)]
pub(crate) struct RequestCtx {
    /// The actor for access decisions.
    pub(crate) actor: Actor,
    /// The signed-in account, if any.
    pub(crate) user: Option<User>,
    /// The session id hash, for sign-out.
    pub(crate) session_hash: Option<String>,
    /// The token every form must carry back.
    pub(crate) csrf: String,
    /// The language of the answer.
    pub(crate) tr: Tr,
    /// The client address.
    pub(crate) source: String,
    /// The client's user agent.
    pub(crate) user_agent: String,
    /// The request path with its query, for redirects back.
    pub(crate) path: String,
    /// The `Host` the request named (for links when no public URL is configured).
    pub(crate) host: String,
}

impl RequestCtx {
    /// The audit context for a change made now by this actor.
    pub(crate) fn audit(&self, at: Timestamp) -> AuditContext {
        let actor = self.actor.user().map_or_else(|| "anonymous".to_owned(), |u| u.to_string());
        AuditContext { at, actor, source: self.source.clone() }
    }

    /// Who is acting, as recorded (the username, or `anonymous`).
    pub(crate) fn actor_name(&self) -> String {
        self.actor.user().map_or_else(|| "anonymous".to_owned(), |u| u.to_string())
    }

    /// Asks the access decision; a refusal becomes the matching error.
    pub(crate) fn require(&self, action: Action) -> Result<(), AppError> {
        vulndesk_core::authorize(&self.actor, action).map_err(AppError::from)
    }

    /// The signed-in account, or 401.
    pub(crate) fn user(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }

    /// Checks a form's CSRF token against this session's (constant time).
    pub(crate) fn check_csrf(&self, sent: &str) -> Result<(), AppError> {
        let a = self.csrf.as_bytes();
        let b = sent.as_bytes();
        let same = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
        if same && !a.is_empty() { Ok(()) } else { Err(AppError::CsrfRejected) }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Self>().cloned().ok_or_else(|| AppError::Internal("request context missing".into()))
    }
}
