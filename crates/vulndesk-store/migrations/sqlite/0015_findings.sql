-- Findings on an operator's assets: one per (asset, vulnerability), with the remediation
-- deadline from the SLA matrix, the state (verifying, remediating, remediated, accepted), the
-- evidence, and a risk acceptance's expiry and approver. Never edit a shipped migration.
CREATE TABLE findings (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    vulnerability TEXT NOT NULL,
    purl TEXT NOT NULL,
    state TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    evidence TEXT NOT NULL,
    accepted_until BIGINT,
    accepted_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (asset_id, vulnerability)
);
CREATE INDEX findings_by_org ON findings (org_id, state, due_at);
