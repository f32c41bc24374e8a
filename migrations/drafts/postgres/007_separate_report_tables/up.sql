-- 007 Separate Report Tables: provider_reports_users (providers reporting customers) and
-- user_reports_providers (customers reporting providers), with their indexes, plus the view
-- provider_reports (SELECT * FROM user_reports_providers) kept for old queries.
-- Reproduces the Node.js runner's production schema exactly (generated constraint names).
-- Idempotent: every object is created only when missing; the view is CREATE OR REPLACE.
-- (The Node.js migration would also rename a legacy *table* named provider_reports; no
-- database created by its runner has one: 001-005 never create it.)

CREATE TABLE IF NOT EXISTS provider_reports_users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    customer_name TEXT NOT NULL,
    customer_user_id UUID REFERENCES users (id) ON DELETE SET NULL,
    incident_date DATE NOT NULL,
    incident_time TIME,
    incident_type TEXT NOT NULL,
    description TEXT NOT NULL,
    evidence JSONB,
    status TEXT CHECK (status IN ('open', 'resolved', 'closed')) DEFAULT 'open',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_provider_reports_users_provider ON provider_reports_users (provider_id);
CREATE INDEX IF NOT EXISTS idx_provider_reports_users_customer ON provider_reports_users (customer_user_id);
CREATE INDEX IF NOT EXISTS idx_provider_reports_users_status ON provider_reports_users (status);
CREATE INDEX IF NOT EXISTS idx_provider_reports_users_created ON provider_reports_users (created_at DESC);

CREATE TABLE IF NOT EXISTS user_reports_providers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    reported_by_user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reported_provider_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    incident_date DATE NOT NULL,
    incident_time TIME,
    incident_type TEXT NOT NULL,
    description TEXT NOT NULL,
    evidence JSONB,
    status TEXT CHECK (status IN ('open', 'resolved', 'closed')) DEFAULT 'open',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_user_reports_providers_reporter ON user_reports_providers (reported_by_user_id);
CREATE INDEX IF NOT EXISTS idx_user_reports_providers_provider ON user_reports_providers (reported_provider_id);
CREATE INDEX IF NOT EXISTS idx_user_reports_providers_status ON user_reports_providers (status);
CREATE INDEX IF NOT EXISTS idx_user_reports_providers_created ON user_reports_providers (created_at DESC);

CREATE OR REPLACE VIEW provider_reports AS
SELECT * FROM user_reports_providers;
