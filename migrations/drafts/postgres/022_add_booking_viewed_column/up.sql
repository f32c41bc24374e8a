-- 022 Add Booking Viewed Column: bookings.is_viewed_by_user (default TRUE: existing
-- bookings count as seen) for the customer's unread-updates badge, with two partial
-- indexes over unseen bookings. Online-safe: constant default, no rewrite; the backfill is
-- batchable. Idempotent: the backfill only fills NULLs.

ALTER TABLE bookings ADD COLUMN IF NOT EXISTS is_viewed_by_user BOOLEAN DEFAULT TRUE;

CREATE INDEX IF NOT EXISTS idx_bookings_user_viewed ON bookings (user_id, is_viewed_by_user)
    WHERE is_viewed_by_user = FALSE;
CREATE INDEX IF NOT EXISTS idx_bookings_user_status_viewed ON bookings (user_id, status, is_viewed_by_user)
    WHERE status IN ('accepted', 'cancelled', 'completed') AND is_viewed_by_user = FALSE;

-- Existing rows already read TRUE through the default; this only fills explicit NULLs.
-- bxm:batch key=b.id
UPDATE bookings b
SET is_viewed_by_user = TRUE
WHERE b.is_viewed_by_user IS NULL;
