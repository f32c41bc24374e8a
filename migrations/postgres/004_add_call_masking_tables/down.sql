-- Reverts 004_add_call_masking_tables.

DROP TRIGGER IF EXISTS trg_call_recordings_updated_at ON call_recordings;
DROP INDEX IF EXISTS idx_call_recordings_status_retention_until;
DROP INDEX IF EXISTS uq_call_recordings_storage_key;
DROP INDEX IF EXISTS idx_call_recordings_call_log_id;
DROP TABLE IF EXISTS call_recordings;

DROP INDEX IF EXISTS idx_call_events_user_id;
DROP INDEX IF EXISTS idx_call_events_call_log_id_created_at;
DROP TABLE IF EXISTS call_events;

DROP TRIGGER IF EXISTS trg_call_logs_updated_at ON call_logs;
DROP INDEX IF EXISTS uq_call_logs_telephony_call_sid;
DROP INDEX IF EXISTS idx_call_logs_status_created_at;
DROP INDEX IF EXISTS idx_call_logs_callee_id_created_at;
DROP INDEX IF EXISTS idx_call_logs_caller_id_created_at;
DROP INDEX IF EXISTS idx_call_logs_session_id_created_at;
DROP TABLE IF EXISTS call_logs;

DROP TRIGGER IF EXISTS trg_call_sessions_updated_at ON call_sessions;
DROP INDEX IF EXISTS idx_call_sessions_status_expires_at;
DROP INDEX IF EXISTS idx_call_sessions_provider_id;
DROP INDEX IF EXISTS idx_call_sessions_customer_id;
DROP INDEX IF EXISTS idx_call_sessions_masked_number_status;
DROP INDEX IF EXISTS uq_call_sessions_room_id;
DROP INDEX IF EXISTS uq_call_sessions_booking_id_status;
DROP INDEX IF EXISTS idx_call_sessions_booking_id;
DROP TABLE IF EXISTS call_sessions;
