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

-- A customer's webhook for notices, beside (or instead of) its mail address. The signing key is
-- kept in clear because vulndesk signs with it (see 0006); it is shown once, when set.
CREATE TABLE customer_webhooks (
    customer_id TEXT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
