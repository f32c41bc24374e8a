-- 008 Add Labour Payment Tables: labour-access columns on users (status inactive/active/
-- expired, start and end date), labour_payment_transactions, labour_payment_events,
-- labour_payment_locks, their indexes, and the maintenance functions
-- cleanup_expired_labour_payment_locks() and check_labour_access_expiry().
-- Reproduces the Node.js runner's production schema exactly; function bodies are kept
-- byte for byte as that runner created them, trailing spaces included (do not reformat
-- them: they are compared with pg_get_functiondef); check_labour_access_expiry() sets
-- users.updated_at, a column that does not exist: calling it fails, as in production.
-- Online-safe: the new users columns carry only a constant default (no rewrite) and their
-- CHECK is added NOT VALID, then validated. Idempotent throughout.

ALTER TABLE users
    ADD COLUMN IF NOT EXISTS labour_access_status TEXT DEFAULT 'inactive',
    ADD COLUMN IF NOT EXISTS labour_access_start_date TIMESTAMP,
    ADD COLUMN IF NOT EXISTS labour_access_end_date TIMESTAMP;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'users'::regclass AND conname = 'users_labour_access_status_check') THEN
        ALTER TABLE users ADD CONSTRAINT users_labour_access_status_check
            CHECK (labour_access_status IN ('inactive', 'active', 'expired')) NOT VALID;
    END IF;
END
$$;
ALTER TABLE users VALIDATE CONSTRAINT users_labour_access_status_check;

CREATE TABLE IF NOT EXISTS labour_payment_transactions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id TEXT UNIQUE NOT NULL,
    user_id UUID REFERENCES users (id) ON DELETE CASCADE,
    amount DECIMAL(10, 2) NOT NULL,
    status TEXT CHECK (status IN ('pending', 'completed', 'failed', 'cancelled')) DEFAULT 'pending',
    payment_method TEXT NOT NULL DEFAULT 'paytm',
    service_name TEXT NOT NULL,
    payment_flow_id TEXT,
    user_agent TEXT,
    ip_address INET,
    device_info JSONB,
    payment_gateway_response JSONB,
    transaction_id TEXT,
    error_details JSONB,
    created_at TIMESTAMP DEFAULT NOW(),
    completed_at TIMESTAMP,
    updated_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS labour_payment_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    payment_transaction_id UUID REFERENCES labour_payment_transactions (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    event_data JSONB,
    user_id UUID REFERENCES users (id),
    ip_address INET,
    user_agent TEXT,
    timestamp TIMESTAMP DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS labour_payment_locks (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID REFERENCES users (id) ON DELETE CASCADE,
    lock_key TEXT UNIQUE NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP DEFAULT NOW()
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

CREATE OR REPLACE FUNCTION cleanup_expired_labour_payment_locks()
RETURNS VOID AS $$
      BEGIN
        DELETE FROM labour_payment_locks WHERE expires_at < NOW();
      END;
      $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION check_labour_access_expiry()
RETURNS VOID AS $$
      BEGIN
        UPDATE users 
        SET labour_access_status = 'expired', updated_at = NOW()
        WHERE labour_access_status = 'active' 
          AND labour_access_end_date IS NOT NULL 
          AND labour_access_end_date < NOW();
      END;
      $$ LANGUAGE plpgsql;
