-- Reverts 033 Add Provider Details to Bookings (SQLite): drops the index and the three
-- columns (ALTER TABLE DROP COLUMN, in place; on a second run placeholders are appended
-- first, as in 008's down). Lost for good: provider details of bookings whose provider is
-- gone.

DROP INDEX IF EXISTS idx_bookings_provider_name;

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', provider_profile_pic_url TEXT)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'provider_profile_pic_url');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', provider_phone TEXT)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'provider_phone');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', provider_name TEXT)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'provider_name');
PRAGMA writable_schema = RESET;
ALTER TABLE bookings DROP COLUMN provider_profile_pic_url;
ALTER TABLE bookings DROP COLUMN provider_phone;
ALTER TABLE bookings DROP COLUMN provider_name;
