-- Reverts 002 Add Payment Transactions Table: drops its indexes and the table.
-- (Constraints and the indexes behind them go with the table.)

DROP INDEX IF EXISTS idx_payment_transactions_updated_at;
DROP INDEX IF EXISTS idx_payment_transactions_created_at;
DROP INDEX IF EXISTS idx_payment_transactions_retry_count;
DROP INDEX IF EXISTS idx_payment_transactions_ip_address;
DROP INDEX IF EXISTS idx_payment_transactions_payment_flow_id;
DROP INDEX IF EXISTS idx_payment_transactions_transaction_id;
DROP INDEX IF EXISTS idx_payment_transactions_status;
DROP INDEX IF EXISTS idx_payment_transactions_provider_service_id;
DROP INDEX IF EXISTS idx_payment_transactions_user_id;
DROP INDEX IF EXISTS idx_payment_transactions_order_id;
DROP TABLE IF EXISTS payment_transactions;
