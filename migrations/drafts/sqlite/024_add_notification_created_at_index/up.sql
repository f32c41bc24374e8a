-- 024 Add Notification Created At Index (SQLite): indexes on notifications (created_at)
-- and (user_id, created_at) for the cleanup of old notifications. SQLite mirror of
-- migrations/drafts/postgres/024_add_notification_created_at_index. Idempotent.

CREATE INDEX IF NOT EXISTS idx_notifications_created_at ON notifications (created_at);
CREATE INDEX IF NOT EXISTS idx_notifications_user_created_at ON notifications (user_id, created_at);
