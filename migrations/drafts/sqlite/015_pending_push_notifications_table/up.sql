-- 015 Pending Push Notifications Table (SQLite): pending_push_notifications keeps push
-- notifications for users who have no active push token yet, with an index on
-- (user_id, created_at). SQLite mirror of
-- migrations/drafts/postgres/015_pending_push_notifications_table (JSONB and timestamptz
-- are TEXT). Idempotent: created only when missing.

CREATE TABLE IF NOT EXISTS pending_push_notifications (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    notification_payload TEXT NOT NULL,
    metadata TEXT DEFAULT '{}',
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_pending_push_notifications_user_id ON pending_push_notifications (user_id, created_at);
