-- 023 Add Booking Provider Viewed Column: bookings.is_viewed_by_provider (default TRUE:
-- existing bookings count as seen) for the provider's unread-updates badge, with two
-- partial indexes over unseen bookings. Online-safe: constant default, no rewrite; the
-- backfill is batchable. Idempotent: the backfill only fills NULLs.

ALTER TABLE bookings ADD COLUMN IF NOT EXISTS is_viewed_by_provider BOOLEAN DEFAULT TRUE;

CREATE INDEX IF NOT EXISTS idx_bookings_provider_viewed ON bookings (provider_service_id, is_viewed_by_provider)
    WHERE is_viewed_by_provider = FALSE;
CREATE INDEX IF NOT EXISTS idx_bookings_provider_status_viewed ON bookings (provider_service_id, status, is_viewed_by_provider)
    WHERE status IN ('pending', 'cancelled') AND is_viewed_by_provider = FALSE;

-- Existing rows already read TRUE through the default; this only fills explicit NULLs.
-- bxm:batch key=b.id
UPDATE bookings b
SET is_viewed_by_provider = TRUE
WHERE b.is_viewed_by_provider IS NULL;
