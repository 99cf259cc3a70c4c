//! Two-factor sign-in with TOTP (RFC 6238: HMAC-SHA-1, six digits, 30-second steps, one step of
//! clock skew either way, through the `totp-rs` crate) and single-use recovery codes. A code is
//! accepted once: the store records the last accepted time step and refuses that step or an
//! earlier one again, so a code seen over someone's shoulder cannot be replayed.

use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};
use vulndesk_core::{Actor, PersonRole, Timestamp, UserId};

use crate::error::AppError;
use crate::state::AppState;

/// Seconds per step.
const STEP: u64 = 30;
/// Recovery codes made at a time.
pub(crate) const RECOVERY_CODES: usize = 10;

/// A new shared secret (160 random bits), base32 as authenticator apps take it.
pub(crate) fn new_secret() -> String {
    Secret::Raw(rand::random::<[u8; 20]>().to_vec()).to_encoded().to_string()
}

fn totp(secret: &str, account: &str) -> Result<TOTP, AppError> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().map_err(|e| AppError::Internal(format!("{e:?}")))?;
    // The account name may not hold a colon in an otpauth URL.
    let account = account.replace(':', "_");
    TOTP::new(Algorithm::SHA1, 6, 1, STEP, bytes, Some("vulndesk".to_owned()), account)
        .map_err(|e| AppError::Internal(format!("{e:?}")))
}

/// The `otpauth://` URL an authenticator app reads (from the QR code or pasted).
pub(crate) fn otpauth_url(secret: &str, account: &str) -> Result<String, AppError> {
    Ok(totp(secret, account)?.get_url())
}

/// The QR code of `url` as an inline SVG.
pub(crate) fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build(),
        Err(_) => String::new(),
    }
}

/// The time step `code` is valid for at `now` (one step of skew either way), if any.
pub(crate) fn step_of(secret: &str, code: &str, now: Timestamp) -> Result<Option<i64>, AppError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(secret, "")?;
    let Ok(secs) = u64::try_from(now.as_secs()) else { return Ok(None) };
    let current = secs / STEP;
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = t.generate(step * STEP);
        // Compared in constant time.
        let same = expected.len() == code.len()
            && expected.bytes().zip(code.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if same {
            return Ok(i64::try_from(step).ok());
        }
    }
    Ok(None)
}

/// New recovery codes: as shown (`xxxxx-xxxxx`), and their hashes as stored.
pub(crate) fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..10).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect();
    let hashes = codes.iter().map(|c| recovery_hash(c)).collect();
    (codes, hashes)
}

/// The stored hash of a recovery code as typed (case, spaces and dashes do not matter).
pub(crate) fn recovery_hash(code: &str) -> String {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

/// Checks a second factor for `user` at `now`: a TOTP code (accepted once) or an unused
/// recovery code (used up). True when it counts.
pub(crate) async fn verify(
    state: &AppState,
    user: UserId,
    code: &str,
    ctx: &vulndesk_core::AuditContext,
) -> Result<bool, AppError> {
    let Some(mfa) = state.store.mfa(user).await? else { return Ok(false) };
    if let Some(step) = step_of(&mfa.secret, code, ctx.at)? {
        return Ok(state.store.accept_mfa_step(user, step).await?);
    }
    let trimmed = code.trim();
    if trimmed.len() >= 10 && mfa.enabled_at.is_some() {
        return Ok(state.store.use_recovery_code(user, &recovery_hash(trimmed), ctx).await?);
    }
    Ok(false)
}

/// Whether the deployment requires this actor to use two-factor sign-in: site administrators
/// and organisation administrators, when `mfa_required_for_admins` is on.
pub(crate) fn required_for(state: &AppState, actor: &Actor) -> bool {
    state.config.mfa_required_for_admins
        && match actor {
            Actor::Anonymous => false,
            Actor::Person { site_admin, memberships, .. } => {
                *site_admin || memberships.iter().any(|m| m.role == PersonRole::Admin)
            }
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (eight digits), so six digits 287082.
        let secret = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded().to_string();
        let at = Timestamp::from_micros(59_000_000);
        assert_eq!(step_of(&secret, "287082", at).expect("check"), Some(1));
        assert_eq!(step_of(&secret, "287083", at).expect("check"), None);
        assert_eq!(step_of(&secret, "28708", at).expect("check"), None);
        // One step of skew either way, not two.
        let later = Timestamp::from_micros(89_000_000);
        assert_eq!(step_of(&secret, "287082", later).expect("check"), Some(1));
        let much_later = Timestamp::from_micros(120_000_000);
        assert_eq!(step_of(&secret, "287082", much_later).expect("check"), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_hashed_loosely() {
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(hashes[0], recovery_hash(&codes[0].to_uppercase().replace('-', " ")));
        let mut sorted = hashes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), RECOVERY_CODES);
    }
}
