-- 016 Add Blocked Identifiers Table: blocked_identifiers lets admins block a phone number
-- or e-mail per role (UNIQUE blocked_identifiers_unique on type, value, role), with the
-- lookup index idx_blocked_identifiers_lookup. Idempotent: created only when missing.

CREATE TABLE IF NOT EXISTS blocked_identifiers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    identifier_type VARCHAR(20) NOT NULL CHECK (identifier_type IN ('phone', 'email')),
    identifier_value VARCHAR(255) NOT NULL,
    role VARCHAR(50) NOT NULL,
    reason TEXT,
    metadata JSONB DEFAULT '{}'::jsonb,
    blocked_by UUID REFERENCES users (id) ON DELETE SET NULL,
    blocked_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    CONSTRAINT blocked_identifiers_unique UNIQUE (identifier_type, identifier_value, role)
);
CREATE INDEX IF NOT EXISTS idx_blocked_identifiers_lookup ON blocked_identifiers (identifier_type, identifier_value, role);
