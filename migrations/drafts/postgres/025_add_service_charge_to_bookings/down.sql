-- Reverts 025 Add Service Charge To Bookings: drops both indexes, the FK and the two
-- columns. Lost for good: each booking's charge and provider (once 027 has run, the
-- provider services no longer hold the charge either).

DROP INDEX IF EXISTS idx_bookings_earnings_query;
DROP INDEX IF EXISTS idx_bookings_service_charge_value;
ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_provider_id_fkey;
ALTER TABLE bookings
    DROP COLUMN IF EXISTS provider_id,
    DROP COLUMN IF EXISTS service_charge_value;
