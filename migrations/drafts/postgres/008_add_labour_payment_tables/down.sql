-- Reverts 008 Add Labour Payment Tables: drops the two functions, the three labour payment
-- tables (children first), the users indexes, CHECK and columns. Lost for good: every
-- labour payment, event and lock, and each user's labour-access status and dates.

DROP FUNCTION IF EXISTS check_labour_access_expiry();
DROP FUNCTION IF EXISTS cleanup_expired_labour_payment_locks();

DROP INDEX IF EXISTS idx_users_labour_access_end_date;
DROP INDEX IF EXISTS idx_users_labour_access_status;
DROP INDEX IF EXISTS idx_labour_payment_locks_expires_at;
DROP INDEX IF EXISTS idx_labour_payment_locks_user_id;
DROP INDEX IF EXISTS idx_labour_payment_events_timestamp;
DROP INDEX IF EXISTS idx_labour_payment_events_user_id;
DROP INDEX IF EXISTS idx_labour_payment_events_transaction_id;
DROP INDEX IF EXISTS idx_labour_payment_transactions_created_at;
DROP INDEX IF EXISTS idx_labour_payment_transactions_status;
DROP INDEX IF EXISTS idx_labour_payment_transactions_order_id;
DROP INDEX IF EXISTS idx_labour_payment_transactions_user_id;

DROP TABLE IF EXISTS labour_payment_locks;
DROP TABLE IF EXISTS labour_payment_events;
DROP TABLE IF EXISTS labour_payment_transactions;

ALTER TABLE users DROP CONSTRAINT IF EXISTS users_labour_access_status_check;
ALTER TABLE users
    DROP COLUMN IF EXISTS labour_access_end_date,
    DROP COLUMN IF EXISTS labour_access_start_date,
    DROP COLUMN IF EXISTS labour_access_status;
