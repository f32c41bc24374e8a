-- 003 Add Payment Logging Tables: payment_events, payment_api_logs,
-- payment_security_events, with their indexes.
-- Reproduces the Node.js runner's production schema exactly (constraint names are
-- PostgreSQL's generated ones): this is history and must not be redesigned.
-- Idempotent: every object is created only when missing.

CREATE TABLE IF NOT EXISTS payment_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    payment_transaction_id UUID REFERENCES payment_transactions (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    event_data JSONB,
    timestamp TIMESTAMP DEFAULT NOW(),
    user_id UUID REFERENCES users (id) ON DELETE CASCADE,
    ip_address INET,
    user_agent TEXT
);
CREATE INDEX IF NOT EXISTS idx_payment_events_transaction_id ON payment_events (payment_transaction_id);
CREATE INDEX IF NOT EXISTS idx_payment_events_event_type ON payment_events (event_type);
CREATE INDEX IF NOT EXISTS idx_payment_events_timestamp ON payment_events (timestamp);
CREATE INDEX IF NOT EXISTS idx_payment_events_user_id ON payment_events (user_id);

CREATE TABLE IF NOT EXISTS payment_api_logs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    payment_transaction_id UUID REFERENCES payment_transactions (id) ON DELETE CASCADE,
    api_endpoint TEXT NOT NULL,
    request_method TEXT NOT NULL,
    request_headers JSONB,
    request_body JSONB,
    response_status INTEGER,
    response_headers JSONB,
    response_body JSONB,
    response_time_ms INTEGER,
    error_message TEXT,
    timestamp TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_transaction_id ON payment_api_logs (payment_transaction_id);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_endpoint ON payment_api_logs (api_endpoint);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_timestamp ON payment_api_logs (timestamp);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_response_status ON payment_api_logs (response_status);

CREATE TABLE IF NOT EXISTS payment_security_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    payment_transaction_id UUID REFERENCES payment_transactions (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    risk_score DECIMAL(3, 2) DEFAULT 0.00,
    risk_factors JSONB,
    action_taken TEXT,
    details JSONB,
    timestamp TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_transaction_id ON payment_security_events (payment_transaction_id);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_event_type ON payment_security_events (event_type);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_risk_score ON payment_security_events (risk_score);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_timestamp ON payment_security_events (timestamp);
