-- Reverts 002_add_payment_transactions_table.

DROP TRIGGER IF EXISTS trg_payment_transactions_updated_at;
DROP INDEX IF EXISTS uq_payment_transactions_idempotency_key;
DROP INDEX IF EXISTS uq_payment_transactions_gateway_refund_id;
DROP INDEX IF EXISTS uq_payment_transactions_gateway_payment_id;
DROP INDEX IF EXISTS uq_payment_transactions_gateway_order_id;
DROP INDEX IF EXISTS idx_payment_transactions_created_at;
DROP INDEX IF EXISTS idx_payment_transactions_status_created_at;
DROP INDEX IF EXISTS idx_payment_transactions_parent_transaction_id;
DROP INDEX IF EXISTS idx_payment_transactions_customer_id_created_at;
DROP INDEX IF EXISTS idx_payment_transactions_booking_id;
DROP TABLE IF EXISTS payment_transactions;
