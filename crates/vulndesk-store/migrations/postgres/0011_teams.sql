-- Teams inside an organisation (the router team, the gateway team): people belong to teams, and
-- cases are assigned to teams as well as to people; the deadlines board filters by team.
-- Never edit a shipped migration: add a new one.
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, slug)
);

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_by_user ON team_members (user_id);

CREATE TABLE case_teams (
    case_id TEXT NOT NULL REFERENCES cases (id),
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    PRIMARY KEY (case_id, team_id)
);
CREATE INDEX case_teams_by_team ON case_teams (team_id);
