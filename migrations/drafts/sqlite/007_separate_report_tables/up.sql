-- 007 Separate Report Tables (SQLite): provider_reports_users (providers reporting
-- customers) and user_reports_providers (customers reporting providers), with their
-- indexes, plus the view provider_reports (SELECT * FROM user_reports_providers) kept for
-- old queries. SQLite mirror of migrations/drafts/postgres/007_separate_report_tables,
-- types mapped as docs/sqlite-types.md describes (DATE, TIME and timestamptz are TEXT).
-- Idempotent: every object is created only when missing (the view too: SQLite has no
-- CREATE OR REPLACE VIEW, and its SELECT * is expanded when the view is read).

CREATE TABLE IF NOT EXISTS provider_reports_users (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    provider_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    customer_name TEXT NOT NULL,
    customer_user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    incident_date TEXT NOT NULL,
    incident_time TEXT,
    incident_type TEXT NOT NULL,
    description TEXT NOT NULL,
    evidence TEXT,
    status TEXT CHECK (status IN ('open', 'resolved', 'closed')) DEFAULT 'open',
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_provider_reports_users_provider ON provider_reports_users (provider_id);
CREATE INDEX IF NOT EXISTS idx_provider_reports_users_customer ON provider_reports_users (customer_user_id);
CREATE INDEX IF NOT EXISTS idx_provider_reports_users_status ON provider_reports_users (status);
CREATE INDEX IF NOT EXISTS idx_provider_reports_users_created ON provider_reports_users (created_at DESC);

CREATE TABLE IF NOT EXISTS user_reports_providers (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    reported_by_user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reported_provider_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    incident_date TEXT NOT NULL,
    incident_time TEXT,
    incident_type TEXT NOT NULL,
    description TEXT NOT NULL,
    evidence TEXT,
    status TEXT CHECK (status IN ('open', 'resolved', 'closed')) DEFAULT 'open',
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_user_reports_providers_reporter ON user_reports_providers (reported_by_user_id);
CREATE INDEX IF NOT EXISTS idx_user_reports_providers_provider ON user_reports_providers (reported_provider_id);
CREATE INDEX IF NOT EXISTS idx_user_reports_providers_status ON user_reports_providers (status);
CREATE INDEX IF NOT EXISTS idx_user_reports_providers_created ON user_reports_providers (created_at DESC);

CREATE VIEW IF NOT EXISTS provider_reports AS
SELECT * FROM user_reports_providers;
