-- Vendors' CSAF feeds an organisation (an operator, most often) pulls: each document is kept
-- only after its hashes, its OpenPGP signature and the CSAF mandatory tests pass; a rejected
-- one is logged with why and never used. Never edit a shipped migration: add a new one.
CREATE TABLE feeds (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_run_at BIGINT,
    last_status TEXT NOT NULL,
    last_error TEXT NOT NULL,
    UNIQUE (org_id, url)
);

CREATE TABLE feed_documents (
    feed_id TEXT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    tracking_id TEXT NOT NULL,
    title TEXT NOT NULL,
    current_release_date TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    document TEXT NOT NULL,
    fetched_at BIGINT NOT NULL,
    PRIMARY KEY (feed_id, url)
);

CREATE TABLE feed_rejections (
    feed_id TEXT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX feed_rejections_by_feed ON feed_rejections (feed_id, at);
