-- Reverts 018 Add Refresh Tokens Table (SQLite): drops its indexes and the table.
-- Lost for good: every refresh token (all users must sign in again).

DROP INDEX IF EXISTS idx_refresh_tokens_user_active;
DROP INDEX IF EXISTS idx_refresh_tokens_is_revoked;
DROP INDEX IF EXISTS idx_refresh_tokens_expires_at;
DROP INDEX IF EXISTS idx_refresh_tokens_family_id;
DROP INDEX IF EXISTS idx_refresh_tokens_access_token_jti;
DROP INDEX IF EXISTS idx_refresh_tokens_token_jti;
DROP INDEX IF EXISTS idx_refresh_tokens_token_hash;
DROP INDEX IF EXISTS idx_refresh_tokens_user_id;
DROP TABLE IF EXISTS refresh_tokens;
