-- no-transaction
-- Case numbers are counted per organisation (each has its VD-2026-0001), but 0003 made them
-- unique across the deployment, so a second organisation could not open its first case. SQLite
-- cannot drop a column's constraint, so the table is rebuilt the documented way: foreign keys
-- off, copy into the new shape, swap, check, foreign keys on. Never edit a shipped migration.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE cases_rebuilt (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    number TEXT NOT NULL,
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
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, number)
);
INSERT INTO cases_rebuilt (id, org_id, number, title, state, aware_at, upstream, upstream_supplier, users_must_act,
    cvss_vector, cvss_score, grade, cwe, characteristics, harm, scope_of_impact, characteristics_en, harm_en,
    scope_of_impact_en, gbt_indicators, gbt_technical, gbt_comprehensive, gbt_tables, state_reason, duplicate_of,
    created_by, created_at, updated_at)
SELECT id, org_id, number, title, state, aware_at, upstream, upstream_supplier, users_must_act,
    cvss_vector, cvss_score, grade, cwe, characteristics, harm, scope_of_impact, characteristics_en, harm_en,
    scope_of_impact_en, gbt_indicators, gbt_technical, gbt_comprehensive, gbt_tables, state_reason, duplicate_of,
    created_by, created_at, updated_at
FROM cases;
DROP TABLE cases;
ALTER TABLE cases_rebuilt RENAME TO cases;
CREATE INDEX cases_by_org ON cases (org_id, state);
COMMIT;
PRAGMA foreign_keys = ON;
