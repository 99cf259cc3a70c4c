-- Two-factor sign-in (TOTP, RFC 6238) with single-use recovery codes, and the half-finished
-- sign-ins waiting for their second factor.
CREATE TABLE user_mfa (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- The shared secret, base32; it must be readable to check codes, so it cannot be hashed.
    secret TEXT NOT NULL,
    -- NULL while set-up waits for its first code.
    enabled_at BIGINT,
    -- The last time step a code was accepted for: a code is never accepted twice.
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE mfa_recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 (hex) of the code as shown.
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE mfa_challenges (
    -- SHA-256 (hex) of the challenge id in the browser's cookie.
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    next_path TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0
);
