-- 018 Add Refresh Tokens Table (SQLite): refresh_tokens for token rotation (short-lived
-- access tokens, long-lived refresh tokens grouped in families to catch reuse), with its
-- indexes. SQLite mirror of migrations/drafts/postgres/018_add_refresh_tokens_table (uuid,
-- INET and timestamptz are TEXT; the CHECK compares the two timestamps as text, which
-- orders them correctly as long as both are written in the same format).
-- Idempotent: created only when missing.

CREATE TABLE IF NOT EXISTS refresh_tokens (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    token_jti TEXT NOT NULL UNIQUE,
    access_token_jti TEXT NOT NULL,
    device_name TEXT,
    device_type TEXT,
    ip_address TEXT,
    user_agent TEXT,
    is_revoked BOOLEAN DEFAULT 0,
    revoked_at TEXT,
    revoked_reason TEXT,
    expires_at TEXT NOT NULL,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    last_used_at TEXT,
    family_id TEXT,
    CONSTRAINT refresh_tokens_expires_at_check CHECK (expires_at > created_at)
);
CREATE INDEX IF NOT EXISTS idx_refresh_tokens_user_id ON refresh_tokens (user_id);
CREATE INDEX IF NOT EXISTS idx_refresh_tokens_token_hash ON refresh_tokens (token_hash);
CREATE INDEX IF NOT EXISTS idx_refresh_tokens_token_jti ON refresh_tokens (token_jti);
CREATE INDEX IF NOT EXISTS idx_refresh_tokens_access_token_jti ON refresh_tokens (access_token_jti);
CREATE INDEX IF NOT EXISTS idx_refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX IF NOT EXISTS idx_refresh_tokens_expires_at ON refresh_tokens (expires_at);
CREATE INDEX IF NOT EXISTS idx_refresh_tokens_is_revoked ON refresh_tokens (is_revoked);
CREATE INDEX IF NOT EXISTS idx_refresh_tokens_user_active ON refresh_tokens (user_id, is_revoked, expires_at);
