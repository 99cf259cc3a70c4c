//! Hash chains: the tamper evidence under the audit log and the receipt log.
//!
//! Each link's hash is SHA-256 over the previous link's hash and the link's own fields, each field
//! prefixed by its length (so no two different field lists encode to the same bytes). Changing,
//! removing or reordering any stored link changes a hash that a later link or the verifier checks.

use sha2::{Digest, Sha256};

/// A SHA-256 hash; the first link of every chain has the all-zero hash as its predecessor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkHash(pub [u8; 32]);

impl LinkHash {
    /// The predecessor of the first link.
    pub const GENESIS: Self = Self([0; 32]);

    /// Lower-case hex, as stored.
    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }

    /// Reads the stored hex form.
    pub fn from_hex(s: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Self(out))
    }
}

/// Computes a link's hash from its predecessor's hash and its fields.
pub fn link_hash(prev: LinkHash, fields: &[&[u8]]) -> LinkHash {
    let mut h = Sha256::new();
    h.update(prev.0);
    for f in fields {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f);
    }
    LinkHash(h.finalize().into())
}

/// SHA-256 of a payload, for links that point at stored content.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The first place a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sequence {seq}: {reason}")]
pub struct ChainBreak {
    /// The sequence number of the first bad link.
    pub seq: i64,
    /// What is wrong with it.
    pub reason: BreakReason,
}

/// What is wrong with a link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BreakReason {
    /// A link is missing or out of order: `expected` should have come next.
    #[error("expected sequence {expected} (a link is missing or reordered)")]
    Gap {
        /// The sequence number that should have come next.
        expected: i64,
    },
    /// The stored predecessor hash differs from the previous link's hash.
    #[error("previous-hash field does not match the preceding link")]
    PrevMismatch,
    /// The stored hash differs from the hash of the stored fields (a field was altered).
    #[error("stored hash does not match the link's contents")]
    HashMismatch,
    /// The stored content no longer matches the hash recorded for it.
    #[error("stored payload does not match its recorded SHA-256")]
    PayloadMismatch,
    /// A stored hash is not 64 hex digits.
    #[error("a stored hash is not valid hex")]
    Malformed,
}

/// Walks a chain link by link, in sequence order, without holding it in memory.
#[derive(Debug)]
pub struct Verifier {
    next_seq: i64,
    prev: LinkHash,
    count: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    /// A verifier expecting sequence number 1 first.
    pub fn new() -> Self {
        Self { next_seq: 1, prev: LinkHash::GENESIS, count: 0 }
    }

    /// A verifier that picks up after a purged prefix: the next link must be `after_seq + 1` and
    /// point at `anchor`, the hash of the last purged link.
    pub fn resume(after_seq: i64, anchor: LinkHash) -> Self {
        Self { next_seq: after_seq + 1, prev: anchor, count: 0 }
    }

    /// Reports a stored payload that no longer matches its recorded hash at `seq`.
    pub fn payload_mismatch(seq: i64) -> ChainBreak {
        ChainBreak { seq, reason: BreakReason::PayloadMismatch }
    }

    /// Checks the next link: its sequence number, its stored predecessor hash, and its stored own
    /// hash against the hash recomputed from `fields`.
    pub fn push(&mut self, seq: i64, stored_prev: &str, stored_hash: &str, fields: &[&[u8]]) -> Result<(), ChainBreak> {
        let fail = |reason| Err(ChainBreak { seq, reason });
        if seq != self.next_seq {
            return Err(ChainBreak { seq: self.next_seq, reason: BreakReason::Gap { expected: self.next_seq } });
        }
        let (Some(prev), Some(hash)) = (LinkHash::from_hex(stored_prev), LinkHash::from_hex(stored_hash)) else {
            return fail(BreakReason::Malformed);
        };
        if prev != self.prev {
            return fail(BreakReason::PrevMismatch);
        }
        if link_hash(prev, fields) != hash {
            return fail(BreakReason::HashMismatch);
        }
        self.prev = hash;
        self.next_seq += 1;
        self.count += 1;
        Ok(())
    }

    /// How many links were checked.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The hash of the last link checked (the chain head).
    pub fn head(&self) -> LinkHash {
        self.prev
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(n: i64) -> Vec<(i64, String, String, String)> {
        let mut prev = LinkHash::GENESIS;
        (1..=n)
            .map(|seq| {
                let body = format!("event {seq}");
                let h = link_hash(prev, &[&seq.to_be_bytes(), body.as_bytes()]);
                let row = (seq, prev.to_hex(), h.to_hex(), body);
                prev = h;
                row
            })
            .collect()
    }

    fn verify(rows: &[(i64, String, String, String)]) -> Result<u64, ChainBreak> {
        let mut v = Verifier::new();
        for (seq, prev, hash, body) in rows {
            v.push(*seq, prev, hash, &[&seq.to_be_bytes(), body.as_bytes()])?;
        }
        Ok(v.count())
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&build(5)), Ok(5));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn each_kind_of_tampering_is_found_at_its_link() {
        let mut altered = build(5);
        altered[2].3 = "event 3, edited".into();
        assert_eq!(verify(&altered), Err(ChainBreak { seq: 3, reason: BreakReason::HashMismatch }));

        let mut removed = build(5);
        removed.remove(1);
        assert_eq!(verify(&removed), Err(ChainBreak { seq: 2, reason: BreakReason::Gap { expected: 2 } }));

        // Rewriting a link and its own hash is caught by the next link's predecessor field.
        let mut rehashed = build(5);
        rehashed[1].3 = "forged".into();
        let prev = LinkHash::from_hex(&rehashed[1].1).unwrap_or(LinkHash::GENESIS);
        rehashed[1].2 = link_hash(prev, &[&2i64.to_be_bytes(), b"forged"]).to_hex();
        assert_eq!(verify(&rehashed), Err(ChainBreak { seq: 3, reason: BreakReason::PrevMismatch }));

        let mut garbage = build(2);
        garbage[0].2 = "zz".into();
        assert_eq!(verify(&garbage), Err(ChainBreak { seq: 1, reason: BreakReason::Malformed }));
    }

    #[test]
    fn field_boundaries_matter() {
        let a = link_hash(LinkHash::GENESIS, &[b"ab", b"c"]);
        let b = link_hash(LinkHash::GENESIS, &[b"a", b"bc"]);
        assert_ne!(a, b);
    }
}
