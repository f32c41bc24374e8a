-- 014 Notification Queue & Cascade Clean-up:
--   notification_delivery_queue: new durable queue table with its indexes, and the trigger
--     trg_notification_queue_updated_at (function set_notification_queue_timestamp(), body
--     byte for byte as the Node.js runner made it; do not reformat it) keeping updated_at
--     current;
--   FKs that now cascade on delete: notifications.user_id, bookings.user_id,
--     bookings.provider_service_id and ratings.booking_id (same names as before).
--     (026 and 034 later turn the two bookings FKs into ON DELETE SET NULL.)
-- Online-safe: each FK is swapped in one short ALTER TABLE (drop the old one, add the new
-- one NOT VALID, so there is no moment without the FK), then validated separately.
-- Idempotent: an FK that already cascades is left alone, and so are the two bookings FKs
-- once 026/034 have made them ON DELETE SET NULL (re-running 014 after them must not bring
-- back the cascade that deletes bookings, not even until 026/034 run again); the trigger
-- is created only when missing.

CREATE TABLE IF NOT EXISTS notification_delivery_queue (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    role TEXT,
    metadata JSONB DEFAULT '{}'::jsonb,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    priority INTEGER DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    locked_by TEXT,
    processing_started_at TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ,
    last_error TEXT,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_notification_delivery_status_next ON notification_delivery_queue (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS idx_notification_delivery_user ON notification_delivery_queue (user_id);
CREATE INDEX IF NOT EXISTS idx_notification_delivery_priority ON notification_delivery_queue (priority DESC);

CREATE OR REPLACE FUNCTION set_notification_queue_timestamp()
RETURNS TRIGGER AS $$
      BEGIN
        NEW.updated_at = NOW();
        RETURN NEW;
      END;
      $$ LANGUAGE plpgsql;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger
                   WHERE tgrelid = 'notification_delivery_queue'::regclass AND tgname = 'trg_notification_queue_updated_at') THEN
        CREATE TRIGGER trg_notification_queue_updated_at
            BEFORE UPDATE ON notification_delivery_queue
            FOR EACH ROW EXECUTE FUNCTION set_notification_queue_timestamp();
    END IF;
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'notifications'::regclass AND conname = 'notifications_user_id_fkey' AND confdeltype = 'c') THEN
        ALTER TABLE notifications
            DROP CONSTRAINT IF EXISTS notifications_user_id_fkey,
            ADD CONSTRAINT notifications_user_id_fkey
                FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;
    END IF;
END
$$;
ALTER TABLE notifications VALIDATE CONSTRAINT notifications_user_id_fkey;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'bookings'::regclass AND conname = 'bookings_user_id_fkey'
                     AND confdeltype IN ('c', 'n')) THEN
        ALTER TABLE bookings
            DROP CONSTRAINT IF EXISTS bookings_user_id_fkey,
            ADD CONSTRAINT bookings_user_id_fkey
                FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;
    END IF;
END
$$;
ALTER TABLE bookings VALIDATE CONSTRAINT bookings_user_id_fkey;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'bookings'::regclass AND conname = 'bookings_provider_service_id_fkey'
                     AND confdeltype IN ('c', 'n')) THEN
        ALTER TABLE bookings
            DROP CONSTRAINT IF EXISTS bookings_provider_service_id_fkey,
            ADD CONSTRAINT bookings_provider_service_id_fkey
                FOREIGN KEY (provider_service_id) REFERENCES provider_services (id) ON DELETE CASCADE NOT VALID;
    END IF;
END
$$;
ALTER TABLE bookings VALIDATE CONSTRAINT bookings_provider_service_id_fkey;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'ratings'::regclass AND conname = 'ratings_booking_id_fkey' AND confdeltype = 'c') THEN
        ALTER TABLE ratings
            DROP CONSTRAINT IF EXISTS ratings_booking_id_fkey,
            ADD CONSTRAINT ratings_booking_id_fkey
                FOREIGN KEY (booking_id) REFERENCES bookings (id) ON DELETE CASCADE NOT VALID;
    END IF;
END
$$;
ALTER TABLE ratings VALIDATE CONSTRAINT ratings_booking_id_fkey;
