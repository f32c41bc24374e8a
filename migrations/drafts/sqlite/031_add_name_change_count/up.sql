-- 031 Add Name Change Count (SQLite): users.name_change_count INTEGER NOT NULL DEFAULT 0
-- (the app allows two name changes), indexed. SQLite mirror of
-- migrations/drafts/postgres/031_add_name_change_count: the column is appended to users'
-- definition by a guarded edit, as in 008 (existing rows read 0). Idempotent.

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', name_change_count INTEGER DEFAULT 0 NOT NULL)'
WHERE type = 'table' AND name = 'users'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('users') WHERE name = 'name_change_count');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

CREATE INDEX IF NOT EXISTS idx_users_name_change_count ON users (name_change_count);
