//! OpenPGP signing for the CSAF provider tree: a signing key, ASCII-armored
//! detached signatures (the `.asc` files beside each advisory, CSAF 2.0
//! section 7.1.19), and their verification.
//!
//! Built on rpgp (`pgp` 0.21, pure Rust, MIT/Apache-2.0). Keys are
//! **OpenPGP v4** with one EdDSA (`Ed25519Legacy`, algorithm 22) primary key
//! that certifies and signs, a user id and its self-signature; signatures use
//! SHA-512. That is what GnuPG 2.2 (still common on Debian 12 and RHEL 9)
//! understands; the RFC 9580 v6 keys and v6 Ed25519 that rpgp can also make
//! are refused by GnuPG 2.2, so they are neither generated nor accepted by
//! [`SigningKey::from_armored`].
//!
//! The secret key is stored unencrypted in its armored form: protect the
//! text (vulndesk keeps it in the secret store), not with a passphrase.
//!
//! Clock: rpgp stamps a new key's creation time and each signature's
//! creation time with the system clock. That is the one place this crate
//! reads the clock, and it is rpgp's doing.

use std::fmt;

use pgp::composed::{
    ArmorOptions, Deserializable, DetachedSignature, KeyType, SecretKeyParamsBuilder, SignedPublicKey, SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::types::{KeyDetails, KeyVersion, Password};
use rand_core::OsRng;

/// The hash used for every signature vulndesk makes.
const SIGNATURE_HASH: HashAlgorithm = HashAlgorithm::Sha512;

/// Why an OpenPGP operation failed. The texts come from rpgp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PgpError {
    /// Key generation failed.
    #[error("could not generate an OpenPGP key: {0}")]
    Generate(String),
    /// An armored key or signature could not be read.
    #[error("could not read the OpenPGP {what}: {message}")]
    Parse {
        /// `secret key`, `public key` or `signature`.
        what: &'static str,
        /// rpgp's message.
        message: String,
    },
    /// The key is of a kind vulndesk does not sign with (not v4, or cannot sign).
    #[error("unsupported OpenPGP key: {0}")]
    UnsupportedKey(String),
    /// Signing failed.
    #[error("could not sign: {0}")]
    Sign(String),
    /// The signature does not verify against the key and data.
    #[error("bad signature: {0}")]
    BadSignature(String),
}

fn parse_err(what: &'static str) -> impl FnOnce(pgp::errors::Error) -> PgpError {
    move |e| PgpError::Parse { what, message: e.to_string() }
}

/// A v4 OpenPGP secret key that signs vulndesk's published files.
#[derive(Clone)]
pub struct SigningKey {
    key: SignedSecretKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey").field("fingerprint", &self.fingerprint()).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a new key (randomness from the operating system) with one
    /// user id, such as `Example PSIRT <psirt@example.com>`.
    ///
    /// # Errors
    ///
    /// [`PgpError::Generate`] when rpgp refuses the parameters (for
    /// example an empty user id).
    pub fn generate(user_id: &str) -> Result<SigningKey, PgpError> {
        if user_id.trim().is_empty() {
            return Err(PgpError::Generate("the user id is empty".into()));
        }
        let params = SecretKeyParamsBuilder::default()
            .version(KeyVersion::V4)
            .key_type(KeyType::Ed25519Legacy)
            .can_certify(true)
            .can_sign(true)
            .primary_user_id(user_id.into())
            .preferred_hash_algorithms(vec![HashAlgorithm::Sha512, HashAlgorithm::Sha256].into())
            .build()
            .map_err(|e| PgpError::Generate(e.to_string()))?;
        let key = params.generate(OsRng).map_err(|e| PgpError::Generate(e.to_string()))?;
        Ok(SigningKey { key })
    }

    /// Reads an ASCII-armored secret key, as written by
    /// [`to_armored_secret`](Self::to_armored_secret) (or exported by
    /// `gpg --export-secret-keys --armor` for an unprotected v4 key).
    ///
    /// # Errors
    ///
    /// [`PgpError::Parse`] for unreadable text or broken self-signatures,
    /// [`PgpError::UnsupportedKey`] for a non-v4 key or one whose primary
    /// key cannot sign.
    pub fn from_armored(armored: &str) -> Result<SigningKey, PgpError> {
        let (key, _headers) = SignedSecretKey::from_string(armored).map_err(parse_err("secret key"))?;
        key.verify_bindings().map_err(parse_err("secret key"))?;
        if key.version() != KeyVersion::V4 {
            return Err(PgpError::UnsupportedKey(format!("{:?} key; GnuPG 2.2 needs v4", key.version())));
        }
        if !key.algorithm().can_sign() {
            return Err(PgpError::UnsupportedKey(format!("{:?} cannot sign", key.algorithm())));
        }
        if key.algorithm() == PublicKeyAlgorithm::Ed25519 {
            return Err(PgpError::UnsupportedKey("RFC 9580 Ed25519 is unknown to GnuPG 2.2".into()));
        }
        Ok(SigningKey { key })
    }

    /// The secret key, ASCII-armored. Keep it secret.
    pub fn to_armored_secret(&self) -> String {
        // Serialising a key that was parsed or generated cannot fail: rpgp
        // only fails on IO errors of the writer, and this one is a Vec.
        self.key.to_armored_string(ArmorOptions::default()).unwrap_or_default()
    }

    /// The certificate (public key with user id and self-signature),
    /// ASCII-armored: the file published at the provider metadata's
    /// `public_openpgp_keys[].url`.
    pub fn public_armored(&self) -> String {
        self.key.to_public_key().to_armored_string(ArmorOptions::default()).unwrap_or_default()
    }

    /// The v4 fingerprint as 40 upper-case hex digits.
    pub fn fingerprint(&self) -> String {
        format!("{:X}", self.key.fingerprint())
    }

    /// Signs `data` and returns an ASCII-armored detached signature (a
    /// binary-mode v4 signature, SHA-512) for a `.asc` file.
    ///
    /// # Errors
    ///
    /// [`PgpError::Sign`] if rpgp fails.
    pub fn sign_detached(&self, data: &[u8]) -> Result<String, PgpError> {
        let sig =
            DetachedSignature::sign_binary_data(OsRng, &self.key.primary_key, &Password::empty(), SIGNATURE_HASH, data)
                .map_err(|e| PgpError::Sign(e.to_string()))?;
        sig.to_armored_string(ArmorOptions::default()).map_err(|e| PgpError::Sign(e.to_string()))
    }
}

/// Verifies an ASCII-armored detached signature over `data` against an
/// ASCII-armored certificate (its primary key or any of its subkeys).
///
/// # Errors
///
/// [`PgpError::Parse`] for an unreadable certificate or signature,
/// [`PgpError::BadSignature`] when no key of the certificate verifies it.
pub fn verify_detached(public_armored: &str, data: &[u8], signature_armored: &str) -> Result<(), PgpError> {
    let (cert, _) = SignedPublicKey::from_string(public_armored).map_err(parse_err("public key"))?;
    cert.verify_bindings().map_err(parse_err("public key"))?;
    let (sig, _) = DetachedSignature::from_string(signature_armored).map_err(parse_err("signature"))?;
    let primary = sig.verify(&cert, data);
    if primary.is_ok() {
        return Ok(());
    }
    if cert.public_subkeys.iter().any(|sub| sig.verify(sub, data).is_ok()) {
        return Ok(());
    }
    Err(PgpError::BadSignature(primary.err().map(|e| e.to_string()).unwrap_or_default()))
}
