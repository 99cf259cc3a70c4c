-- Need-to-know inside an organisation: a restricted case (and the reports in it) is readable only
-- by the people on the case, the members of its teams, and the organisation's auditors.
ALTER TABLE cases ADD COLUMN restricted BIGINT NOT NULL DEFAULT 0;
