-- Reverts 005_add_push_notification_tables.

DROP TRIGGER IF EXISTS trg_notification_queue_updated_at ON notification_queue;
DROP INDEX IF EXISTS idx_notification_queue_push_token_id;
DROP INDEX IF EXISTS idx_notification_queue_notification_log_id;
DROP INDEX IF EXISTS idx_notification_queue_user_id;
DROP INDEX IF EXISTS idx_notification_queue_status_next_retry_at;
DROP TABLE IF EXISTS notification_queue;

DROP INDEX IF EXISTS idx_notification_receipts_status_received_at;
DROP INDEX IF EXISTS uq_notification_receipts_receipt_id;
DROP INDEX IF EXISTS idx_notification_receipts_push_token_id;
DROP INDEX IF EXISTS idx_notification_receipts_notification_log_id;
DROP TABLE IF EXISTS notification_receipts;

DROP TRIGGER IF EXISTS trg_user_notification_settings_updated_at ON user_notification_settings;
DROP INDEX IF EXISTS uq_user_notification_settings_user_id;
DROP TABLE IF EXISTS user_notification_settings;

DROP TRIGGER IF EXISTS trg_notification_logs_updated_at ON notification_logs;
DROP INDEX IF EXISTS uq_notification_logs_provider_message_id;
DROP INDEX IF EXISTS idx_notification_logs_status_created_at;
DROP INDEX IF EXISTS idx_notification_logs_push_token_id;
DROP INDEX IF EXISTS idx_notification_logs_scheduled_notification_id;
DROP INDEX IF EXISTS idx_notification_logs_notification_id;
DROP INDEX IF EXISTS idx_notification_logs_user_id_created_at;
DROP TABLE IF EXISTS notification_logs;

DROP TRIGGER IF EXISTS trg_scheduled_notifications_updated_at ON scheduled_notifications;
DROP INDEX IF EXISTS uq_scheduled_notifications_dedupe_key;
DROP INDEX IF EXISTS idx_scheduled_notifications_status_scheduled_at;
DROP INDEX IF EXISTS idx_scheduled_notifications_booking_id;
DROP INDEX IF EXISTS idx_scheduled_notifications_user_id;
DROP TABLE IF EXISTS scheduled_notifications;

DROP TRIGGER IF EXISTS trg_user_push_tokens_updated_at ON user_push_tokens;
DROP INDEX IF EXISTS idx_user_push_tokens_user_id_is_active;
DROP INDEX IF EXISTS uq_user_push_tokens_device_token;
DROP TABLE IF EXISTS user_push_tokens;
