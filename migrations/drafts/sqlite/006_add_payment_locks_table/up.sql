-- 006 Add Payment Locks Table (SQLite): payment_locks (one row per payment attempt in
-- progress, so that a second concurrent attempt for the same key is refused), with its
-- indexes. SQLite mirror of migrations/drafts/postgres/006_add_payment_locks_table, types
-- mapped as docs/sqlite-types.md describes; PostgreSQL's SERIAL id is an INTEGER PRIMARY
-- KEY (SQLite's rowid: a value is assigned when none is given; unlike a sequence, the
-- highest id can be handed out again after its row is deleted).
-- Idempotent: every object is created only when missing.

CREATE TABLE IF NOT EXISTS payment_locks (
    id INTEGER NOT NULL PRIMARY KEY,
    lock_key VARCHAR(255) UNIQUE NOT NULL,
    user_id VARCHAR(255) NOT NULL,
    provider_service_id VARCHAR(255),
    expires_at TEXT NOT NULL,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_payment_locks_key ON payment_locks (lock_key);
CREATE INDEX IF NOT EXISTS idx_payment_locks_expires ON payment_locks (expires_at);
CREATE INDEX IF NOT EXISTS idx_payment_locks_user_id ON payment_locks (user_id);

-- Expired locks are garbage (the Node.js migration clears them too); removing them again
-- on a re-run is what the application does anyway.
DELETE FROM payment_locks WHERE expires_at < CURRENT_TIMESTAMP;
