-- Reverts 034 Preserve Bookings on User Deletion: bookings.user_id's FK cascades on delete
-- again (as 014 left it). Not undone: bookings of customers deleted meanwhile keep
-- user_id NULL.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'bookings'::regclass AND conname = 'bookings_user_id_fkey' AND confdeltype = 'c') THEN
        ALTER TABLE bookings
            DROP CONSTRAINT IF EXISTS bookings_user_id_fkey,
            ADD CONSTRAINT bookings_user_id_fkey
                FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;
    END IF;
END
$$;
ALTER TABLE bookings VALIDATE CONSTRAINT bookings_user_id_fkey;
