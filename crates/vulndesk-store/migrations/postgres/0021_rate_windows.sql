-- Intake flood control shared by every instance on the database: one counter per key (a source
-- address or a program) per minute. The limit is checked against the current minute's count plus
-- the previous minute's, weighted by how much of it still lies in the last sixty seconds.
CREATE TABLE rate_windows (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_windows_by_start ON rate_windows (window_start);
