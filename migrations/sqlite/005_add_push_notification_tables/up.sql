-- 005 Add Push Notification Tables: user_push_tokens, scheduled_notifications,
-- notification_logs, user_notification_settings, notification_receipts,
-- notification_queue, with their indexes.
-- SQLite mirror of the Node.js runner's production PostgreSQL schema, reproduced
-- exactly (same columns in the same order, keys, checks, indexes; types mapped as
-- docs/sqlite-types.md describes): this is history and must not be redesigned.
-- Idempotent: every object is created only when missing.

CREATE TABLE IF NOT EXISTS user_push_tokens (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    push_token TEXT NOT NULL,
    device_info TEXT DEFAULT '{}',
    is_active BOOLEAN DEFAULT 1,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    last_seen TEXT DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (user_id, push_token)
);
CREATE INDEX IF NOT EXISTS idx_user_push_tokens_user_id ON user_push_tokens (user_id);
CREATE INDEX IF NOT EXISTS idx_user_push_tokens_token ON user_push_tokens (push_token);
CREATE INDEX IF NOT EXISTS idx_user_push_tokens_active ON user_push_tokens (is_active);

CREATE TABLE IF NOT EXISTS scheduled_notifications (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    notification_data TEXT NOT NULL,
    scheduled_time TEXT NOT NULL,
    sent BOOLEAN DEFAULT 0,
    sent_at TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_scheduled_notifications_user_id ON scheduled_notifications (user_id);
CREATE INDEX IF NOT EXISTS idx_scheduled_notifications_time ON scheduled_notifications (scheduled_time);
CREATE INDEX IF NOT EXISTS idx_scheduled_notifications_sent ON scheduled_notifications (sent);

CREATE TABLE IF NOT EXISTS notification_logs (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    notification_type TEXT NOT NULL,
    title TEXT,
    body TEXT,
    data TEXT DEFAULT '{}',
    status TEXT DEFAULT 'sent' CHECK (status IN ('sent', 'failed', 'delivered')),
    error_message TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_notification_logs_user_id ON notification_logs (user_id);
CREATE INDEX IF NOT EXISTS idx_notification_logs_type ON notification_logs (notification_type);
CREATE INDEX IF NOT EXISTS idx_notification_logs_created_at ON notification_logs (created_at);

CREATE TABLE IF NOT EXISTS user_notification_settings (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id TEXT UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    settings TEXT NOT NULL DEFAULT '{"reminders": true, "promotional": false, "sound_enabled": true, "booking_updates": true, "vibration_enabled": true}',
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_notification_settings_user_id ON user_notification_settings (user_id);

CREATE TABLE IF NOT EXISTS notification_receipts (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    push_token TEXT NOT NULL,
    receipt_id TEXT,
    status TEXT DEFAULT 'sent' CHECK (status IN ('sent', 'delivered', 'failed')),
    error_code TEXT,
    error_message TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_notification_receipts_token ON notification_receipts (push_token);
CREATE INDEX IF NOT EXISTS idx_notification_receipts_status ON notification_receipts (status);

CREATE TABLE IF NOT EXISTS notification_queue (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    notification_data TEXT NOT NULL,
    attempts INTEGER DEFAULT 0,
    max_attempts INTEGER DEFAULT 3,
    next_attempt_at TEXT DEFAULT CURRENT_TIMESTAMP,
    status TEXT DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'sent', 'failed')),
    error_message TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_notification_queue_user_id ON notification_queue (user_id);
CREATE INDEX IF NOT EXISTS idx_notification_queue_status ON notification_queue (status);
CREATE INDEX IF NOT EXISTS idx_notification_queue_next_attempt ON notification_queue (next_attempt_at);
