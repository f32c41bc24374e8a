-- 034 Preserve Bookings on User Deletion: bookings.user_id's FK becomes ON DELETE SET
-- NULL (was CASCADE since 014), so a customer deleting the account keeps the providers'
-- booking history (035 stores the customer's name and phone on the booking).
-- Online-safe: the FK is swapped in one short ALTER TABLE (old one dropped, new one added
-- NOT VALID: no moment without the FK), then validated separately.
-- Idempotent: left alone when it already sets NULL.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'bookings'::regclass AND conname = 'bookings_user_id_fkey' AND confdeltype = 'n') THEN
        ALTER TABLE bookings
            DROP CONSTRAINT IF EXISTS bookings_user_id_fkey,
            ADD CONSTRAINT bookings_user_id_fkey
                FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL NOT VALID;
    END IF;
END
$$;
ALTER TABLE bookings VALIDATE CONSTRAINT bookings_user_id_fkey;
