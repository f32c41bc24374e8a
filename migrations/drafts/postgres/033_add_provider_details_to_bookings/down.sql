-- Reverts 033 Add Provider Details to Bookings: drops the index and the three columns.
-- Lost for good: provider details of bookings whose provider is gone.

DROP INDEX IF EXISTS idx_bookings_provider_name;
ALTER TABLE bookings
    DROP COLUMN IF EXISTS provider_profile_pic_url,
    DROP COLUMN IF EXISTS provider_phone,
    DROP COLUMN IF EXISTS provider_name;
