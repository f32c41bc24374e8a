-- 031 Add Name Change Count: users.name_change_count INTEGER NOT NULL DEFAULT 0 (the app
-- allows two name changes), indexed. Online-safe: a NOT NULL column with a constant
-- default is added without rewriting or scanning users. Idempotent.

ALTER TABLE users ADD COLUMN IF NOT EXISTS name_change_count INTEGER DEFAULT 0 NOT NULL;

CREATE INDEX IF NOT EXISTS idx_users_name_change_count ON users (name_change_count);
