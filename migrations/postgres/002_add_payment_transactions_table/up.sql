-- Payments and refunds per booking (Razorpay). Amounts are BIGINT minor units (paise) to avoid float rounding;
-- money rows use ON DELETE RESTRICT so financial history can never be cascaded away.

-- One row per gateway order (payment) or refund; failed attempts are in payment_events (003).
CREATE TABLE IF NOT EXISTS payment_transactions (
    id                    UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    booking_id            UUID        NOT NULL,
    customer_id           UUID        NOT NULL,
    parent_transaction_id UUID,  -- refunds point at the payment they reverse
    transaction_type      TEXT        NOT NULL DEFAULT 'payment',
    status                TEXT        NOT NULL DEFAULT 'created',
    amount_minor          BIGINT      NOT NULL,
    currency              TEXT        NOT NULL DEFAULT 'INR',
    platform_fee_minor    BIGINT      NOT NULL DEFAULT 0,
    refunded_amount_minor BIGINT      NOT NULL DEFAULT 0,
    gateway               TEXT        NOT NULL DEFAULT 'razorpay',
    payment_method        TEXT,
    gateway_order_id      TEXT,  -- Razorpay order_...
    gateway_payment_id    TEXT,  -- Razorpay pay_..., set once a payment attempt succeeds
    gateway_refund_id     TEXT,  -- Razorpay rfnd_...
    idempotency_key       VARCHAR(64) NOT NULL,  -- client-supplied; blocks double charges on retries
    failure_code          TEXT,
    failure_reason        TEXT,
    client_ip             TEXT,
    metadata              JSONB,
    authorized_at         TIMESTAMPTZ,
    captured_at           TIMESTAMPTZ,
    failed_at             TIMESTAMPTZ,
    refunded_at           TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT fk_payment_transactions_booking_id FOREIGN KEY (booking_id) REFERENCES bookings (id) ON DELETE RESTRICT,
    CONSTRAINT fk_payment_transactions_customer_id FOREIGN KEY (customer_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_payment_transactions_parent_transaction_id FOREIGN KEY (parent_transaction_id) REFERENCES payment_transactions (id) ON DELETE RESTRICT,
    CONSTRAINT chk_payment_transactions_transaction_type CHECK (transaction_type IN ('payment', 'refund')),
    CONSTRAINT chk_payment_transactions_status CHECK (status IN ('created', 'authorized', 'captured', 'failed', 'cancelled', 'partially_refunded', 'refunded', 'pending', 'processed')),
    CONSTRAINT chk_payment_transactions_status_for_type CHECK ((transaction_type = 'payment' AND status IN ('created', 'authorized', 'captured', 'failed', 'cancelled', 'partially_refunded', 'refunded')) OR (transaction_type = 'refund' AND status IN ('pending', 'processed', 'failed'))),
    CONSTRAINT chk_payment_transactions_refund_parent CHECK ((transaction_type = 'refund') = (parent_transaction_id IS NOT NULL)),
    CONSTRAINT chk_payment_transactions_amount_minor CHECK (amount_minor >= 0),
    CONSTRAINT chk_payment_transactions_currency CHECK (length(currency) = 3 AND currency = upper(currency)),
    CONSTRAINT chk_payment_transactions_platform_fee_minor CHECK (platform_fee_minor >= 0 AND platform_fee_minor <= amount_minor),
    CONSTRAINT chk_payment_transactions_refunded_amount_minor CHECK (refunded_amount_minor >= 0 AND refunded_amount_minor <= amount_minor),
    CONSTRAINT chk_payment_transactions_gateway CHECK (gateway IN ('razorpay', 'cash')),
    CONSTRAINT chk_payment_transactions_payment_method CHECK (payment_method IN ('upi', 'card', 'netbanking', 'wallet', 'emi', 'cash')),
    CONSTRAINT chk_payment_transactions_gateway_refund_id CHECK (gateway_refund_id IS NULL OR transaction_type = 'refund')
);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_booking_id ON payment_transactions (booking_id);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_customer_id_created_at ON payment_transactions (customer_id, created_at);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_parent_transaction_id ON payment_transactions (parent_transaction_id);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_status_created_at ON payment_transactions (status, created_at);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_created_at ON payment_transactions (created_at);
CREATE UNIQUE INDEX IF NOT EXISTS uq_payment_transactions_gateway_order_id ON payment_transactions (gateway_order_id);
CREATE UNIQUE INDEX IF NOT EXISTS uq_payment_transactions_gateway_payment_id ON payment_transactions (gateway_payment_id);
CREATE UNIQUE INDEX IF NOT EXISTS uq_payment_transactions_gateway_refund_id ON payment_transactions (gateway_refund_id);
CREATE UNIQUE INDEX IF NOT EXISTS uq_payment_transactions_idempotency_key ON payment_transactions (idempotency_key);
CREATE OR REPLACE TRIGGER trg_payment_transactions_updated_at BEFORE UPDATE ON payment_transactions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
