-- Article 7(2) reports to the authority: drafts prefilled from a case, edited, then submitted
-- (manually, with the authority's receipt number, or through the API). A submitted report is
-- never changed: a later one updates it. Never edit a shipped migration: add a new one.

CREATE TABLE authority_reports (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    case_id TEXT NOT NULL REFERENCES cases (id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    updates_id TEXT REFERENCES authority_reports (id),
    sub_library TEXT NOT NULL,
    product_name TEXT NOT NULL,
    model TEXT NOT NULL,
    versions TEXT NOT NULL,
    characteristics TEXT NOT NULL,
    harm TEXT NOT NULL,
    scope_of_impact TEXT NOT NULL,
    cvss_vector TEXT NOT NULL,
    cvss_score TEXT NOT NULL,
    grade TEXT NOT NULL,
    gbt_grade TEXT NOT NULL,
    identifiers TEXT NOT NULL,
    fix_status TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    provider_contact TEXT NOT NULL,
    aware_at BIGINT NOT NULL,
    components TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_at BIGINT,
    channel TEXT NOT NULL,
    receipt_number TEXT NOT NULL,
    evidence TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (case_id, seq)
);
CREATE INDEX authority_reports_by_org ON authority_reports (org_id, status);
