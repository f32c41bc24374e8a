-- Reverts 008 Add Labour Payment Tables (SQLite): drops the three labour payment tables
-- (children first), the users indexes and the three users columns (their CHECK goes with
-- labour_access_status). Lost for good: every labour payment, event and lock, and each
-- user's labour-access status and dates.
-- The columns are removed by ALTER TABLE DROP COLUMN, which rewrites users in place (no
-- DROP TABLE: the tables that reference users keep their rows). A column already gone (a
-- second run) first gets a placeholder appended as in the up migration, so that every DROP
-- COLUMN has something to drop; the table text ends as it was.

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

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', labour_access_end_date TEXT)'
WHERE type = 'table' AND name = 'users'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('users') WHERE name = 'labour_access_end_date');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', labour_access_start_date TEXT)'
WHERE type = 'table' AND name = 'users'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('users') WHERE name = 'labour_access_start_date');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', labour_access_status TEXT)'
WHERE type = 'table' AND name = 'users'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('users') WHERE name = 'labour_access_status');
PRAGMA writable_schema = RESET;
ALTER TABLE users DROP COLUMN labour_access_end_date;
ALTER TABLE users DROP COLUMN labour_access_start_date;
ALTER TABLE users DROP COLUMN labour_access_status;
