-- Cases: the vulnerability under management, its reports, transitions, verification records,
-- assessment, aliases, comments and deadlines. Never edit a shipped migration: add a new one.

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    number TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    aware_at BIGINT NOT NULL,
    upstream BIGINT NOT NULL,
    upstream_supplier TEXT NOT NULL,
    users_must_act BIGINT NOT NULL,
    cvss_vector TEXT NOT NULL,
    cvss_score TEXT NOT NULL,
    grade TEXT NOT NULL,
    cwe TEXT NOT NULL,
    characteristics TEXT NOT NULL,
    harm TEXT NOT NULL,
    scope_of_impact TEXT NOT NULL,
    characteristics_en TEXT NOT NULL DEFAULT '',
    harm_en TEXT NOT NULL DEFAULT '',
    scope_of_impact_en TEXT NOT NULL DEFAULT '',
    gbt_indicators TEXT NOT NULL DEFAULT '',
    gbt_technical TEXT NOT NULL DEFAULT '',
    gbt_comprehensive TEXT NOT NULL DEFAULT '',
    gbt_tables TEXT NOT NULL DEFAULT '',
    state_reason TEXT NOT NULL,
    duplicate_of TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX cases_by_org ON cases (org_id, state);

-- Case numbers: one counter per organisation and year (VD-2026-0042).
CREATE TABLE case_counters (
    org_id TEXT NOT NULL,
    year BIGINT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (org_id, year)
);

CREATE TABLE case_reports (
    case_id TEXT NOT NULL REFERENCES cases (id),
    report_id TEXT NOT NULL REFERENCES reports (id),
    PRIMARY KEY (case_id, report_id)
);
CREATE INDEX case_reports_by_report ON case_reports (report_id);

CREATE TABLE case_transitions (
    case_id TEXT NOT NULL REFERENCES cases (id),
    at BIGINT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    event TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX case_transitions_by_case ON case_transitions (case_id, at);

CREATE TABLE verifications (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    verified_by TEXT NOT NULL,
    verified_at BIGINT NOT NULL,
    environment TEXT NOT NULL,
    method TEXT NOT NULL,
    result TEXT NOT NULL,
    reproduced BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX verifications_by_case ON verifications (case_id);

CREATE TABLE case_aliases (
    case_id TEXT NOT NULL REFERENCES cases (id),
    alias TEXT NOT NULL,
    PRIMARY KEY (case_id, alias)
);

CREATE TABLE case_comments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    author TEXT NOT NULL,
    shared BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX case_comments_by_case ON case_comments (case_id, created_at);
CREATE INDEX audit_events_by_object ON audit_events (object_type, object_id, seq);

-- People on a case: the assignees who work it and the watchers who follow it.
CREATE TABLE case_people (
    case_id TEXT NOT NULL REFERENCES cases (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id, kind)
);
CREATE INDEX case_people_by_user ON case_people (user_id);

-- Deadline reminders sent: one row per (case, deadline, level), so every instance's sweep sends
-- each reminder once.
CREATE TABLE deadline_notices (
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, kind, level)
);
