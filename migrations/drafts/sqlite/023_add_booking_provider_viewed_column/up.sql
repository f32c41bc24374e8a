-- 023 Add Booking Provider Viewed Column (SQLite): bookings.is_viewed_by_provider (default
-- TRUE, i.e. 1: existing bookings count as seen) for the provider's unread-updates badge,
-- with two partial indexes over unseen bookings. SQLite mirror of
-- migrations/drafts/postgres/023_add_booking_provider_viewed_column; the column is added
-- as in 022. Idempotent: the column and indexes are created only when missing; the
-- backfill only fills NULLs.

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', is_viewed_by_provider BOOLEAN DEFAULT 1)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'is_viewed_by_provider');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

CREATE INDEX IF NOT EXISTS idx_bookings_provider_viewed ON bookings (provider_service_id, is_viewed_by_provider)
    WHERE is_viewed_by_provider = 0;
CREATE INDEX IF NOT EXISTS idx_bookings_provider_status_viewed ON bookings (provider_service_id, status, is_viewed_by_provider)
    WHERE status IN ('pending', 'cancelled') AND is_viewed_by_provider = 0;

-- Existing rows already read 1 through the default; this only fills explicit NULLs.
-- bxm:batch key=b.id
UPDATE bookings AS b
SET is_viewed_by_provider = 1
WHERE b.is_viewed_by_provider IS NULL;
