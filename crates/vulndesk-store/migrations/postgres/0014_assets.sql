-- An operator's assets (Art. 8): the systems and devices it runs, what they are, how exposed and
-- how protected, and their components. Host names and addresses are restricted fields (Art.
-- 9(2)): shown only to the organisation's catalogue keepers, each read audited, never in a
-- public artefact. Never edit a shipped migration: add a new one.
CREATE TABLE assets (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    hostnames TEXT NOT NULL,
    addresses TEXT NOT NULL,
    owner TEXT NOT NULL,
    location TEXT NOT NULL,
    exposure TEXT NOT NULL,
    protection_level BIGINT NOT NULL,
    critical_infrastructure BIGINT NOT NULL,
    vendor TEXT NOT NULL,
    product TEXT NOT NULL,
    model TEXT NOT NULL,
    version TEXT NOT NULL,
    components TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);
