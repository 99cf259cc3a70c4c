-- Researchers and collection platforms: registered reporters, the hall of fame, reward tables and
-- rewards with their splits and history, vendors behind a platform's programs, hand-offs of
-- reports to those vendors, and filing-update tasks. Never edit a shipped migration: add a new one.

-- A report sent while signed in belongs to that account (the reporter's profile and reputation).
ALTER TABLE reports ADD COLUMN reporter_user_id TEXT;
-- The reporter agreed to be listed in the program's hall of fame under the report's credit name.
ALTER TABLE reports ADD COLUMN hall_of_fame BIGINT NOT NULL DEFAULT 0;
CREATE INDEX reports_by_reporter ON reports (reporter_user_id);

-- One reward table per program. Amounts are in minor units (fen, cents). `tiers` is JSON:
-- [{"grade": "critical", "min": 800000, "max": 2000000}, ...]; `bonuses` is JSON:
-- [{"name": "...", "max": 100000}, ...].
CREATE TABLE reward_tables (
    program_id TEXT PRIMARY KEY REFERENCES programs (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    four_eyes_above BIGINT NOT NULL,
    tiers TEXT NOT NULL,
    bonuses TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A reward decided for a report: money only flows from the program's owner to the people who
-- reported (Art. 4, 7 ¶3). At most one live (not cancelled) reward per report.
CREATE TABLE rewards (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    program_id TEXT NOT NULL REFERENCES programs (id),
    report_id TEXT NOT NULL REFERENCES reports (id),
    grade TEXT NOT NULL,
    base_amount BIGINT NOT NULL,
    bonus_amount BIGINT NOT NULL,
    bonus_reason TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    needs_second_approver BIGINT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL,
    approved_by TEXT,
    approved_at BIGINT,
    paid_at BIGINT,
    payment_reference TEXT NOT NULL,
    failure_reason TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX rewards_live_per_report ON rewards (report_id) WHERE state <> 'cancelled';
CREATE INDEX rewards_by_program ON rewards (program_id, decided_at);
CREATE INDEX rewards_by_org ON rewards (org_id, decided_at);

-- How a reward is split between the reports of one case (co-reporters), by weight.
CREATE TABLE reward_shares (
    reward_id TEXT NOT NULL REFERENCES rewards (id) ON DELETE CASCADE,
    report_id TEXT NOT NULL REFERENCES reports (id),
    weight BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (reward_id, report_id)
);
CREATE INDEX reward_shares_by_report ON reward_shares (report_id);

-- Every change of a reward's state, with who made it.
CREATE TABLE reward_events (
    reward_id TEXT NOT NULL REFERENCES rewards (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX reward_events_by_reward ON reward_events (reward_id, at);

-- The vendor whose products a collection platform's program covers: an organisation of this
-- deployment, or one outside it reached by e-mail.
CREATE TABLE program_vendors (
    program_id TEXT PRIMARY KEY REFERENCES programs (id) ON DELETE CASCADE,
    vendor_org_id TEXT REFERENCES organisations (id),
    vendor_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    response_hours BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A report handed from a platform to a vendor (or, where the law allows, another recipient).
-- An e-mailed hand-off carries a link whose secret is kept only as its SHA-256.
CREATE TABLE handoffs (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    report_id TEXT NOT NULL REFERENCES reports (id),
    recipient_name TEXT NOT NULL,
    recipient_org_id TEXT,
    recipient_email TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    is_provider BIGINT NOT NULL,
    token_hash TEXT UNIQUE,
    vendor_report_id TEXT,
    due_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    reminded_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX handoffs_by_report ON handoffs (report_id);
CREATE INDEX handoffs_by_org ON handoffs (org_id, created_at);
CREATE INDEX handoffs_by_vendor_report ON handoffs (vendor_report_id);

-- A filed field changed: the filing with the authority must be updated (R24).
CREATE TABLE filing_tasks (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    changed TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    done_at BIGINT,
    done_by TEXT,
    reminded_at BIGINT
);
CREATE INDEX filing_tasks_by_org ON filing_tasks (org_id, created_at);
