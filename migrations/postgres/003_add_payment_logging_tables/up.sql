-- Payment observability: state-change/webhook audit trail, outbound gateway API logs, security events.

-- Append-only audit trail of payment state changes and webhooks.
CREATE TABLE IF NOT EXISTS payment_events (
    id                 UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    transaction_id     UUID,  -- NULL when a webhook cannot be matched yet
    event_type         TEXT        NOT NULL,
    source             TEXT        NOT NULL,
    gateway_event_id   TEXT,  -- Razorpay webhook event id; dedupes redeliveries
    previous_status    TEXT,
    new_status         TEXT,
    payload            JSONB,
    signature_verified BOOLEAN     NOT NULL DEFAULT false,
    processed_at       TIMESTAMPTZ,
    processing_error   TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT fk_payment_events_transaction_id FOREIGN KEY (transaction_id) REFERENCES payment_transactions (id) ON DELETE RESTRICT,
    CONSTRAINT chk_payment_events_event_type CHECK (event_type IN ('order_created', 'payment_authorized', 'payment_captured', 'payment_failed', 'refund_created', 'refund_processed', 'refund_failed', 'status_changed', 'webhook_received', 'reconciled')),
    CONSTRAINT chk_payment_events_source CHECK (source IN ('api', 'webhook', 'system', 'admin'))
);
CREATE INDEX IF NOT EXISTS idx_payment_events_transaction_id_created_at ON payment_events (transaction_id, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS uq_payment_events_gateway_event_id ON payment_events (gateway_event_id);
CREATE INDEX IF NOT EXISTS idx_payment_events_event_type_created_at ON payment_events (event_type, created_at);

-- Outbound gateway calls, for debugging and reconciliation.
CREATE TABLE IF NOT EXISTS payment_api_logs (
    id                   UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    transaction_id       UUID,
    operation            TEXT        NOT NULL,  -- e.g. orders.create, payments.capture, refunds.create
    http_method          VARCHAR(10) NOT NULL,
    endpoint             TEXT        NOT NULL,
    request_body         JSONB,  -- secrets redacted before insert
    response_status_code INTEGER,
    response_body        JSONB,
    duration_ms          INTEGER,
    attempt_number       INTEGER     NOT NULL DEFAULT 1,
    is_success           BOOLEAN     NOT NULL DEFAULT false,
    error_message        TEXT,
    correlation_id       VARCHAR(64),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT fk_payment_api_logs_transaction_id FOREIGN KEY (transaction_id) REFERENCES payment_transactions (id) ON DELETE SET NULL,
    CONSTRAINT chk_payment_api_logs_http_method CHECK (http_method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
    CONSTRAINT chk_payment_api_logs_response_status_code CHECK (response_status_code BETWEEN 100 AND 599),
    CONSTRAINT chk_payment_api_logs_duration_ms CHECK (duration_ms >= 0),
    CONSTRAINT chk_payment_api_logs_attempt_number CHECK (attempt_number >= 1)
);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_transaction_id_created_at ON payment_api_logs (transaction_id, created_at);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_correlation_id ON payment_api_logs (correlation_id);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_created_at ON payment_api_logs (created_at);

-- Fraud/tamper signals; SET NULL keeps the record if the user or transaction goes.
CREATE TABLE IF NOT EXISTS payment_security_events (
    id               UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          UUID,
    transaction_id   UUID,
    event_type       TEXT        NOT NULL,
    severity         TEXT        NOT NULL DEFAULT 'medium',
    ip_address       TEXT,
    user_agent       TEXT,
    details          JSONB,
    is_resolved      BOOLEAN     NOT NULL DEFAULT false,
    resolved_at      TIMESTAMPTZ,
    resolved_by      UUID,
    resolution_notes TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT fk_payment_security_events_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT fk_payment_security_events_transaction_id FOREIGN KEY (transaction_id) REFERENCES payment_transactions (id) ON DELETE SET NULL,
    CONSTRAINT fk_payment_security_events_resolved_by FOREIGN KEY (resolved_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT chk_payment_security_events_event_type CHECK (event_type IN ('signature_mismatch', 'webhook_signature_invalid', 'amount_mismatch', 'duplicate_payment', 'velocity_limit_exceeded', 'suspicious_ip', 'replay_attempt')),
    CONSTRAINT chk_payment_security_events_severity CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    CONSTRAINT chk_payment_security_events_resolved_at CHECK (NOT is_resolved OR resolved_at IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_user_id ON payment_security_events (user_id);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_transaction_id ON payment_security_events (transaction_id);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_resolved_by ON payment_security_events (resolved_by);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_is_resolved_severity ON payment_security_events (is_resolved, severity);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_ip_address ON payment_security_events (ip_address);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_created_at ON payment_security_events (created_at);
CREATE OR REPLACE TRIGGER trg_payment_security_events_updated_at BEFORE UPDATE ON payment_security_events
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
