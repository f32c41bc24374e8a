-- 025 Add Service Charge To Bookings: bookings keep their own copy of the charge and the
-- provider, so earnings survive the deletion of a provider service:
--   bookings.service_charge_value NUMERIC(10,2), bookings.provider_id (FK
--   bookings_provider_id_fkey -> provider_profiles, no action), backfilled from the
--   booking's provider service *as it is now* (so bookings moved by 019 get the new
--   service's rate, as with the Node.js runner), and two indexes for earnings queries.
-- The backfill reads provider_services.service_charge_value through to_jsonb(ps), not by
-- name: 027 drops that column, and a plain reference would make a re-run after 027 fail
-- (the Node.js runner's does, and records a success). Once the column is gone the
-- backfill matches no row, exactly as the Node.js runner's result.
-- Online-safe: nullable columns; the FK is added NOT VALID, then validated; the backfill
-- is one batchable UPDATE (each booking's values come from its provider service only).
-- Idempotent: the backfill only fills values that are still NULL.

ALTER TABLE bookings
    ADD COLUMN IF NOT EXISTS service_charge_value DECIMAL(10, 2),
    ADD COLUMN IF NOT EXISTS provider_id UUID;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'bookings'::regclass AND conname = 'bookings_provider_id_fkey') THEN
        ALTER TABLE bookings ADD CONSTRAINT bookings_provider_id_fkey
            FOREIGN KEY (provider_id) REFERENCES provider_profiles (id) NOT VALID;
    END IF;
END
$$;
ALTER TABLE bookings VALIDATE CONSTRAINT bookings_provider_id_fkey;

-- bxm:batch key=b.id
UPDATE bookings b
SET service_charge_value = COALESCE(b.service_charge_value, (to_jsonb(ps) ->> 'service_charge_value')::NUMERIC),
    provider_id = COALESCE(b.provider_id, ps.provider_id)
FROM provider_services ps
WHERE b.provider_service_id = ps.id
  AND (b.service_charge_value IS NULL OR b.provider_id IS NULL)
  AND to_jsonb(ps) ->> 'service_charge_value' IS NOT NULL;

CREATE INDEX IF NOT EXISTS idx_bookings_service_charge_value ON bookings (service_charge_value)
    WHERE service_charge_value IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_bookings_earnings_query ON bookings (provider_id, status, service_charge_value, updated_at)
    WHERE provider_id IS NOT NULL AND service_charge_value IS NOT NULL;
