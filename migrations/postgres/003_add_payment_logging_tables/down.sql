-- Reverts 003 Add Payment Logging Tables: drops their indexes and the tables.
-- (Constraints and the indexes behind them go with their tables.)

DROP INDEX IF EXISTS idx_payment_security_events_timestamp;
DROP INDEX IF EXISTS idx_payment_security_events_risk_score;
DROP INDEX IF EXISTS idx_payment_security_events_event_type;
DROP INDEX IF EXISTS idx_payment_security_events_transaction_id;
DROP TABLE IF EXISTS payment_security_events;

DROP INDEX IF EXISTS idx_payment_api_logs_response_status;
DROP INDEX IF EXISTS idx_payment_api_logs_timestamp;
DROP INDEX IF EXISTS idx_payment_api_logs_endpoint;
DROP INDEX IF EXISTS idx_payment_api_logs_transaction_id;
DROP TABLE IF EXISTS payment_api_logs;

DROP INDEX IF EXISTS idx_payment_events_user_id;
DROP INDEX IF EXISTS idx_payment_events_timestamp;
DROP INDEX IF EXISTS idx_payment_events_event_type;
DROP INDEX IF EXISTS idx_payment_events_transaction_id;
DROP TABLE IF EXISTS payment_events;
