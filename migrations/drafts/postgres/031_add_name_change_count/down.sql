-- Reverts 031 Add Name Change Count: drops the index and the column.
-- Lost for good: how many times each user changed their name.

DROP INDEX IF EXISTS idx_users_name_change_count;
ALTER TABLE users DROP COLUMN IF EXISTS name_change_count;
