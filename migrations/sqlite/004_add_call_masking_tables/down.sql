-- Reverts 004 Add Call Masking Tables: drops their indexes and the tables, children first.
-- (Constraints and the indexes behind them go with their tables.)

DROP INDEX IF EXISTS idx_call_recordings_call_log_id;
DROP TABLE IF EXISTS call_recordings;

DROP INDEX IF EXISTS idx_call_events_timestamp;
DROP INDEX IF EXISTS idx_call_events_event_type;
DROP INDEX IF EXISTS idx_call_events_call_log_id;
DROP TABLE IF EXISTS call_events;

DROP INDEX IF EXISTS idx_call_logs_end_reason;
DROP INDEX IF EXISTS idx_call_logs_call_ended_at;
DROP INDEX IF EXISTS idx_call_logs_call_started_at;
DROP INDEX IF EXISTS idx_call_logs_call_status;
DROP INDEX IF EXISTS idx_call_logs_call_sid;
DROP INDEX IF EXISTS idx_call_logs_session_id;
DROP INDEX IF EXISTS idx_call_logs_booking_id;
DROP TABLE IF EXISTS call_logs;

DROP INDEX IF EXISTS idx_call_sessions_status;
DROP INDEX IF EXISTS idx_call_sessions_session_id;
DROP INDEX IF EXISTS idx_call_sessions_booking_id;
DROP TABLE IF EXISTS call_sessions;
