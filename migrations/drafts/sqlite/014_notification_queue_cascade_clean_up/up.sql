-- 014 Notification Queue & Cascade Clean-up (SQLite):
--   notification_delivery_queue: new durable queue table with its indexes, and the trigger
--     trg_notification_queue_updated_at keeping updated_at current (PostgreSQL's BEFORE
--     UPDATE trigger with its function set_notification_queue_timestamp() becomes an AFTER
--     UPDATE trigger that sets updated_at on the updated row);
--   FKs that now cascade on delete: notifications.user_id, bookings.user_id,
--     bookings.provider_service_id and ratings.booking_id.
--     (026 and 034 later turn the two bookings FKs into ON DELETE SET NULL.)
-- SQLite mirror of migrations/drafts/postgres/014_notification_queue_cascade_clean_up
-- (timestamptz and JSONB are TEXT). An FK's ON DELETE action is changed by a guarded edit
-- of its table's definition (the writable_schema procedure, see 008; bookings is
-- referenced by ratings and the call tables, and dropping it to rebuild it would fire
-- their ON DELETE actions), only while the FK has no action (NO ACTION, as 001 made it):
-- an FK that already cascades is left alone, and so are the two bookings FKs once 026/034
-- have made them ON DELETE SET NULL (re-running 014 after them must not bring back the
-- cascade that deletes bookings).
-- Idempotent: objects are created only when missing.

CREATE TABLE IF NOT EXISTS notification_delivery_queue (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    role TEXT,
    metadata TEXT DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    priority INTEGER DEFAULT 0,
    next_attempt_at TEXT,
    locked_by TEXT,
    processing_started_at TEXT,
    delivered_at TEXT,
    last_error TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_notification_delivery_status_next ON notification_delivery_queue (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS idx_notification_delivery_user ON notification_delivery_queue (user_id);
CREATE INDEX IF NOT EXISTS idx_notification_delivery_priority ON notification_delivery_queue (priority DESC);

CREATE TRIGGER IF NOT EXISTS trg_notification_queue_updated_at
AFTER UPDATE ON notification_delivery_queue
FOR EACH ROW
BEGIN
    UPDATE notification_delivery_queue SET updated_at = CURRENT_TIMESTAMP
    WHERE id = NEW.id AND updated_at IS NOT CURRENT_TIMESTAMP;
END;

PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, '    user_id TEXT REFERENCES users (id),', '    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,')
WHERE type = 'table' AND name = 'notifications'
  AND EXISTS (SELECT 1 FROM pragma_foreign_key_list('notifications') WHERE "from" = 'user_id' AND on_delete = 'NO ACTION');
UPDATE sqlite_master
SET sql = replace(sql, '    user_id TEXT REFERENCES users (id),', '    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,')
WHERE type = 'table' AND name = 'bookings'
  AND EXISTS (SELECT 1 FROM pragma_foreign_key_list('bookings') WHERE "from" = 'user_id' AND on_delete = 'NO ACTION');
UPDATE sqlite_master
SET sql = replace(sql, '    provider_service_id TEXT REFERENCES provider_services (id),', '    provider_service_id TEXT REFERENCES provider_services (id) ON DELETE CASCADE,')
WHERE type = 'table' AND name = 'bookings'
  AND EXISTS (SELECT 1 FROM pragma_foreign_key_list('bookings') WHERE "from" = 'provider_service_id' AND on_delete = 'NO ACTION');
UPDATE sqlite_master
SET sql = replace(sql, '    booking_id TEXT UNIQUE REFERENCES bookings (id),', '    booking_id TEXT UNIQUE REFERENCES bookings (id) ON DELETE CASCADE,')
WHERE type = 'table' AND name = 'ratings'
  AND EXISTS (SELECT 1 FROM pragma_foreign_key_list('ratings') WHERE "from" = 'booking_id' AND on_delete = 'NO ACTION');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- Stops the migration if an FK edit above found a definition it does not know.
CREATE TEMP TABLE _bxm_assert (
    failed TEXT CONSTRAINT "014: an FK of notifications, bookings or ratings still has no ON DELETE action" CHECK (failed IS NULL)
);
INSERT INTO _bxm_assert
SELECT 'notifications' FROM pragma_foreign_key_list('notifications') WHERE "from" = 'user_id' AND on_delete = 'NO ACTION'
UNION ALL
SELECT 'bookings' FROM pragma_foreign_key_list('bookings') WHERE "from" IN ('user_id', 'provider_service_id') AND on_delete = 'NO ACTION'
UNION ALL
SELECT 'ratings' FROM pragma_foreign_key_list('ratings') WHERE "from" = 'booking_id' AND on_delete = 'NO ACTION';
DROP TABLE _bxm_assert;
