-- Reverts 006 Add Payment Locks Table (SQLite): drops its indexes and the table (its
-- constraints go with it). The locks it held are discarded.

DROP INDEX IF EXISTS idx_payment_locks_user_id;
DROP INDEX IF EXISTS idx_payment_locks_expires;
DROP INDEX IF EXISTS idx_payment_locks_key;
DROP TABLE IF EXISTS payment_locks;
