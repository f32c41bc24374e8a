-- 003 Add Payment Logging Tables: payment_events, payment_api_logs,
-- payment_security_events, with their indexes.
-- SQLite mirror of the Node.js runner's production PostgreSQL schema, reproduced
-- exactly (same columns in the same order, keys, checks, indexes; types mapped as
-- docs/sqlite-types.md describes): this is history and must not be redesigned.
-- Idempotent: every object is created only when missing.

CREATE TABLE IF NOT EXISTS payment_events (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    payment_transaction_id TEXT REFERENCES payment_transactions (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    event_data TEXT,
    timestamp TEXT DEFAULT CURRENT_TIMESTAMP,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    ip_address TEXT,
    user_agent TEXT
);
CREATE INDEX IF NOT EXISTS idx_payment_events_transaction_id ON payment_events (payment_transaction_id);
CREATE INDEX IF NOT EXISTS idx_payment_events_event_type ON payment_events (event_type);
CREATE INDEX IF NOT EXISTS idx_payment_events_timestamp ON payment_events (timestamp);
CREATE INDEX IF NOT EXISTS idx_payment_events_user_id ON payment_events (user_id);

CREATE TABLE IF NOT EXISTS payment_api_logs (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    payment_transaction_id TEXT REFERENCES payment_transactions (id) ON DELETE CASCADE,
    api_endpoint TEXT NOT NULL,
    request_method TEXT NOT NULL,
    request_headers TEXT,
    request_body TEXT,
    response_status INTEGER,
    response_headers TEXT,
    response_body TEXT,
    response_time_ms INTEGER,
    error_message TEXT,
    timestamp TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_transaction_id ON payment_api_logs (payment_transaction_id);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_endpoint ON payment_api_logs (api_endpoint);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_timestamp ON payment_api_logs (timestamp);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_response_status ON payment_api_logs (response_status);

CREATE TABLE IF NOT EXISTS payment_security_events (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    payment_transaction_id TEXT REFERENCES payment_transactions (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    risk_score NUMERIC(3, 2) DEFAULT 0.00,
    risk_factors TEXT,
    action_taken TEXT,
    details TEXT,
    timestamp TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_transaction_id ON payment_security_events (payment_transaction_id);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_event_type ON payment_security_events (event_type);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_risk_score ON payment_security_events (risk_score);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_timestamp ON payment_security_events (timestamp);
