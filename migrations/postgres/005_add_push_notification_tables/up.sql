-- Optional feature: push tokens, scheduled reminders, delivery logs/receipts, user preferences and a retry queue.
-- Depends only on 001.

CREATE TABLE IF NOT EXISTS user_push_tokens (
    id             UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        UUID        NOT NULL,
    device_token   TEXT        NOT NULL,
    platform       TEXT        NOT NULL,
    push_provider  TEXT        NOT NULL DEFAULT 'fcm',
    device_id      TEXT,
    device_model   TEXT,
    app_version    VARCHAR(20),
    os_version     VARCHAR(20),
    is_active      BOOLEAN     NOT NULL DEFAULT true,
    failure_count  INTEGER     NOT NULL DEFAULT 0,  -- consecutive send failures; deactivate past a threshold
    last_used_at   TIMESTAMPTZ,
    invalidated_at TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT fk_user_push_tokens_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT chk_user_push_tokens_platform CHECK (platform IN ('ios', 'android', 'web')),
    CONSTRAINT chk_user_push_tokens_push_provider CHECK (push_provider IN ('fcm', 'apns', 'web_push')),
    CONSTRAINT chk_user_push_tokens_failure_count CHECK (failure_count >= 0)
);
CREATE UNIQUE INDEX IF NOT EXISTS uq_user_push_tokens_device_token ON user_push_tokens (device_token);
CREATE INDEX IF NOT EXISTS idx_user_push_tokens_user_id_is_active ON user_push_tokens (user_id, is_active);
CREATE OR REPLACE TRIGGER trg_user_push_tokens_updated_at BEFORE UPDATE ON user_push_tokens
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE IF NOT EXISTS scheduled_notifications (
    id                UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id           UUID         NOT NULL,
    booking_id        UUID,
    notification_type TEXT         NOT NULL,
    title             TEXT         NOT NULL,
    body              TEXT         NOT NULL,
    data              JSONB,
    scheduled_at      TIMESTAMPTZ  NOT NULL,
    status            TEXT         NOT NULL DEFAULT 'pending',
    attempts          INTEGER      NOT NULL DEFAULT 0,
    last_error        TEXT,
    dedupe_key        VARCHAR(128),  -- e.g. reminder:<booking_id>:1h; prevents double scheduling
    sent_at           TIMESTAMPTZ,
    cancelled_at      TIMESTAMPTZ,
    created_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT fk_scheduled_notifications_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_scheduled_notifications_booking_id FOREIGN KEY (booking_id) REFERENCES bookings (id) ON DELETE CASCADE,
    CONSTRAINT chk_scheduled_notifications_notification_type CHECK (notification_type IN ('booking_created', 'booking_accepted', 'booking_started', 'booking_completed', 'booking_cancelled', 'booking_reminder', 'payment_succeeded', 'payment_failed', 'refund_processed', 'rating_received', 'incoming_call', 'missed_call', 'promotion', 'system')),
    CONSTRAINT chk_scheduled_notifications_status CHECK (status IN ('pending', 'processing', 'sent', 'cancelled', 'failed')),
    CONSTRAINT chk_scheduled_notifications_attempts CHECK (attempts >= 0)
);
CREATE INDEX IF NOT EXISTS idx_scheduled_notifications_user_id ON scheduled_notifications (user_id);
CREATE INDEX IF NOT EXISTS idx_scheduled_notifications_booking_id ON scheduled_notifications (booking_id);
CREATE INDEX IF NOT EXISTS idx_scheduled_notifications_status_scheduled_at ON scheduled_notifications (status, scheduled_at);
CREATE UNIQUE INDEX IF NOT EXISTS uq_scheduled_notifications_dedupe_key ON scheduled_notifications (dedupe_key);
CREATE OR REPLACE TRIGGER trg_scheduled_notifications_updated_at BEFORE UPDATE ON scheduled_notifications
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One row per delivery attempt on a channel.
CREATE TABLE IF NOT EXISTS notification_logs (
    id                        UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id                   UUID        NOT NULL,
    notification_id           UUID,
    scheduled_notification_id UUID,
    push_token_id             UUID,
    channel                   TEXT        NOT NULL,
    platform                  TEXT,
    notification_type         TEXT        NOT NULL,
    title                     TEXT,
    body                      TEXT,
    payload                   JSONB,
    status                    TEXT        NOT NULL DEFAULT 'queued',
    provider_message_id       TEXT,  -- FCM/APNs message id
    error_code                TEXT,
    error_message             TEXT,
    sent_at                   TIMESTAMPTZ,
    delivered_at              TIMESTAMPTZ,
    opened_at                 TIMESTAMPTZ,
    created_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT fk_notification_logs_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_notification_logs_notification_id FOREIGN KEY (notification_id) REFERENCES notifications (id) ON DELETE SET NULL,
    CONSTRAINT fk_notification_logs_scheduled_notification_id FOREIGN KEY (scheduled_notification_id) REFERENCES scheduled_notifications (id) ON DELETE SET NULL,
    CONSTRAINT fk_notification_logs_push_token_id FOREIGN KEY (push_token_id) REFERENCES user_push_tokens (id) ON DELETE SET NULL,
    CONSTRAINT chk_notification_logs_channel CHECK (channel IN ('push', 'sms', 'email', 'in_app')),
    CONSTRAINT chk_notification_logs_platform CHECK (platform IN ('ios', 'android', 'web')),
    CONSTRAINT chk_notification_logs_notification_type CHECK (notification_type IN ('booking_created', 'booking_accepted', 'booking_started', 'booking_completed', 'booking_cancelled', 'booking_reminder', 'payment_succeeded', 'payment_failed', 'refund_processed', 'rating_received', 'incoming_call', 'missed_call', 'promotion', 'system')),
    CONSTRAINT chk_notification_logs_status CHECK (status IN ('queued', 'sent', 'delivered', 'failed', 'opened'))
);
CREATE INDEX IF NOT EXISTS idx_notification_logs_user_id_created_at ON notification_logs (user_id, created_at);
CREATE INDEX IF NOT EXISTS idx_notification_logs_notification_id ON notification_logs (notification_id);
CREATE INDEX IF NOT EXISTS idx_notification_logs_scheduled_notification_id ON notification_logs (scheduled_notification_id);
CREATE INDEX IF NOT EXISTS idx_notification_logs_push_token_id ON notification_logs (push_token_id);
CREATE INDEX IF NOT EXISTS idx_notification_logs_status_created_at ON notification_logs (status, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS uq_notification_logs_provider_message_id ON notification_logs (provider_message_id);
CREATE OR REPLACE TRIGGER trg_notification_logs_updated_at BEFORE UPDATE ON notification_logs
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE IF NOT EXISTS user_notification_settings (
    id                       UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id                  UUID        NOT NULL,
    push_enabled             BOOLEAN     NOT NULL DEFAULT true,
    sms_enabled              BOOLEAN     NOT NULL DEFAULT true,
    email_enabled            BOOLEAN     NOT NULL DEFAULT true,
    booking_updates_enabled  BOOLEAN     NOT NULL DEFAULT true,
    payment_updates_enabled  BOOLEAN     NOT NULL DEFAULT true,
    reminders_enabled        BOOLEAN     NOT NULL DEFAULT true,
    promotions_enabled       BOOLEAN     NOT NULL DEFAULT false,  -- marketing is opt-in
    quiet_hours_start_minute SMALLINT,  -- minutes after local midnight
    quiet_hours_end_minute   SMALLINT,
    timezone                 TEXT        NOT NULL DEFAULT 'Asia/Kolkata',
    created_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT fk_user_notification_settings_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT chk_user_notification_settings_quiet_hours_start_minute CHECK (quiet_hours_start_minute BETWEEN 0 AND 1439),
    CONSTRAINT chk_user_notification_settings_quiet_hours_end_minute CHECK (quiet_hours_end_minute BETWEEN 0 AND 1439),
    CONSTRAINT chk_user_notification_settings_quiet_hours CHECK ((quiet_hours_start_minute IS NULL) = (quiet_hours_end_minute IS NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS uq_user_notification_settings_user_id ON user_notification_settings (user_id);
CREATE OR REPLACE TRIGGER trg_user_notification_settings_updated_at BEFORE UPDATE ON user_notification_settings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE IF NOT EXISTS notification_receipts (
    id                  UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    notification_log_id UUID        NOT NULL,
    push_token_id       UUID,
    receipt_id          TEXT,  -- push provider's receipt/ticket id
    status              TEXT        NOT NULL,
    error_code          TEXT,  -- e.g. DeviceNotRegistered -> deactivate the token
    error_message       TEXT,
    raw_response        JSONB,
    received_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT fk_notification_receipts_notification_log_id FOREIGN KEY (notification_log_id) REFERENCES notification_logs (id) ON DELETE CASCADE,
    CONSTRAINT fk_notification_receipts_push_token_id FOREIGN KEY (push_token_id) REFERENCES user_push_tokens (id) ON DELETE SET NULL,
    CONSTRAINT chk_notification_receipts_status CHECK (status IN ('delivered', 'failed', 'opened', 'dismissed'))
);
CREATE INDEX IF NOT EXISTS idx_notification_receipts_notification_log_id ON notification_receipts (notification_log_id);
CREATE INDEX IF NOT EXISTS idx_notification_receipts_push_token_id ON notification_receipts (push_token_id);
CREATE UNIQUE INDEX IF NOT EXISTS uq_notification_receipts_receipt_id ON notification_receipts (receipt_id);
CREATE INDEX IF NOT EXISTS idx_notification_receipts_status_received_at ON notification_receipts (status, received_at);

-- Retry queue for failed deliveries; workers poll (status, next_retry_at).
CREATE TABLE IF NOT EXISTS notification_queue (
    id                  UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id             UUID        NOT NULL,
    notification_log_id UUID,  -- the failed attempt being retried
    push_token_id       UUID,
    channel             TEXT        NOT NULL DEFAULT 'push',
    notification_type   TEXT        NOT NULL,
    payload             JSONB       NOT NULL,  -- full message, so a retry does not depend on the log row
    status              TEXT        NOT NULL DEFAULT 'pending',
    priority            SMALLINT    NOT NULL DEFAULT 0,
    retry_count         INTEGER     NOT NULL DEFAULT 0,
    max_retries         INTEGER     NOT NULL DEFAULT 5,
    next_retry_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_attempt_at     TIMESTAMPTZ,
    last_error          TEXT,
    locked_by           TEXT,  -- worker id while processing
    locked_at           TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT fk_notification_queue_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_notification_queue_notification_log_id FOREIGN KEY (notification_log_id) REFERENCES notification_logs (id) ON DELETE SET NULL,
    CONSTRAINT fk_notification_queue_push_token_id FOREIGN KEY (push_token_id) REFERENCES user_push_tokens (id) ON DELETE CASCADE,
    CONSTRAINT chk_notification_queue_channel CHECK (channel IN ('push', 'sms', 'email')),
    CONSTRAINT chk_notification_queue_notification_type CHECK (notification_type IN ('booking_created', 'booking_accepted', 'booking_started', 'booking_completed', 'booking_cancelled', 'booking_reminder', 'payment_succeeded', 'payment_failed', 'refund_processed', 'rating_received', 'incoming_call', 'missed_call', 'promotion', 'system')),
    CONSTRAINT chk_notification_queue_status CHECK (status IN ('pending', 'processing', 'succeeded', 'failed', 'dead')),
    CONSTRAINT chk_notification_queue_priority CHECK (priority BETWEEN 0 AND 9),
    CONSTRAINT chk_notification_queue_retry_count CHECK (retry_count >= 0),
    CONSTRAINT chk_notification_queue_max_retries CHECK (max_retries >= 0),
    CONSTRAINT chk_notification_queue_retry_count_within_max CHECK (retry_count <= max_retries)
);
CREATE INDEX IF NOT EXISTS idx_notification_queue_status_next_retry_at ON notification_queue (status, next_retry_at);
CREATE INDEX IF NOT EXISTS idx_notification_queue_user_id ON notification_queue (user_id);
CREATE INDEX IF NOT EXISTS idx_notification_queue_notification_log_id ON notification_queue (notification_log_id);
CREATE INDEX IF NOT EXISTS idx_notification_queue_push_token_id ON notification_queue (push_token_id);
CREATE OR REPLACE TRIGGER trg_notification_queue_updated_at BEFORE UPDATE ON notification_queue
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
