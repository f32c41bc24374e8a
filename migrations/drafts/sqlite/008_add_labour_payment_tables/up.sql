-- 008 Add Labour Payment Tables (SQLite): labour-access columns on users (status
-- inactive/active/expired, start and end date), labour_payment_transactions,
-- labour_payment_events, labour_payment_locks and their indexes. SQLite mirror of
-- migrations/drafts/postgres/008_add_labour_payment_tables, types mapped as
-- docs/sqlite-types.md describes (DECIMAL is NUMERIC, INET and JSONB are TEXT).
-- Not reproduced (SQLite has no stored functions): cleanup_expired_labour_payment_locks()
-- and check_labour_access_expiry(); the application's own statements do their work.
--
-- users gains its columns through a guarded edit of its definition (SQLite has no ADD
-- COLUMN IF NOT EXISTS, and users cannot be rebuilt: dropping it would fire the ON DELETE
-- actions of every table that references it). Each column is appended to the CREATE TABLE
-- text in sqlite_master exactly as ALTER TABLE ADD COLUMN appends it (existing rows read
-- its default; ALTER TABLE DROP COLUMN undoes it), only when the column is missing
-- (https://www.sqlite.org/lang_altertable.html section 7, the writable_schema procedure).
-- PRAGMA writable_schema = RESET reloads this connection's schema; creating and dropping
-- _bxm_schema_bump changes the schema cookie, so that other connections reload it too.
-- Idempotent: every column and object is created only when missing.

PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = substr(sql, 1, length(sql) - 1) || ', labour_access_status TEXT DEFAULT ''inactive'' CONSTRAINT users_labour_access_status_check CHECK (labour_access_status IN (''inactive'', ''active'', ''expired'')))'
WHERE type = 'table' AND name = 'users'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('users') WHERE name = 'labour_access_status');
UPDATE sqlite_master
SET sql = substr(sql, 1, length(sql) - 1) || ', labour_access_start_date TEXT)'
WHERE type = 'table' AND name = 'users'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('users') WHERE name = 'labour_access_start_date');
UPDATE sqlite_master
SET sql = substr(sql, 1, length(sql) - 1) || ', labour_access_end_date TEXT)'
WHERE type = 'table' AND name = 'users'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('users') WHERE name = 'labour_access_end_date');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

CREATE TABLE IF NOT EXISTS labour_payment_transactions (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    order_id TEXT UNIQUE NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    amount NUMERIC(10, 2) NOT NULL,
    status TEXT CHECK (status IN ('pending', 'completed', 'failed', 'cancelled')) DEFAULT 'pending',
    payment_method TEXT NOT NULL DEFAULT 'paytm',
    service_name TEXT NOT NULL,
    payment_flow_id TEXT,
    user_agent TEXT,
    ip_address TEXT,
    device_info TEXT,
    payment_gateway_response TEXT,
    transaction_id TEXT,
    error_details TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    completed_at TEXT,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS labour_payment_events (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    payment_transaction_id TEXT REFERENCES labour_payment_transactions (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    event_data TEXT,
    user_id TEXT REFERENCES users (id),
    ip_address TEXT,
    user_agent TEXT,
    timestamp TEXT DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS labour_payment_locks (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    lock_key TEXT UNIQUE NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX IF NOT EXISTS idx_labour_payment_transactions_user_id ON labour_payment_transactions (user_id);
CREATE INDEX IF NOT EXISTS idx_labour_payment_transactions_order_id ON labour_payment_transactions (order_id);
CREATE INDEX IF NOT EXISTS idx_labour_payment_transactions_status ON labour_payment_transactions (status);
CREATE INDEX IF NOT EXISTS idx_labour_payment_transactions_created_at ON labour_payment_transactions (created_at);
CREATE INDEX IF NOT EXISTS idx_labour_payment_events_transaction_id ON labour_payment_events (payment_transaction_id);
CREATE INDEX IF NOT EXISTS idx_labour_payment_events_user_id ON labour_payment_events (user_id);
CREATE INDEX IF NOT EXISTS idx_labour_payment_events_timestamp ON labour_payment_events (timestamp);
CREATE INDEX IF NOT EXISTS idx_labour_payment_locks_user_id ON labour_payment_locks (user_id);
CREATE INDEX IF NOT EXISTS idx_labour_payment_locks_expires_at ON labour_payment_locks (expires_at);
CREATE INDEX IF NOT EXISTS idx_users_labour_access_status ON users (labour_access_status);
CREATE INDEX IF NOT EXISTS idx_users_labour_access_end_date ON users (labour_access_end_date);
