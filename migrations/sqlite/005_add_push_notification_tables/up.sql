-- Optional feature: push tokens, scheduled reminders, delivery logs/receipts, user preferences and a retry queue.
-- Depends only on 001.

CREATE TABLE IF NOT EXISTS user_push_tokens (
    id             TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id        TEXT    NOT NULL,
    device_token   TEXT    NOT NULL,
    platform       TEXT    NOT NULL,
    push_provider  TEXT    NOT NULL DEFAULT 'fcm',
    device_id      TEXT,
    device_model   TEXT,
    app_version    TEXT,
    os_version     TEXT,
    is_active      INTEGER NOT NULL DEFAULT 1,
    failure_count  INTEGER NOT NULL DEFAULT 0,  -- consecutive send failures; deactivate past a threshold
    last_used_at   TEXT,
    invalidated_at TEXT,
    created_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_user_push_tokens_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT chk_user_push_tokens_platform CHECK (platform IN ('ios', 'android', 'web')),
    CONSTRAINT chk_user_push_tokens_push_provider CHECK (push_provider IN ('fcm', 'apns', 'web_push')),
    CONSTRAINT chk_user_push_tokens_failure_count CHECK (failure_count >= 0),
    CONSTRAINT chk_user_push_tokens_is_active CHECK (is_active IN (0, 1))
);
CREATE UNIQUE INDEX IF NOT EXISTS uq_user_push_tokens_device_token ON user_push_tokens (device_token);
CREATE INDEX IF NOT EXISTS idx_user_push_tokens_user_id_is_active ON user_push_tokens (user_id, is_active);
CREATE TRIGGER IF NOT EXISTS trg_user_push_tokens_updated_at AFTER UPDATE ON user_push_tokens FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE user_push_tokens SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TABLE IF NOT EXISTS scheduled_notifications (
    id                TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id           TEXT    NOT NULL,
    booking_id        TEXT,
    notification_type TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    body              TEXT    NOT NULL,
    data              TEXT,
    scheduled_at      TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'pending',
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT,
    dedupe_key        TEXT,  -- e.g. reminder:<booking_id>:1h; prevents double scheduling
    sent_at           TEXT,
    cancelled_at      TEXT,
    created_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_scheduled_notifications_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_scheduled_notifications_booking_id FOREIGN KEY (booking_id) REFERENCES bookings (id) ON DELETE CASCADE,
    CONSTRAINT chk_scheduled_notifications_notification_type CHECK (notification_type IN ('booking_created', 'booking_accepted', 'booking_started', 'booking_completed', 'booking_cancelled', 'booking_reminder', 'payment_succeeded', 'payment_failed', 'refund_processed', 'rating_received', 'incoming_call', 'missed_call', 'promotion', 'system')),
    CONSTRAINT chk_scheduled_notifications_status CHECK (status IN ('pending', 'processing', 'sent', 'cancelled', 'failed')),
    CONSTRAINT chk_scheduled_notifications_attempts CHECK (attempts >= 0),
    CONSTRAINT chk_scheduled_notifications_data CHECK (data IS NULL OR json_valid(data))
);
CREATE INDEX IF NOT EXISTS idx_scheduled_notifications_user_id ON scheduled_notifications (user_id);
CREATE INDEX IF NOT EXISTS idx_scheduled_notifications_booking_id ON scheduled_notifications (booking_id);
CREATE INDEX IF NOT EXISTS idx_scheduled_notifications_status_scheduled_at ON scheduled_notifications (status, scheduled_at);
CREATE UNIQUE INDEX IF NOT EXISTS uq_scheduled_notifications_dedupe_key ON scheduled_notifications (dedupe_key);
CREATE TRIGGER IF NOT EXISTS trg_scheduled_notifications_updated_at AFTER UPDATE ON scheduled_notifications FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE scheduled_notifications SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

-- One row per delivery attempt on a channel.
CREATE TABLE IF NOT EXISTS notification_logs (
    id                        TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id                   TEXT NOT NULL,
    notification_id           TEXT,
    scheduled_notification_id TEXT,
    push_token_id             TEXT,
    channel                   TEXT NOT NULL,
    platform                  TEXT,
    notification_type         TEXT NOT NULL,
    title                     TEXT,
    body                      TEXT,
    payload                   TEXT,
    status                    TEXT NOT NULL DEFAULT 'queued',
    provider_message_id       TEXT,  -- FCM/APNs message id
    error_code                TEXT,
    error_message             TEXT,
    sent_at                   TEXT,
    delivered_at              TEXT,
    opened_at                 TEXT,
    created_at                TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at                TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_notification_logs_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_notification_logs_notification_id FOREIGN KEY (notification_id) REFERENCES notifications (id) ON DELETE SET NULL,
    CONSTRAINT fk_notification_logs_scheduled_notification_id FOREIGN KEY (scheduled_notification_id) REFERENCES scheduled_notifications (id) ON DELETE SET NULL,
    CONSTRAINT fk_notification_logs_push_token_id FOREIGN KEY (push_token_id) REFERENCES user_push_tokens (id) ON DELETE SET NULL,
    CONSTRAINT chk_notification_logs_channel CHECK (channel IN ('push', 'sms', 'email', 'in_app')),
    CONSTRAINT chk_notification_logs_platform CHECK (platform IN ('ios', 'android', 'web')),
    CONSTRAINT chk_notification_logs_notification_type CHECK (notification_type IN ('booking_created', 'booking_accepted', 'booking_started', 'booking_completed', 'booking_cancelled', 'booking_reminder', 'payment_succeeded', 'payment_failed', 'refund_processed', 'rating_received', 'incoming_call', 'missed_call', 'promotion', 'system')),
    CONSTRAINT chk_notification_logs_status CHECK (status IN ('queued', 'sent', 'delivered', 'failed', 'opened')),
    CONSTRAINT chk_notification_logs_payload CHECK (payload IS NULL OR json_valid(payload))
);
CREATE INDEX IF NOT EXISTS idx_notification_logs_user_id_created_at ON notification_logs (user_id, created_at);
CREATE INDEX IF NOT EXISTS idx_notification_logs_notification_id ON notification_logs (notification_id);
CREATE INDEX IF NOT EXISTS idx_notification_logs_scheduled_notification_id ON notification_logs (scheduled_notification_id);
CREATE INDEX IF NOT EXISTS idx_notification_logs_push_token_id ON notification_logs (push_token_id);
CREATE INDEX IF NOT EXISTS idx_notification_logs_status_created_at ON notification_logs (status, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS uq_notification_logs_provider_message_id ON notification_logs (provider_message_id);
CREATE TRIGGER IF NOT EXISTS trg_notification_logs_updated_at AFTER UPDATE ON notification_logs FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE notification_logs SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TABLE IF NOT EXISTS user_notification_settings (
    id                       TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id                  TEXT    NOT NULL,
    push_enabled             INTEGER NOT NULL DEFAULT 1,
    sms_enabled              INTEGER NOT NULL DEFAULT 1,
    email_enabled            INTEGER NOT NULL DEFAULT 1,
    booking_updates_enabled  INTEGER NOT NULL DEFAULT 1,
    payment_updates_enabled  INTEGER NOT NULL DEFAULT 1,
    reminders_enabled        INTEGER NOT NULL DEFAULT 1,
    promotions_enabled       INTEGER NOT NULL DEFAULT 0,  -- marketing is opt-in
    quiet_hours_start_minute INTEGER,  -- minutes after local midnight
    quiet_hours_end_minute   INTEGER,
    timezone                 TEXT    NOT NULL DEFAULT 'Asia/Kolkata',
    created_at               TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at               TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_user_notification_settings_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT chk_user_notification_settings_quiet_hours_start_minute CHECK (quiet_hours_start_minute BETWEEN 0 AND 1439),
    CONSTRAINT chk_user_notification_settings_quiet_hours_end_minute CHECK (quiet_hours_end_minute BETWEEN 0 AND 1439),
    CONSTRAINT chk_user_notification_settings_quiet_hours CHECK ((quiet_hours_start_minute IS NULL) = (quiet_hours_end_minute IS NULL)),
    CONSTRAINT chk_user_notification_settings_push_enabled CHECK (push_enabled IN (0, 1)),
    CONSTRAINT chk_user_notification_settings_sms_enabled CHECK (sms_enabled IN (0, 1)),
    CONSTRAINT chk_user_notification_settings_email_enabled CHECK (email_enabled IN (0, 1)),
    CONSTRAINT chk_user_notification_settings_booking_updates_enabled CHECK (booking_updates_enabled IN (0, 1)),
    CONSTRAINT chk_user_notification_settings_payment_updates_enabled CHECK (payment_updates_enabled IN (0, 1)),
    CONSTRAINT chk_user_notification_settings_reminders_enabled CHECK (reminders_enabled IN (0, 1)),
    CONSTRAINT chk_user_notification_settings_promotions_enabled CHECK (promotions_enabled IN (0, 1))
);
CREATE UNIQUE INDEX IF NOT EXISTS uq_user_notification_settings_user_id ON user_notification_settings (user_id);
CREATE TRIGGER IF NOT EXISTS trg_user_notification_settings_updated_at AFTER UPDATE ON user_notification_settings FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE user_notification_settings SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TABLE IF NOT EXISTS notification_receipts (
    id                  TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    notification_log_id TEXT NOT NULL,
    push_token_id       TEXT,
    receipt_id          TEXT,  -- push provider's receipt/ticket id
    status              TEXT NOT NULL,
    error_code          TEXT,  -- e.g. DeviceNotRegistered -> deactivate the token
    error_message       TEXT,
    raw_response        TEXT,
    received_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_notification_receipts_notification_log_id FOREIGN KEY (notification_log_id) REFERENCES notification_logs (id) ON DELETE CASCADE,
    CONSTRAINT fk_notification_receipts_push_token_id FOREIGN KEY (push_token_id) REFERENCES user_push_tokens (id) ON DELETE SET NULL,
    CONSTRAINT chk_notification_receipts_status CHECK (status IN ('delivered', 'failed', 'opened', 'dismissed')),
    CONSTRAINT chk_notification_receipts_raw_response CHECK (raw_response IS NULL OR json_valid(raw_response))
);
CREATE INDEX IF NOT EXISTS idx_notification_receipts_notification_log_id ON notification_receipts (notification_log_id);
CREATE INDEX IF NOT EXISTS idx_notification_receipts_push_token_id ON notification_receipts (push_token_id);
CREATE UNIQUE INDEX IF NOT EXISTS uq_notification_receipts_receipt_id ON notification_receipts (receipt_id);
CREATE INDEX IF NOT EXISTS idx_notification_receipts_status_received_at ON notification_receipts (status, received_at);

-- Retry queue for failed deliveries; workers poll (status, next_retry_at).
CREATE TABLE IF NOT EXISTS notification_queue (
    id                  TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id             TEXT    NOT NULL,
    notification_log_id TEXT,  -- the failed attempt being retried
    push_token_id       TEXT,
    channel             TEXT    NOT NULL DEFAULT 'push',
    notification_type   TEXT    NOT NULL,
    payload             TEXT    NOT NULL,  -- full message, so a retry does not depend on the log row
    status              TEXT    NOT NULL DEFAULT 'pending',
    priority            INTEGER NOT NULL DEFAULT 0,
    retry_count         INTEGER NOT NULL DEFAULT 0,
    max_retries         INTEGER NOT NULL DEFAULT 5,
    next_retry_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    last_attempt_at     TEXT,
    last_error          TEXT,
    locked_by           TEXT,  -- worker id while processing
    locked_at           TEXT,
    created_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_notification_queue_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_notification_queue_notification_log_id FOREIGN KEY (notification_log_id) REFERENCES notification_logs (id) ON DELETE SET NULL,
    CONSTRAINT fk_notification_queue_push_token_id FOREIGN KEY (push_token_id) REFERENCES user_push_tokens (id) ON DELETE CASCADE,
    CONSTRAINT chk_notification_queue_channel CHECK (channel IN ('push', 'sms', 'email')),
    CONSTRAINT chk_notification_queue_notification_type CHECK (notification_type IN ('booking_created', 'booking_accepted', 'booking_started', 'booking_completed', 'booking_cancelled', 'booking_reminder', 'payment_succeeded', 'payment_failed', 'refund_processed', 'rating_received', 'incoming_call', 'missed_call', 'promotion', 'system')),
    CONSTRAINT chk_notification_queue_status CHECK (status IN ('pending', 'processing', 'succeeded', 'failed', 'dead')),
    CONSTRAINT chk_notification_queue_priority CHECK (priority BETWEEN 0 AND 9),
    CONSTRAINT chk_notification_queue_retry_count CHECK (retry_count >= 0),
    CONSTRAINT chk_notification_queue_max_retries CHECK (max_retries >= 0),
    CONSTRAINT chk_notification_queue_retry_count_within_max CHECK (retry_count <= max_retries),
    CONSTRAINT chk_notification_queue_payload CHECK (json_valid(payload))
);
CREATE INDEX IF NOT EXISTS idx_notification_queue_status_next_retry_at ON notification_queue (status, next_retry_at);
CREATE INDEX IF NOT EXISTS idx_notification_queue_user_id ON notification_queue (user_id);
CREATE INDEX IF NOT EXISTS idx_notification_queue_notification_log_id ON notification_queue (notification_log_id);
CREATE INDEX IF NOT EXISTS idx_notification_queue_push_token_id ON notification_queue (push_token_id);
CREATE TRIGGER IF NOT EXISTS trg_notification_queue_updated_at AFTER UPDATE ON notification_queue FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE notification_queue SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;
