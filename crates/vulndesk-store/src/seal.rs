//! Attachments encrypted at rest: AES-256-GCM (RustCrypto's `aes-gcm`) under the configured
//! `attachment_key`, a random 96-bit nonce per attachment stored before the ciphertext, and the
//! attachment's id as associated data, so a ciphertext moved to another row does not open. The
//! `sealed` column says which rows are encrypted; rows stored before a key was set stay readable.
//! Hashes (receipts, the payload's attachment list) are over the plaintext, as received.

use std::sync::{Arc, OnceLock};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

use crate::{Result, StoreError};

/// The key, set once at start-up when configured; shared by the store and the intake writer.
pub(crate) type KeyCell = Arc<OnceLock<[u8; 32]>>;

const NONCE: usize = 12;

/// Encrypts `plain` for the attachment `id`: `(stored bytes, sealed)`. Without a key the bytes
/// are stored as they are.
pub(crate) fn seal(key: &KeyCell, id: &str, plain: &[u8]) -> Result<(Vec<u8>, bool)> {
    let Some(key) = key.get() else { return Ok((plain.to_vec(), false)) };
    let cipher = Aes256Gcm::new(key.into());
    let nonce: [u8; NONCE] = rand::random();
    let mut out = nonce.to_vec();
    let ct = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad: id.as_bytes() })
        .map_err(|_| StoreError::Invalid("encrypting an attachment failed".into()))?;
    out.extend_from_slice(&ct);
    Ok((out, true))
}

/// The plaintext of a stored attachment.
pub(crate) fn open(key: &KeyCell, id: &str, stored: Vec<u8>, sealed: bool) -> Result<Vec<u8>> {
    if !sealed {
        return Ok(stored);
    }
    let key = key.get().ok_or_else(|| {
        StoreError::Invalid(format!(
            "attachment {id} is encrypted and no attachment_key is configured (set VULNDESK_ATTACHMENT_KEY_FILE)"
        ))
    })?;
    if stored.len() < NONCE {
        return Err(StoreError::Invalid(format!("attachment {id}: the stored ciphertext is truncated")));
    }
    let (nonce, ct) = stored.split_at(NONCE);
    Aes256Gcm::new(key.into()).decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: id.as_bytes() }).map_err(
        |_| {
            StoreError::Invalid(format!(
                "attachment {id} does not decrypt: a different attachment_key, or the stored bytes were altered"
            ))
        },
    )
}

/// What marks a sealed text value (a two-factor secret). The values sealed this way are made by
/// vulndesk (base32 secrets), never typed by a user, so no stored clear value can carry it.
const TEXT_PREFIX: &str = "sealed:v1:";

/// Encrypts a short text value (a TOTP secret) for the row named by `aad`, as
/// `sealed:v1:<hex of nonce and ciphertext>`; without a key the text is stored as it is.
pub(crate) fn seal_text(key: &KeyCell, aad: &str, plain: &str) -> Result<String> {
    match seal(key, aad, plain.as_bytes())? {
        (bytes, true) => Ok(format!("{TEXT_PREFIX}{}", hex::encode(bytes))),
        (_, false) => Ok(plain.to_owned()),
    }
}

/// A SQL `LIKE` pattern matching the sealed text values.
pub(crate) fn sealed_text_like() -> String {
    format!("{TEXT_PREFIX}%")
}

/// The clear value of a text stored by [`seal_text`] (or stored in clear before a key was set).
pub(crate) fn open_text(key: &KeyCell, aad: &str, stored: String) -> Result<String> {
    let Some(hex_part) = stored.strip_prefix(TEXT_PREFIX) else { return Ok(stored) };
    let bytes =
        hex::decode(hex_part).map_err(|_| StoreError::Invalid(format!("{aad}: the sealed value is not hex")))?;
    let plain = open(key, aad, bytes, true)?;
    String::from_utf8(plain).map_err(|_| StoreError::Invalid(format!("{aad}: the sealed value is not text")))
}

/// Reads a key from its configured text: 64 hex digits (32 bytes), as `openssl rand -hex 32` prints.
pub fn parse_key(text: &str) -> std::result::Result<[u8; 32], String> {
    let t = text.trim();
    let bytes = hex::decode(t).map_err(|_| "attachment_key: 64 hex digits (openssl rand -hex 32)".to_owned())?;
    bytes.try_into().map_err(|_| "attachment_key: 64 hex digits, that is 32 bytes (openssl rand -hex 32)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_its_key_and_row() {
        let key: KeyCell = Arc::default();
        assert_eq!(seal_text(&key, "mfa:u1", "JBSWY3DPEHPK3PXP").expect("seal"), "JBSWY3DPEHPK3PXP", "no key: as is");
        key.set([9; 32]).expect("set");
        let stored = seal_text(&key, "mfa:u1", "JBSWY3DPEHPK3PXP").expect("seal");
        assert!(stored.starts_with("sealed:v1:") && !stored.contains("JBSWY3DP"), "{stored}");
        assert_eq!(open_text(&key, "mfa:u1", stored.clone()).expect("open"), "JBSWY3DPEHPK3PXP");
        assert!(open_text(&key, "mfa:u2", stored.clone()).is_err(), "another account's row");
        assert!(open_text(&Arc::default(), "mfa:u1", stored).is_err(), "no key");
        assert_eq!(open_text(&key, "mfa:u1", "JBSWY3DPEHPK3PXP".into()).expect("clear"), "JBSWY3DPEHPK3PXP");
    }

    #[test]
    fn sealed_bytes_open_only_with_their_key_and_id() {
        let key: KeyCell = Arc::default();
        assert_eq!(seal(&key, "a", b"poc").expect("seal"), (b"poc".to_vec(), false), "no key: as is");
        key.set([7; 32]).expect("set");
        let (stored, sealed) = seal(&key, "a", b"proof of concept").expect("seal");
        assert!(sealed && !stored.windows(5).any(|w| w == b"proof"));
        assert_eq!(open(&key, "a", stored.clone(), true).expect("open"), b"proof of concept");
        assert!(open(&key, "b", stored.clone(), true).is_err(), "moved to another row");
        let other: KeyCell = Arc::default();
        other.set([8; 32]).expect("set");
        assert!(open(&other, "a", stored.clone(), true).is_err(), "another key");
        assert!(open(&Arc::default(), "a", stored.clone(), true).is_err(), "no key");
        let mut flipped = stored;
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(open(&key, "a", flipped, true).is_err(), "altered");
        assert_eq!(parse_key(&"ab".repeat(32)).expect("key"), [0xab; 32]);
        assert!(parse_key("abcd").is_err() && parse_key(&"zz".repeat(32)).is_err());
    }
}
