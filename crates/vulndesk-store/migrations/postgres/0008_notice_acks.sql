-- Acknowledgement links in notices: each mailed notice carries a link whose secret is kept
-- only as its SHA-256; following it and confirming records when the recipient acknowledged.
-- Never edit a shipped migration: add a new one.

CREATE TABLE notice_acks (
    token_hash TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL UNIQUE REFERENCES deliveries (id),
    org_id TEXT NOT NULL,
    related TEXT NOT NULL,
    recipient TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_from TEXT NOT NULL
);
CREATE INDEX notice_acks_by_related ON notice_acks (related);
