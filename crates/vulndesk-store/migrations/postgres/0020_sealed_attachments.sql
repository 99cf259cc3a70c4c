-- Attachments encrypted at rest (AES-256-GCM with the configured attachment_key): 1 when
-- `content` holds nonce and ciphertext, 0 for attachments stored before a key was set.
ALTER TABLE attachments ADD COLUMN sealed BIGINT NOT NULL DEFAULT 0;
