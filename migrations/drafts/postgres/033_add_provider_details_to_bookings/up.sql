-- 033 Add Provider Details to Bookings: bookings keep the provider's name, phone and
-- profile picture URL (provider_name, provider_phone, provider_profile_pic_url), so past
-- bookings stay readable after the provider service or account is deleted; backfilled
-- from the provider's user account through the booking's provider service; partial index
-- on provider_name.
-- Online-safe: nullable columns; the backfill is one batchable UPDATE (each booking's
-- values come from other tables only). Idempotent: it only fills values still NULL.

ALTER TABLE bookings
    ADD COLUMN IF NOT EXISTS provider_name TEXT,
    ADD COLUMN IF NOT EXISTS provider_phone TEXT,
    ADD COLUMN IF NOT EXISTS provider_profile_pic_url TEXT;

-- bxm:batch key=b.id
UPDATE bookings b
SET provider_name = COALESCE(b.provider_name, u.full_name),
    provider_phone = COALESCE(b.provider_phone, u.phone),
    provider_profile_pic_url = COALESCE(b.provider_profile_pic_url, u.profile_pic_url)
FROM provider_services ps
JOIN provider_profiles pp ON pp.id = ps.provider_id
JOIN users u ON u.id = pp.user_id
WHERE b.provider_service_id = ps.id
  AND (b.provider_name IS NULL OR b.provider_phone IS NULL OR b.provider_profile_pic_url IS NULL)
  AND u.full_name IS NOT NULL;

CREATE INDEX IF NOT EXISTS idx_bookings_provider_name ON bookings (provider_name)
    WHERE provider_name IS NOT NULL;
