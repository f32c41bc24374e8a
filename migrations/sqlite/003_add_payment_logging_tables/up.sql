-- Payment observability: state-change/webhook audit trail, outbound gateway API logs, security events.

-- Append-only audit trail of payment state changes and webhooks.
CREATE TABLE IF NOT EXISTS payment_events (
    id                 TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    transaction_id     TEXT,  -- NULL when a webhook cannot be matched yet
    event_type         TEXT    NOT NULL,
    source             TEXT    NOT NULL,
    gateway_event_id   TEXT,  -- Razorpay webhook event id; dedupes redeliveries
    previous_status    TEXT,
    new_status         TEXT,
    payload            TEXT,
    signature_verified INTEGER NOT NULL DEFAULT 0,
    processed_at       TEXT,
    processing_error   TEXT,
    created_at         TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_payment_events_transaction_id FOREIGN KEY (transaction_id) REFERENCES payment_transactions (id) ON DELETE RESTRICT,
    CONSTRAINT chk_payment_events_event_type CHECK (event_type IN ('order_created', 'payment_authorized', 'payment_captured', 'payment_failed', 'refund_created', 'refund_processed', 'refund_failed', 'status_changed', 'webhook_received', 'reconciled')),
    CONSTRAINT chk_payment_events_source CHECK (source IN ('api', 'webhook', 'system', 'admin')),
    CONSTRAINT chk_payment_events_payload CHECK (payload IS NULL OR json_valid(payload)),
    CONSTRAINT chk_payment_events_signature_verified CHECK (signature_verified IN (0, 1))
);
CREATE INDEX IF NOT EXISTS idx_payment_events_transaction_id_created_at ON payment_events (transaction_id, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS uq_payment_events_gateway_event_id ON payment_events (gateway_event_id);
CREATE INDEX IF NOT EXISTS idx_payment_events_event_type_created_at ON payment_events (event_type, created_at);

-- Outbound gateway calls, for debugging and reconciliation.
CREATE TABLE IF NOT EXISTS payment_api_logs (
    id                   TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    transaction_id       TEXT,
    operation            TEXT    NOT NULL,  -- e.g. orders.create, payments.capture, refunds.create
    http_method          TEXT    NOT NULL,
    endpoint             TEXT    NOT NULL,
    request_body         TEXT,  -- secrets redacted before insert
    response_status_code INTEGER,
    response_body        TEXT,
    duration_ms          INTEGER,
    attempt_number       INTEGER NOT NULL DEFAULT 1,
    is_success           INTEGER NOT NULL DEFAULT 0,
    error_message        TEXT,
    correlation_id       TEXT,
    created_at           TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_payment_api_logs_transaction_id FOREIGN KEY (transaction_id) REFERENCES payment_transactions (id) ON DELETE SET NULL,
    CONSTRAINT chk_payment_api_logs_http_method CHECK (http_method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
    CONSTRAINT chk_payment_api_logs_response_status_code CHECK (response_status_code BETWEEN 100 AND 599),
    CONSTRAINT chk_payment_api_logs_duration_ms CHECK (duration_ms >= 0),
    CONSTRAINT chk_payment_api_logs_attempt_number CHECK (attempt_number >= 1),
    CONSTRAINT chk_payment_api_logs_request_body CHECK (request_body IS NULL OR json_valid(request_body)),
    CONSTRAINT chk_payment_api_logs_response_body CHECK (response_body IS NULL OR json_valid(response_body)),
    CONSTRAINT chk_payment_api_logs_is_success CHECK (is_success IN (0, 1))
);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_transaction_id_created_at ON payment_api_logs (transaction_id, created_at);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_correlation_id ON payment_api_logs (correlation_id);
CREATE INDEX IF NOT EXISTS idx_payment_api_logs_created_at ON payment_api_logs (created_at);

-- Fraud/tamper signals; SET NULL keeps the record if the user or transaction goes.
CREATE TABLE IF NOT EXISTS payment_security_events (
    id               TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id          TEXT,
    transaction_id   TEXT,
    event_type       TEXT    NOT NULL,
    severity         TEXT    NOT NULL DEFAULT 'medium',
    ip_address       TEXT,
    user_agent       TEXT,
    details          TEXT,
    is_resolved      INTEGER NOT NULL DEFAULT 0,
    resolved_at      TEXT,
    resolved_by      TEXT,
    resolution_notes TEXT,
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_payment_security_events_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT fk_payment_security_events_transaction_id FOREIGN KEY (transaction_id) REFERENCES payment_transactions (id) ON DELETE SET NULL,
    CONSTRAINT fk_payment_security_events_resolved_by FOREIGN KEY (resolved_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT chk_payment_security_events_event_type CHECK (event_type IN ('signature_mismatch', 'webhook_signature_invalid', 'amount_mismatch', 'duplicate_payment', 'velocity_limit_exceeded', 'suspicious_ip', 'replay_attempt')),
    CONSTRAINT chk_payment_security_events_severity CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    CONSTRAINT chk_payment_security_events_resolved_at CHECK (is_resolved = 0 OR resolved_at IS NOT NULL),
    CONSTRAINT chk_payment_security_events_details CHECK (details IS NULL OR json_valid(details)),
    CONSTRAINT chk_payment_security_events_is_resolved CHECK (is_resolved IN (0, 1))
);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_user_id ON payment_security_events (user_id);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_transaction_id ON payment_security_events (transaction_id);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_resolved_by ON payment_security_events (resolved_by);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_is_resolved_severity ON payment_security_events (is_resolved, severity);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_ip_address ON payment_security_events (ip_address);
CREATE INDEX IF NOT EXISTS idx_payment_security_events_created_at ON payment_security_events (created_at);
CREATE TRIGGER IF NOT EXISTS trg_payment_security_events_updated_at AFTER UPDATE ON payment_security_events FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE payment_security_events SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;
