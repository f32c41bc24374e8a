-- Reverts 014 Notification Queue & Cascade Clean-up: the four FKs no longer cascade (as 001
-- created them: no ON DELETE action), and the trigger, its function, the indexes and
-- notification_delivery_queue are dropped. Lost for good: the queued deliveries.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'ratings'::regclass AND conname = 'ratings_booking_id_fkey' AND confdeltype = 'a') THEN
        ALTER TABLE ratings
            DROP CONSTRAINT IF EXISTS ratings_booking_id_fkey,
            ADD CONSTRAINT ratings_booking_id_fkey
                FOREIGN KEY (booking_id) REFERENCES bookings (id) NOT VALID;
    END IF;
END
$$;
ALTER TABLE ratings VALIDATE CONSTRAINT ratings_booking_id_fkey;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'bookings'::regclass AND conname = 'bookings_provider_service_id_fkey' AND confdeltype = 'a') THEN
        ALTER TABLE bookings
            DROP CONSTRAINT IF EXISTS bookings_provider_service_id_fkey,
            ADD CONSTRAINT bookings_provider_service_id_fkey
                FOREIGN KEY (provider_service_id) REFERENCES provider_services (id) NOT VALID;
    END IF;
END
$$;
ALTER TABLE bookings VALIDATE CONSTRAINT bookings_provider_service_id_fkey;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'bookings'::regclass AND conname = 'bookings_user_id_fkey' AND confdeltype = 'a') THEN
        ALTER TABLE bookings
            DROP CONSTRAINT IF EXISTS bookings_user_id_fkey,
            ADD CONSTRAINT bookings_user_id_fkey
                FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
    END IF;
END
$$;
ALTER TABLE bookings VALIDATE CONSTRAINT bookings_user_id_fkey;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'notifications'::regclass AND conname = 'notifications_user_id_fkey' AND confdeltype = 'a') THEN
        ALTER TABLE notifications
            DROP CONSTRAINT IF EXISTS notifications_user_id_fkey,
            ADD CONSTRAINT notifications_user_id_fkey
                FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
    END IF;
END
$$;
ALTER TABLE notifications VALIDATE CONSTRAINT notifications_user_id_fkey;

DROP TRIGGER IF EXISTS trg_notification_queue_updated_at ON notification_delivery_queue;
DROP FUNCTION IF EXISTS set_notification_queue_timestamp();
DROP INDEX IF EXISTS idx_notification_delivery_priority;
DROP INDEX IF EXISTS idx_notification_delivery_user;
DROP INDEX IF EXISTS idx_notification_delivery_status_next;
DROP TABLE IF EXISTS notification_delivery_queue;
