-- Reverts 023 Add Booking Provider Viewed Column: drops both indexes and the column.
-- Lost for good: which bookings providers have not seen yet.

DROP INDEX IF EXISTS idx_bookings_provider_status_viewed;
DROP INDEX IF EXISTS idx_bookings_provider_viewed;
ALTER TABLE bookings DROP COLUMN IF EXISTS is_viewed_by_provider;
