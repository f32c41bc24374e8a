-- 033 Add Provider Details to Bookings (SQLite): bookings keep the provider's name, phone
-- and profile picture URL (provider_name, provider_phone, provider_profile_pic_url), so
-- past bookings stay readable after the provider service or account is deleted;
-- backfilled from the provider's user account through the booking's provider service;
-- partial index on provider_name. SQLite mirror of
-- migrations/drafts/postgres/033_add_provider_details_to_bookings; the columns are
-- appended to bookings' definition by guarded edits, as in 022.
-- Idempotent: columns and index are created only when missing; the backfill only fills
-- values still NULL.

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', provider_name TEXT)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'provider_name');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', provider_phone TEXT)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'provider_phone');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', provider_profile_pic_url TEXT)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'provider_profile_pic_url');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- bxm:batch key=b.id
UPDATE bookings AS b
SET provider_name = COALESCE(b.provider_name, u.full_name),
    provider_phone = COALESCE(b.provider_phone, u.phone),
    provider_profile_pic_url = COALESCE(b.provider_profile_pic_url, u.profile_pic_url)
FROM provider_services AS ps
JOIN provider_profiles AS pp ON pp.id = ps.provider_id
JOIN users AS u ON u.id = pp.user_id
WHERE b.provider_service_id = ps.id
  AND (b.provider_name IS NULL OR b.provider_phone IS NULL OR b.provider_profile_pic_url IS NULL)
  AND u.full_name IS NOT NULL;

CREATE INDEX IF NOT EXISTS idx_bookings_provider_name ON bookings (provider_name)
    WHERE provider_name IS NOT NULL;
