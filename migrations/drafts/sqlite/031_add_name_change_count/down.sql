-- Reverts 031 Add Name Change Count (SQLite): drops the index and the column (ALTER TABLE
-- DROP COLUMN, in place; on a second run a placeholder is appended first, as in 008's
-- down). Lost for good: how many times each user changed their name.

DROP INDEX IF EXISTS idx_users_name_change_count;

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', name_change_count INTEGER)'
WHERE type = 'table' AND name = 'users'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('users') WHERE name = 'name_change_count');
PRAGMA writable_schema = RESET;
ALTER TABLE users DROP COLUMN name_change_count;
