-- Reports to the authority through the API, and the sharing platform that receives them:
-- the provider's configured endpoint, HTTP deliveries with their attempts (claimed with a lease
-- so that several instances never send one twice at once), the platform's registered providers
-- and agency subscribers, and the reports it received. Never edit a shipped migration.

-- Secrets here are kept in clear because vulndesk must present them (a bearer token) or sign
-- with them (HMAC keys); only administrators of the organisation can set them, and no page or
-- API answer shows them again.
CREATE TABLE authority_endpoints (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    token TEXT NOT NULL,
    hmac_secret TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    bearer TEXT NOT NULL,
    hmac_secret TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    body TEXT NOT NULL,
    related TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT NOT NULL,
    last_error TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_by_related ON deliveries (related);

CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    at BIGINT NOT NULL,
    status_code BIGINT NOT NULL,
    error TEXT NOT NULL,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id, at);

CREATE TABLE sharing_providers (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    hmac_secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE sharing_subscribers (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE shared_reports (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL REFERENCES sharing_providers (id),
    idempotency_key TEXT NOT NULL,
    receipt_seq BIGINT NOT NULL,
    report_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    updates_id TEXT NOT NULL,
    case_number TEXT NOT NULL,
    aware_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    sub_library TEXT NOT NULL,
    grade TEXT NOT NULL,
    product_name TEXT NOT NULL,
    document TEXT NOT NULL,
    UNIQUE (provider_id, idempotency_key)
);
CREATE INDEX shared_reports_by_org ON shared_reports (org_id, received_at);
