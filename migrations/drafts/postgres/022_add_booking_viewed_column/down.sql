-- Reverts 022 Add Booking Viewed Column: drops both indexes and the column.
-- Lost for good: which bookings customers have not seen yet.

DROP INDEX IF EXISTS idx_bookings_user_status_viewed;
DROP INDEX IF EXISTS idx_bookings_user_viewed;
ALTER TABLE bookings DROP COLUMN IF EXISTS is_viewed_by_user;
