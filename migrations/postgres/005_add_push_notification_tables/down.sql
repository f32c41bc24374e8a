-- Reverts 005 Add Push Notification Tables: drops their indexes and the tables.
-- (Constraints and the indexes behind them go with their tables.)

DROP INDEX IF EXISTS idx_notification_queue_next_attempt;
DROP INDEX IF EXISTS idx_notification_queue_status;
DROP INDEX IF EXISTS idx_notification_queue_user_id;
DROP TABLE IF EXISTS notification_queue;

DROP INDEX IF EXISTS idx_notification_receipts_status;
DROP INDEX IF EXISTS idx_notification_receipts_token;
DROP TABLE IF EXISTS notification_receipts;

DROP INDEX IF EXISTS idx_notification_settings_user_id;
DROP TABLE IF EXISTS user_notification_settings;

DROP INDEX IF EXISTS idx_notification_logs_created_at;
DROP INDEX IF EXISTS idx_notification_logs_type;
DROP INDEX IF EXISTS idx_notification_logs_user_id;
DROP TABLE IF EXISTS notification_logs;

DROP INDEX IF EXISTS idx_scheduled_notifications_sent;
DROP INDEX IF EXISTS idx_scheduled_notifications_time;
DROP INDEX IF EXISTS idx_scheduled_notifications_user_id;
DROP TABLE IF EXISTS scheduled_notifications;

DROP INDEX IF EXISTS idx_user_push_tokens_active;
DROP INDEX IF EXISTS idx_user_push_tokens_token;
DROP INDEX IF EXISTS idx_user_push_tokens_user_id;
DROP TABLE IF EXISTS user_push_tokens;
