-- Periodic jobs that must run in one instance at a time, once per period, however many
-- instances share the database: feed pulls, OSV imports, the hourly re-match. A run is claimed by
-- a conditional upsert on its row; the lease lets another instance take over from one that died.
CREATE TABLE job_runs (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    lease_until BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0
);
