-- Reverts 015 Pending Push Notifications Table (SQLite): drops its index and the table.
-- Lost for good: notifications still waiting for a push token.

DROP INDEX IF EXISTS idx_pending_push_notifications_user_id;
DROP TABLE IF EXISTS pending_push_notifications;
