-- 026 Fix Bookings CASCADE DELETE: bookings.provider_service_id's FK becomes ON DELETE SET
-- NULL (was CASCADE since 014), so deleting a provider service keeps its bookings (their
-- charge and provider are stored on the booking since 025).
-- Online-safe: the FK is swapped in one short ALTER TABLE (old one dropped, new one added
-- NOT VALID: no moment without the FK), then validated separately.
-- Idempotent: left alone when it already sets NULL.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'bookings'::regclass AND conname = 'bookings_provider_service_id_fkey' AND confdeltype = 'n') THEN
        ALTER TABLE bookings
            DROP CONSTRAINT IF EXISTS bookings_provider_service_id_fkey,
            ADD CONSTRAINT bookings_provider_service_id_fkey
                FOREIGN KEY (provider_service_id) REFERENCES provider_services (id) ON DELETE SET NULL NOT VALID;
    END IF;
END
$$;
ALTER TABLE bookings VALIDATE CONSTRAINT bookings_provider_service_id_fkey;
