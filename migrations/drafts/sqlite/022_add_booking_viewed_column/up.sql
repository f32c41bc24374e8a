-- 022 Add Booking Viewed Column (SQLite): bookings.is_viewed_by_user (default TRUE, i.e.
-- 1: existing bookings count as seen) for the customer's unread-updates badge, with two
-- partial indexes over unseen bookings. SQLite mirror of
-- migrations/drafts/postgres/022_add_booking_viewed_column. The column is appended to
-- bookings' definition by a guarded edit (the writable_schema procedure, see 008: bookings
-- is referenced by ratings and the call tables, so it is not rebuilt); existing rows read
-- its default. Idempotent: the column and indexes are created only when missing; the
-- backfill only fills NULLs.

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', is_viewed_by_user BOOLEAN DEFAULT 1)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'is_viewed_by_user');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

CREATE INDEX IF NOT EXISTS idx_bookings_user_viewed ON bookings (user_id, is_viewed_by_user)
    WHERE is_viewed_by_user = 0;
CREATE INDEX IF NOT EXISTS idx_bookings_user_status_viewed ON bookings (user_id, status, is_viewed_by_user)
    WHERE status IN ('accepted', 'cancelled', 'completed') AND is_viewed_by_user = 0;

-- Existing rows already read 1 through the default; this only fills explicit NULLs.
-- bxm:batch key=b.id
UPDATE bookings AS b
SET is_viewed_by_user = 1
WHERE b.is_viewed_by_user IS NULL;
