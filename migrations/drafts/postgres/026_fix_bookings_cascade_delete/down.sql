-- Reverts 026 Fix Bookings CASCADE DELETE: bookings.provider_service_id's FK cascades on
-- delete again (as 014 left it). Not undone: bookings whose provider service was deleted
-- meanwhile keep provider_service_id NULL.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'bookings'::regclass AND conname = 'bookings_provider_service_id_fkey' AND confdeltype = 'c') THEN
        ALTER TABLE bookings
            DROP CONSTRAINT IF EXISTS bookings_provider_service_id_fkey,
            ADD CONSTRAINT bookings_provider_service_id_fkey
                FOREIGN KEY (provider_service_id) REFERENCES provider_services (id) ON DELETE CASCADE NOT VALID;
    END IF;
END
$$;
ALTER TABLE bookings VALIDATE CONSTRAINT bookings_provider_service_id_fkey;
