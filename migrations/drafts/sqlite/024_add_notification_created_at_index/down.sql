-- Reverts 024 Add Notification Created At Index (SQLite): drops both indexes.

DROP INDEX IF EXISTS idx_notifications_user_created_at;
DROP INDEX IF EXISTS idx_notifications_created_at;
