-- Optional feature: masked WebRTC/PSTN calls between a booking's customer and provider.
-- Depends only on 001; call data is owned by its booking (CASCADE), except recordings (RESTRICT).

-- A masked channel between a booking's customer and provider; neither sees the other's number.
CREATE TABLE IF NOT EXISTS call_sessions (
    id                        TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    booking_id                TEXT    NOT NULL,
    customer_id               TEXT    NOT NULL,
    provider_id               TEXT    NOT NULL,
    channel                   TEXT    NOT NULL DEFAULT 'webrtc',
    room_id                   TEXT,  -- WebRTC signalling room
    masked_number             TEXT,  -- virtual number for PSTN bridging
    status                    TEXT    NOT NULL DEFAULT 'active',
    expires_at                TEXT    NOT NULL,  -- calls allowed only around the booking window
    max_call_duration_seconds INTEGER NOT NULL DEFAULT 1800,
    closed_at                 TEXT,
    created_at                TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at                TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_call_sessions_booking_id FOREIGN KEY (booking_id) REFERENCES bookings (id) ON DELETE CASCADE,
    CONSTRAINT fk_call_sessions_customer_id FOREIGN KEY (customer_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_call_sessions_provider_id FOREIGN KEY (provider_id) REFERENCES provider_profiles (id) ON DELETE CASCADE,
    CONSTRAINT chk_call_sessions_channel CHECK (channel IN ('webrtc', 'pstn')),
    CONSTRAINT chk_call_sessions_channel_target CHECK ((channel = 'webrtc' AND room_id IS NOT NULL) OR (channel = 'pstn' AND masked_number IS NOT NULL)),
    CONSTRAINT chk_call_sessions_status CHECK (status IN ('active', 'closed', 'expired')),
    CONSTRAINT chk_call_sessions_max_call_duration_seconds CHECK (max_call_duration_seconds > 0)
);
CREATE INDEX IF NOT EXISTS idx_call_sessions_booking_id ON call_sessions (booking_id);
CREATE UNIQUE INDEX IF NOT EXISTS uq_call_sessions_booking_id_status ON call_sessions (booking_id, status) WHERE status = 'active';
CREATE UNIQUE INDEX IF NOT EXISTS uq_call_sessions_room_id ON call_sessions (room_id);
CREATE INDEX IF NOT EXISTS idx_call_sessions_masked_number_status ON call_sessions (masked_number, status);
CREATE INDEX IF NOT EXISTS idx_call_sessions_customer_id ON call_sessions (customer_id);
CREATE INDEX IF NOT EXISTS idx_call_sessions_provider_id ON call_sessions (provider_id);
CREATE INDEX IF NOT EXISTS idx_call_sessions_status_expires_at ON call_sessions (status, expires_at);
CREATE TRIGGER IF NOT EXISTS trg_call_sessions_updated_at AFTER UPDATE ON call_sessions FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE call_sessions SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TABLE IF NOT EXISTS call_logs (
    id                 TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    session_id         TEXT    NOT NULL,
    caller_id          TEXT    NOT NULL,
    callee_id          TEXT    NOT NULL,
    caller_role        TEXT    NOT NULL,
    status             TEXT    NOT NULL DEFAULT 'initiated',
    telephony_call_sid TEXT,  -- provider call id for PSTN legs
    caller_platform    TEXT,
    answered_at        TEXT,
    ended_at           TEXT,
    duration_seconds   INTEGER NOT NULL DEFAULT 0,
    end_reason         TEXT,
    quality_rating     INTEGER,  -- optional 1-5 post-call feedback
    created_at         TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at         TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_call_logs_session_id FOREIGN KEY (session_id) REFERENCES call_sessions (id) ON DELETE CASCADE,
    CONSTRAINT fk_call_logs_caller_id FOREIGN KEY (caller_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_call_logs_callee_id FOREIGN KEY (callee_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT chk_call_logs_caller_role CHECK (caller_role IN ('customer', 'provider')),
    CONSTRAINT chk_call_logs_status CHECK (status IN ('initiated', 'ringing', 'in_progress', 'completed', 'missed', 'rejected', 'failed', 'cancelled')),
    CONSTRAINT chk_call_logs_caller_platform CHECK (caller_platform IN ('ios', 'android', 'web')),
    CONSTRAINT chk_call_logs_duration_seconds CHECK (duration_seconds >= 0),
    CONSTRAINT chk_call_logs_end_reason CHECK (end_reason IN ('caller_hangup', 'callee_hangup', 'no_answer', 'rejected', 'network_error', 'max_duration_reached', 'session_expired')),
    CONSTRAINT chk_call_logs_quality_rating CHECK (quality_rating BETWEEN 1 AND 5),
    CONSTRAINT chk_call_logs_distinct_parties CHECK (caller_id <> callee_id)
);
CREATE INDEX IF NOT EXISTS idx_call_logs_session_id_created_at ON call_logs (session_id, created_at);
CREATE INDEX IF NOT EXISTS idx_call_logs_caller_id_created_at ON call_logs (caller_id, created_at);
CREATE INDEX IF NOT EXISTS idx_call_logs_callee_id_created_at ON call_logs (callee_id, created_at);
CREATE INDEX IF NOT EXISTS idx_call_logs_status_created_at ON call_logs (status, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS uq_call_logs_telephony_call_sid ON call_logs (telephony_call_sid);
CREATE TRIGGER IF NOT EXISTS trg_call_logs_updated_at AFTER UPDATE ON call_logs FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE call_logs SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

-- Append-only signalling/lifecycle events per call.
CREATE TABLE IF NOT EXISTS call_events (
    id          TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    call_log_id TEXT NOT NULL,
    user_id     TEXT,  -- NULL for system/media-server events
    event_type  TEXT NOT NULL,
    platform    TEXT,
    ip_address  TEXT,
    payload     TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_call_events_call_log_id FOREIGN KEY (call_log_id) REFERENCES call_logs (id) ON DELETE CASCADE,
    CONSTRAINT fk_call_events_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT chk_call_events_event_type CHECK (event_type IN ('initiated', 'ringing', 'answered', 'rejected', 'ended', 'missed', 'failed', 'ice_failed', 'reconnecting', 'reconnected', 'muted', 'unmuted', 'recording_started', 'recording_stopped')),
    CONSTRAINT chk_call_events_platform CHECK (platform IN ('ios', 'android', 'web')),
    CONSTRAINT chk_call_events_payload CHECK (payload IS NULL OR json_valid(payload))
);
CREATE INDEX IF NOT EXISTS idx_call_events_call_log_id_created_at ON call_events (call_log_id, created_at);
CREATE INDEX IF NOT EXISTS idx_call_events_user_id ON call_events (user_id);

CREATE TABLE IF NOT EXISTS call_recordings (
    id               TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    call_log_id      TEXT    NOT NULL,
    storage_key      TEXT    NOT NULL,  -- object-store key; RESTRICT on call_log_id forces a purge of the file before its call log can go
    audio_format     TEXT    NOT NULL DEFAULT 'webm',
    duration_seconds INTEGER NOT NULL DEFAULT 0,
    file_size_bytes  INTEGER,
    status           TEXT    NOT NULL DEFAULT 'processing',
    consent_obtained INTEGER NOT NULL DEFAULT 0,
    retention_until  TEXT,
    deleted_at       TEXT,
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_call_recordings_call_log_id FOREIGN KEY (call_log_id) REFERENCES call_logs (id) ON DELETE RESTRICT,
    CONSTRAINT chk_call_recordings_audio_format CHECK (audio_format IN ('webm', 'ogg', 'mp3', 'wav', 'm4a')),
    CONSTRAINT chk_call_recordings_duration_seconds CHECK (duration_seconds >= 0),
    CONSTRAINT chk_call_recordings_file_size_bytes CHECK (file_size_bytes >= 0),
    CONSTRAINT chk_call_recordings_status CHECK (status IN ('processing', 'available', 'failed', 'deleted')),
    CONSTRAINT chk_call_recordings_deleted_at CHECK (status <> 'deleted' OR deleted_at IS NOT NULL),
    CONSTRAINT chk_call_recordings_consent_obtained CHECK (consent_obtained IN (0, 1))
);
CREATE INDEX IF NOT EXISTS idx_call_recordings_call_log_id ON call_recordings (call_log_id);
CREATE UNIQUE INDEX IF NOT EXISTS uq_call_recordings_storage_key ON call_recordings (storage_key);
CREATE INDEX IF NOT EXISTS idx_call_recordings_status_retention_until ON call_recordings (status, retention_until);
CREATE TRIGGER IF NOT EXISTS trg_call_recordings_updated_at AFTER UPDATE ON call_recordings FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE call_recordings SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;
