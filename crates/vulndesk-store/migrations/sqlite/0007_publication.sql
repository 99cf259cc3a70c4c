-- Fixes, advisories and the publication gate (Art. 7(3), Art. 9): the fix or mitigation for each
-- affected product version; one advisory per case with its published revisions and the exact
-- bytes, hashes and OpenPGP signatures of every document published; every gate decision with
-- its evidence; the records of the paths the regulation allows through the gate; blackout
-- windows; and the provider's signing key. Never edit a shipped migration: add a new one.

CREATE TABLE case_fixes (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    product_version_id TEXT NOT NULL REFERENCES product_versions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    fixed_in TEXT NOT NULL,
    released_at BIGINT,
    details TEXT NOT NULL,
    details_en TEXT NOT NULL,
    url TEXT NOT NULL,
    users_must_act BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (case_id, product_version_id)
);

CREATE TABLE advisories (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    case_id TEXT NOT NULL UNIQUE REFERENCES cases (id) ON DELETE CASCADE,
    tracking_id TEXT NOT NULL UNIQUE,
    tlp TEXT NOT NULL,
    title TEXT NOT NULL,
    title_en TEXT NOT NULL,
    summary TEXT NOT NULL,
    summary_en TEXT NOT NULL,
    description TEXT NOT NULL,
    description_en TEXT NOT NULL,
    refs TEXT NOT NULL,
    acknowledgments TEXT NOT NULL,
    cve TEXT NOT NULL,
    severity TEXT NOT NULL,
    vex BIGINT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    edited_by TEXT NOT NULL,
    content_digest TEXT NOT NULL,
    reviewed_by TEXT NOT NULL,
    reviewed_digest TEXT NOT NULL,
    reviewed_at BIGINT,
    initial_release_at BIGINT,
    current_release_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX advisories_by_org ON advisories (org_id, status);

CREATE TABLE advisory_revisions (
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    released_at BIGINT NOT NULL,
    summary TEXT NOT NULL,
    released_by TEXT NOT NULL,
    PRIMARY KEY (advisory_id, number)
);

-- Published documents are immutable: a new revision adds rows, the newest per path is served.
CREATE TABLE advisory_documents (
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    kind TEXT NOT NULL,
    org_id TEXT NOT NULL,
    tlp TEXT NOT NULL,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    sha512 TEXT NOT NULL,
    signature TEXT NOT NULL,
    initial_release_at BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (advisory_id, number, kind)
);
CREATE INDEX advisory_documents_by_path ON advisory_documents (path, number);

CREATE TABLE gate_decisions (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    allowed BIGINT NOT NULL,
    outcomes TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL
);
CREATE INDEX gate_decisions_by_case ON gate_decisions (case_id, decided_at);

CREATE TABLE gate_evidence (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX gate_evidence_by_case ON gate_evidence (case_id, kind);

-- A window with no organisation applies to every organisation (set by a site administrator).
CREATE TABLE blackout_windows (
    id TEXT PRIMARY KEY,
    org_id TEXT,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The CSAF provider's OpenPGP key. The secret key is kept in clear, like the other secrets
-- vulndesk must use itself (see 0006); only the public certificate is ever shown.
CREATE TABLE signing_keys (
    fingerprint TEXT PRIMARY KEY,
    secret_armored TEXT NOT NULL,
    public_armored TEXT NOT NULL,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
