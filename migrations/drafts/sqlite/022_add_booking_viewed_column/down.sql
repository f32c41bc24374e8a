-- Reverts 022 Add Booking Viewed Column (SQLite): drops both indexes and the column
-- (ALTER TABLE DROP COLUMN, in place; on a second run a placeholder is appended first, as
-- in 008's down). Lost for good: which bookings customers have not seen yet.

DROP INDEX IF EXISTS idx_bookings_user_status_viewed;
DROP INDEX IF EXISTS idx_bookings_user_viewed;

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', is_viewed_by_user BOOLEAN)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'is_viewed_by_user');
PRAGMA writable_schema = RESET;
ALTER TABLE bookings DROP COLUMN is_viewed_by_user;
