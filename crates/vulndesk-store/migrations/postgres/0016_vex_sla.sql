-- Findings learn their grade (from the advisory data), their source (osv, csaf), when they
-- were closed and when a re-match confirmed a remediation; suppliers' VEX documents an
-- organisation uploads; an organisation's own remediation SLA matrix (rows of days, as text).
-- Never edit a shipped migration: add a new one.
ALTER TABLE findings ADD COLUMN grade TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN closed_at BIGINT;
ALTER TABLE findings ADD COLUMN confirmed_at BIGINT;

CREATE TABLE vex_documents (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    document TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    UNIQUE (org_id, sha256)
);

CREATE TABLE sla_matrices (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    matrix TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
