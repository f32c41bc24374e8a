-- Reverts 014 Notification Queue & Cascade Clean-up (SQLite): the four FKs no longer
-- cascade (as 001 created them: no ON DELETE action; guarded edits of the definitions, as
-- in the up migration), and the trigger, the indexes and notification_delivery_queue are
-- dropped. Lost for good: the queued deliveries.

PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, '    booking_id TEXT UNIQUE REFERENCES bookings (id) ON DELETE CASCADE,', '    booking_id TEXT UNIQUE REFERENCES bookings (id),')
WHERE type = 'table' AND name = 'ratings'
  AND EXISTS (SELECT 1 FROM pragma_foreign_key_list('ratings') WHERE "from" = 'booking_id' AND on_delete <> 'NO ACTION');
UPDATE sqlite_master
SET sql = replace(replace(sql, '    provider_service_id TEXT REFERENCES provider_services (id) ON DELETE CASCADE,', '    provider_service_id TEXT REFERENCES provider_services (id),'),
                  '    provider_service_id TEXT REFERENCES provider_services (id) ON DELETE SET NULL,', '    provider_service_id TEXT REFERENCES provider_services (id),')
WHERE type = 'table' AND name = 'bookings'
  AND EXISTS (SELECT 1 FROM pragma_foreign_key_list('bookings') WHERE "from" = 'provider_service_id' AND on_delete <> 'NO ACTION');
UPDATE sqlite_master
SET sql = replace(replace(sql, '    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,', '    user_id TEXT REFERENCES users (id),'),
                  '    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,', '    user_id TEXT REFERENCES users (id),')
WHERE type = 'table' AND name = 'bookings'
  AND EXISTS (SELECT 1 FROM pragma_foreign_key_list('bookings') WHERE "from" = 'user_id' AND on_delete <> 'NO ACTION');
UPDATE sqlite_master
SET sql = replace(sql, '    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,', '    user_id TEXT REFERENCES users (id),')
WHERE type = 'table' AND name = 'notifications'
  AND EXISTS (SELECT 1 FROM pragma_foreign_key_list('notifications') WHERE "from" = 'user_id' AND on_delete <> 'NO ACTION');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- Stops the migration if an FK edit above found a definition it does not know.
CREATE TEMP TABLE _bxm_assert (
    failed TEXT CONSTRAINT "014 down: an FK of notifications, bookings or ratings still has an ON DELETE action" CHECK (failed IS NULL)
);
INSERT INTO _bxm_assert
SELECT 'notifications' FROM pragma_foreign_key_list('notifications') WHERE "from" = 'user_id' AND on_delete <> 'NO ACTION'
UNION ALL
SELECT 'bookings' FROM pragma_foreign_key_list('bookings') WHERE "from" IN ('user_id', 'provider_service_id') AND on_delete <> 'NO ACTION'
UNION ALL
SELECT 'ratings' FROM pragma_foreign_key_list('ratings') WHERE "from" = 'booking_id' AND on_delete <> 'NO ACTION';
DROP TABLE _bxm_assert;

DROP TRIGGER IF EXISTS trg_notification_queue_updated_at;
DROP INDEX IF EXISTS idx_notification_delivery_priority;
DROP INDEX IF EXISTS idx_notification_delivery_user;
DROP INDEX IF EXISTS idx_notification_delivery_status_next;
DROP TABLE IF EXISTS notification_delivery_queue;
