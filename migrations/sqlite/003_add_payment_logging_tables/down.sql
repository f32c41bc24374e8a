-- Reverts 003_add_payment_logging_tables (children of payment_transactions only).

DROP TRIGGER IF EXISTS trg_payment_security_events_updated_at;
DROP INDEX IF EXISTS idx_payment_security_events_created_at;
DROP INDEX IF EXISTS idx_payment_security_events_ip_address;
DROP INDEX IF EXISTS idx_payment_security_events_is_resolved_severity;
DROP INDEX IF EXISTS idx_payment_security_events_resolved_by;
DROP INDEX IF EXISTS idx_payment_security_events_transaction_id;
DROP INDEX IF EXISTS idx_payment_security_events_user_id;
DROP TABLE IF EXISTS payment_security_events;

DROP INDEX IF EXISTS idx_payment_api_logs_created_at;
DROP INDEX IF EXISTS idx_payment_api_logs_correlation_id;
DROP INDEX IF EXISTS idx_payment_api_logs_transaction_id_created_at;
DROP TABLE IF EXISTS payment_api_logs;

DROP INDEX IF EXISTS idx_payment_events_event_type_created_at;
DROP INDEX IF EXISTS uq_payment_events_gateway_event_id;
DROP INDEX IF EXISTS idx_payment_events_transaction_id_created_at;
DROP TABLE IF EXISTS payment_events;
