-- 010 Add Authentication Security Tables (SQLite): token_blacklist (revoked JWTs),
-- user_sessions (one row per signed-in device), login_attempts and security_events
-- (audit), with their indexes. SQLite mirror of
-- migrations/drafts/postgres/010_add_authentication_security_tables: SERIAL ids are
-- INTEGER PRIMARY KEY (see 006), timestamptz is TEXT, JSONB is TEXT; the explicit fk_*
-- constraint names are kept.
-- Not reproduced (SQLite has neither): the function cleanup_expired_auth_data() and the
-- COMMENT ON TABLE / FUNCTION texts (the comments are kept below as SQL comments).
-- Idempotent: every object is created only when missing.

-- Stores revoked JWT tokens to prevent reuse after logout or security events
CREATE TABLE IF NOT EXISTS token_blacklist (
    id INTEGER NOT NULL PRIMARY KEY,
    token_jti VARCHAR(255) UNIQUE NOT NULL,
    user_id TEXT NOT NULL,
    reason VARCHAR(100) NOT NULL,
    blacklisted_at TEXT DEFAULT CURRENT_TIMESTAMP,
    expires_at TEXT NOT NULL,
    ip_address VARCHAR(45),
    user_agent TEXT,
    CONSTRAINT fk_token_blacklist_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_token_blacklist_jti ON token_blacklist (token_jti);
CREATE INDEX IF NOT EXISTS idx_token_blacklist_user_id ON token_blacklist (user_id);
CREATE INDEX IF NOT EXISTS idx_token_blacklist_expires_at ON token_blacklist (expires_at);

-- Tracks active user sessions across devices for session management
CREATE TABLE IF NOT EXISTS user_sessions (
    id INTEGER NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL,
    token_jti VARCHAR(255) UNIQUE NOT NULL,
    device_name VARCHAR(255),
    device_type VARCHAR(50),
    ip_address VARCHAR(45) NOT NULL,
    user_agent TEXT,
    location_city VARCHAR(100),
    location_country VARCHAR(100),
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    last_activity TEXT DEFAULT CURRENT_TIMESTAMP,
    expires_at TEXT NOT NULL,
    is_active BOOLEAN DEFAULT 1,
    CONSTRAINT fk_user_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_user_sessions_user_id ON user_sessions (user_id);
CREATE INDEX IF NOT EXISTS idx_user_sessions_token_jti ON user_sessions (token_jti);
CREATE INDEX IF NOT EXISTS idx_user_sessions_is_active ON user_sessions (is_active);
CREATE INDEX IF NOT EXISTS idx_user_sessions_expires_at ON user_sessions (expires_at);
CREATE INDEX IF NOT EXISTS idx_user_sessions_last_activity ON user_sessions (last_activity);

-- Records all login attempts for security monitoring and rate limiting
CREATE TABLE IF NOT EXISTS login_attempts (
    id INTEGER NOT NULL PRIMARY KEY,
    phone VARCHAR(20) NOT NULL,
    ip_address VARCHAR(45) NOT NULL,
    attempt_type VARCHAR(20) NOT NULL,
    failure_reason VARCHAR(100),
    user_agent TEXT,
    attempted_at TEXT DEFAULT CURRENT_TIMESTAMP,
    user_id TEXT,
    CONSTRAINT fk_login_attempts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS idx_login_attempts_phone ON login_attempts (phone);
CREATE INDEX IF NOT EXISTS idx_login_attempts_ip_address ON login_attempts (ip_address);
CREATE INDEX IF NOT EXISTS idx_login_attempts_attempted_at ON login_attempts (attempted_at);
CREATE INDEX IF NOT EXISTS idx_login_attempts_user_id ON login_attempts (user_id);

-- Audit log for all security-related events in the system
CREATE TABLE IF NOT EXISTS security_events (
    id INTEGER NOT NULL PRIMARY KEY,
    user_id TEXT,
    event_type VARCHAR(50) NOT NULL,
    event_description TEXT,
    ip_address VARCHAR(45),
    user_agent TEXT,
    severity VARCHAR(20) DEFAULT 'info',
    metadata TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT fk_security_events_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS idx_security_events_user_id ON security_events (user_id);
CREATE INDEX IF NOT EXISTS idx_security_events_event_type ON security_events (event_type);
CREATE INDEX IF NOT EXISTS idx_security_events_severity ON security_events (severity);
CREATE INDEX IF NOT EXISTS idx_security_events_created_at ON security_events (created_at);
