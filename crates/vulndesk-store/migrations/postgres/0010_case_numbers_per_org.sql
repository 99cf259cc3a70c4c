-- Case numbers are counted per organisation (each has its VD-2026-0001), but 0003 made them
-- unique across the deployment, so a second organisation could not open its first case.
-- Never edit a shipped migration.
ALTER TABLE cases DROP CONSTRAINT cases_number_key;
CREATE UNIQUE INDEX cases_org_number ON cases (org_id, number);
