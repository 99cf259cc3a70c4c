//! Audit events: who did or saw what, when, from where. Every state-changing action appends one in
//! the same transaction as the change; events form a hash chain ([`crate::chain`]).

use crate::Timestamp;
use crate::chain::{self, LinkHash};

/// An event about to be appended (the store assigns its sequence number and hashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    /// When it happened.
    pub at: Timestamp,
    /// The account id, or `anonymous` or `system`.
    pub actor: String,
    /// A dotted verb: `org.create`, `session.login_failed`, `member.add`.
    pub action: String,
    /// The kind of object acted on: `organisation`, `user`, `token`.
    pub object_type: String,
    /// The object's id or name.
    pub object_id: String,
    /// The organisation the object belongs to, if any (for per-organisation audit views).
    pub org: Option<String>,
    /// Where the request came from (address), or empty for the command line.
    pub source: String,
    /// Further facts as JSON text; never secrets or report contents.
    pub details: String,
}

/// A stored event with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// The event.
    pub event: NewAuditEvent,
    /// The preceding event's hash (hex).
    pub prev_hash: String,
    /// This event's hash (hex).
    pub hash: String,
}

impl NewAuditEvent {
    /// The fields hashed into the chain for this event at `seq`.
    pub fn chain_fields(&self, seq: i64) -> [Vec<u8>; 9] {
        [
            seq.to_be_bytes().to_vec(),
            self.at.as_micros().to_be_bytes().to_vec(),
            self.actor.as_bytes().to_vec(),
            self.action.as_bytes().to_vec(),
            self.object_type.as_bytes().to_vec(),
            self.object_id.as_bytes().to_vec(),
            self.org.as_deref().unwrap_or("").as_bytes().to_vec(),
            self.source.as_bytes().to_vec(),
            self.details.as_bytes().to_vec(),
        ]
    }

    /// The hash this event gets at `seq` after `prev`.
    pub fn hash_after(&self, seq: i64, prev: LinkHash) -> LinkHash {
        let fields = self.chain_fields(seq);
        let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        chain::link_hash(prev, &refs)
    }
}

impl AuditEvent {
    /// Feeds this stored event to a chain verifier.
    pub fn verify_into(&self, v: &mut chain::Verifier) -> Result<(), chain::ChainBreak> {
        let fields = self.event.chain_fields(self.seq);
        let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        v.push(self.seq, &self.prev_hash, &self.hash, &refs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str) -> NewAuditEvent {
        NewAuditEvent {
            at: Timestamp::from_micros(1_795_000_000_000_000),
            actor: "system".into(),
            action: action.into(),
            object_type: "organisation".into(),
            object_id: "demo-networks".into(),
            org: None,
            source: String::new(),
            details: "{}".into(),
        }
    }

    #[test]
    fn stored_events_verify_and_an_edited_one_does_not() {
        let mut prev = LinkHash::GENESIS;
        let mut stored = Vec::new();
        for (i, action) in ["org.create", "member.add", "member.remove"].iter().enumerate() {
            let seq = i as i64 + 1;
            let e = event(action);
            let hash = e.hash_after(seq, prev);
            stored.push(AuditEvent { seq, event: e, prev_hash: prev.to_hex(), hash: hash.to_hex() });
            prev = hash;
        }
        let mut v = chain::Verifier::new();
        for e in &stored {
            assert_eq!(e.verify_into(&mut v), Ok(()));
        }
        assert_eq!(v.count(), 3);

        stored[1].event.org = Some("other".into());
        let mut v = chain::Verifier::new();
        let first_error = stored.iter().find_map(|e| e.verify_into(&mut v).err());
        assert_eq!(first_error.map(|b| b.seq), Some(2));
    }
}

/// Who is acting, when and from where: handed to every state-changing store call, which appends
/// the matching audit event in the same transaction as the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    /// When.
    pub at: Timestamp,
    /// The account id, or `anonymous` or `system`.
    pub actor: String,
    /// The request's source address, or empty for the command line.
    pub source: String,
}

impl AuditContext {
    /// An action taken by vulndesk itself (start-up, the command line, jobs).
    pub fn system(at: Timestamp) -> Self {
        Self { at, actor: "system".into(), source: String::new() }
    }

    /// The event recording `action` on an object.
    pub fn event(
        &self,
        action: &str,
        object_type: &str,
        object_id: &str,
        org: Option<String>,
        details: String,
    ) -> NewAuditEvent {
        NewAuditEvent {
            at: self.at,
            actor: self.actor.clone(),
            action: action.into(),
            object_type: object_type.into(),
            object_id: object_id.into(),
            org,
            source: self.source.clone(),
            details,
        }
    }
}
