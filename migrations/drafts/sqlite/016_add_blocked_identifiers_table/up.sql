-- 016 Add Blocked Identifiers Table (SQLite): blocked_identifiers lets admins block a
-- phone number or e-mail per role (UNIQUE blocked_identifiers_unique on type, value,
-- role), with the lookup index idx_blocked_identifiers_lookup. SQLite mirror of
-- migrations/drafts/postgres/016_add_blocked_identifiers_table (JSONB and timestamptz are
-- TEXT). Idempotent: created only when missing.

CREATE TABLE IF NOT EXISTS blocked_identifiers (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    identifier_type VARCHAR(20) NOT NULL CHECK (identifier_type IN ('phone', 'email')),
    identifier_value VARCHAR(255) NOT NULL,
    role VARCHAR(50) NOT NULL,
    reason TEXT,
    metadata TEXT DEFAULT '{}',
    blocked_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    blocked_at TEXT DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT blocked_identifiers_unique UNIQUE (identifier_type, identifier_value, role)
);
CREATE INDEX IF NOT EXISTS idx_blocked_identifiers_lookup ON blocked_identifiers (identifier_type, identifier_value, role);
