-- Intake: programs, collection-platform filings, reports with attachments and messages, the
-- receipt log (Art. 5) and the outbox. Never edit a shipped migration: add a new one.

CREATE TABLE programs (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    scope_note TEXT NOT NULL,
    policy_zh TEXT NOT NULL,
    policy_en TEXT NOT NULL,
    safe_harbour_zh TEXT NOT NULL,
    safe_harbour_en TEXT NOT NULL,
    anonymous BIGINT NOT NULL,
    ack_sla_hours BIGINT NOT NULL,
    languages TEXT NOT NULL,
    filing_exempt BIGINT NOT NULL,
    closed_reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX programs_by_org ON programs (org_id);

CREATE TABLE filings (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    filing_number TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    platform_name TEXT NOT NULL,
    homepage_url TEXT NOT NULL,
    icp_number TEXT NOT NULL,
    sponsor TEXT NOT NULL,
    contact TEXT NOT NULL,
    rules TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    program_id TEXT NOT NULL REFERENCES programs (id),
    org_id TEXT NOT NULL REFERENCES organisations (id),
    tracking_hash TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    product TEXT NOT NULL,
    version TEXT NOT NULL,
    cwe TEXT,
    reproduction TEXT NOT NULL,
    impact TEXT NOT NULL,
    contact TEXT NOT NULL,
    credit_name TEXT NOT NULL,
    language TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    receipt_seq BIGINT NOT NULL
);
CREATE INDEX reports_by_org ON reports (org_id, received_at);
CREATE INDEX reports_by_program ON reports (program_id, received_at);

CREATE TABLE report_messages (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports (id),
    author TEXT NOT NULL,
    user_id TEXT,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    receipt_seq BIGINT
);
CREATE INDEX report_messages_by_report ON report_messages (report_id, created_at);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports (id),
    message_id TEXT,
    tag TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_by_report ON attachments (report_id);

CREATE TABLE receipts (
    seq BIGINT PRIMARY KEY,
    received_at BIGINT NOT NULL,
    channel TEXT NOT NULL,
    org_id TEXT NOT NULL,
    program_id TEXT,
    report_id TEXT,
    source TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX receipts_by_org ON receipts (org_id, seq);
CREATE INDEX receipts_by_report ON receipts (report_id);

CREATE TABLE receipt_payloads (
    seq BIGINT PRIMARY KEY REFERENCES receipts (seq) ON DELETE CASCADE,
    payload BYTEA NOT NULL
);

-- Retention of the receipt log in days; 183 at least, and it can only go up.
CREATE TABLE intake_settings (
    key TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO intake_settings (key, value) VALUES ('retention_days', 183);

-- After old receipts are purged, the chain resumes from this anchor (the last purged link).
CREATE TABLE receipt_anchor (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

-- Each organisation's security.txt (RFC 9116) fields.
CREATE TABLE security_txt (
    org_id TEXT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    contact TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    policy_url TEXT NOT NULL,
    acknowledgments_url TEXT NOT NULL,
    preferred_languages TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE intake_failures (
    at BIGINT NOT NULL,
    channel TEXT NOT NULL,
    program TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX intake_failures_by_time ON intake_failures (at);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    org_id TEXT,
    channel TEXT NOT NULL,
    template TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    related TEXT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_by_org ON outbox (org_id, created_at);

-- The receipt log is append-only; a receipt younger than the retention period cannot be deleted.
CREATE FUNCTION receipts_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' OR TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'receipts are append-only';
    END IF;
    IF OLD.received_at > (EXTRACT(EPOCH FROM now())::BIGINT
        - (SELECT value FROM intake_settings WHERE key = 'retention_days') * 86400) * 1000000 THEN
        RAISE EXCEPTION 'receipt is younger than the retention period';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER receipts_guard BEFORE UPDATE OR DELETE ON receipts
    FOR EACH ROW EXECUTE FUNCTION receipts_guard();
CREATE TRIGGER receipts_no_truncate BEFORE TRUNCATE ON receipts
    FOR EACH STATEMENT EXECUTE FUNCTION receipts_guard();

CREATE FUNCTION receipt_payloads_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' OR TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'receipts are append-only';
    END IF;
    IF EXISTS (SELECT 1 FROM receipts WHERE seq = OLD.seq) THEN
        RAISE EXCEPTION 'receipt payloads go only with their receipt';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER receipt_payloads_guard BEFORE UPDATE OR DELETE ON receipt_payloads
    FOR EACH ROW EXECUTE FUNCTION receipt_payloads_guard();
CREATE TRIGGER receipt_payloads_no_truncate BEFORE TRUNCATE ON receipt_payloads
    FOR EACH STATEMENT EXECUTE FUNCTION receipt_payloads_guard();

CREATE FUNCTION intake_settings_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'intake settings cannot be deleted';
    END IF;
    IF NEW.key = 'retention_days' AND (NEW.value < OLD.value OR NEW.value < 183) THEN
        RAISE EXCEPTION 'the retention period can only be raised';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER intake_settings_guard BEFORE UPDATE OR DELETE ON intake_settings
    FOR EACH ROW EXECUTE FUNCTION intake_settings_guard();
CREATE TRIGGER intake_settings_no_truncate BEFORE TRUNCATE ON intake_settings
    FOR EACH STATEMENT EXECUTE FUNCTION intake_settings_guard();
