-- 002 Add Payment Transactions Table: payment_transactions with its indexes.
-- SQLite mirror of the Node.js runner's production PostgreSQL schema, reproduced
-- exactly (same columns in the same order, keys, checks, indexes; types mapped as
-- docs/sqlite-types.md describes): this is history and must not be redesigned.
-- Idempotent: every object is created only when missing.

CREATE TABLE IF NOT EXISTS payment_transactions (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    order_id VARCHAR(255) UNIQUE NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    provider_service_id TEXT REFERENCES provider_services (id) ON DELETE CASCADE,
    amount NUMERIC(10, 2) NOT NULL,
    status VARCHAR(50) DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'failed', 'refunded')),
    payment_method VARCHAR(50) DEFAULT 'paytm',
    service_name TEXT,
    transaction_id VARCHAR(255),
    payment_gateway_response TEXT,
    payment_flow_id VARCHAR(255),
    user_agent TEXT,
    ip_address TEXT,
    device_info TEXT,
    error_details TEXT,
    performance_metrics TEXT,
    security_flags TEXT,
    retry_count INTEGER DEFAULT 0,
    retry_reason TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    completed_at TEXT,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_order_id ON payment_transactions (order_id);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_user_id ON payment_transactions (user_id);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_provider_service_id ON payment_transactions (provider_service_id);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_status ON payment_transactions (status);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_transaction_id ON payment_transactions (transaction_id);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_payment_flow_id ON payment_transactions (payment_flow_id);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_ip_address ON payment_transactions (ip_address);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_retry_count ON payment_transactions (retry_count);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_created_at ON payment_transactions (created_at);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_updated_at ON payment_transactions (updated_at);
