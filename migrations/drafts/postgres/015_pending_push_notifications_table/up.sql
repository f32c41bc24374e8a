-- 015 Pending Push Notifications Table: pending_push_notifications keeps push
-- notifications for users who have no active push token yet, with an index on
-- (user_id, created_at). Idempotent: created only when missing.

CREATE TABLE IF NOT EXISTS pending_push_notifications (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    notification_payload JSONB NOT NULL,
    metadata JSONB DEFAULT '{}'::jsonb,
    created_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_pending_push_notifications_user_id ON pending_push_notifications (user_id, created_at);
