-- 010 Add Authentication Security Tables: token_blacklist (revoked JWTs), user_sessions
-- (one row per signed-in device), login_attempts and security_events (audit), with their
-- indexes, table comments, and cleanup_expired_auth_data() (body byte for byte as the
-- Node.js runner made it, trailing spaces included: do not reformat it) with its comment.
-- Reproduces the Node.js runner's production schema exactly (SERIAL ids, the explicit
-- fk_* constraint names). Idempotent: every object is created only when missing; the
-- function and the comments are (re)set to the same text.

CREATE TABLE IF NOT EXISTS token_blacklist (
    id SERIAL PRIMARY KEY,
    token_jti VARCHAR(255) UNIQUE NOT NULL,
    user_id UUID NOT NULL,
    reason VARCHAR(100) NOT NULL,
    blacklisted_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    ip_address VARCHAR(45),
    user_agent TEXT,
    CONSTRAINT fk_token_blacklist_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_token_blacklist_jti ON token_blacklist (token_jti);
CREATE INDEX IF NOT EXISTS idx_token_blacklist_user_id ON token_blacklist (user_id);
CREATE INDEX IF NOT EXISTS idx_token_blacklist_expires_at ON token_blacklist (expires_at);

CREATE TABLE IF NOT EXISTS user_sessions (
    id SERIAL PRIMARY KEY,
    user_id UUID NOT NULL,
    token_jti VARCHAR(255) UNIQUE NOT NULL,
    device_name VARCHAR(255),
    device_type VARCHAR(50),
    ip_address VARCHAR(45) NOT NULL,
    user_agent TEXT,
    location_city VARCHAR(100),
    location_country VARCHAR(100),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    last_activity TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    is_active BOOLEAN DEFAULT TRUE,
    CONSTRAINT fk_user_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_user_sessions_user_id ON user_sessions (user_id);
CREATE INDEX IF NOT EXISTS idx_user_sessions_token_jti ON user_sessions (token_jti);
CREATE INDEX IF NOT EXISTS idx_user_sessions_is_active ON user_sessions (is_active);
CREATE INDEX IF NOT EXISTS idx_user_sessions_expires_at ON user_sessions (expires_at);
CREATE INDEX IF NOT EXISTS idx_user_sessions_last_activity ON user_sessions (last_activity);

CREATE TABLE IF NOT EXISTS login_attempts (
    id SERIAL PRIMARY KEY,
    phone VARCHAR(20) NOT NULL,
    ip_address VARCHAR(45) NOT NULL,
    attempt_type VARCHAR(20) NOT NULL,
    failure_reason VARCHAR(100),
    user_agent TEXT,
    attempted_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    user_id UUID,
    CONSTRAINT fk_login_attempts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS idx_login_attempts_phone ON login_attempts (phone);
CREATE INDEX IF NOT EXISTS idx_login_attempts_ip_address ON login_attempts (ip_address);
CREATE INDEX IF NOT EXISTS idx_login_attempts_attempted_at ON login_attempts (attempted_at);
CREATE INDEX IF NOT EXISTS idx_login_attempts_user_id ON login_attempts (user_id);

CREATE TABLE IF NOT EXISTS security_events (
    id SERIAL PRIMARY KEY,
    user_id UUID,
    event_type VARCHAR(50) NOT NULL,
    event_description TEXT,
    ip_address VARCHAR(45),
    user_agent TEXT,
    severity VARCHAR(20) DEFAULT 'info',
    metadata JSONB,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT fk_security_events_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS idx_security_events_user_id ON security_events (user_id);
CREATE INDEX IF NOT EXISTS idx_security_events_event_type ON security_events (event_type);
CREATE INDEX IF NOT EXISTS idx_security_events_severity ON security_events (severity);
CREATE INDEX IF NOT EXISTS idx_security_events_created_at ON security_events (created_at);

CREATE OR REPLACE FUNCTION cleanup_expired_auth_data()
RETURNS VOID AS $$
      BEGIN
        -- Remove expired blacklisted tokens (older than their expiry)
        DELETE FROM token_blacklist WHERE expires_at < CURRENT_TIMESTAMP;
        
        -- Remove inactive sessions (expired or inactive for 30+ days)
        DELETE FROM user_sessions 
        WHERE expires_at < CURRENT_TIMESTAMP 
           OR (is_active = FALSE AND last_activity < CURRENT_TIMESTAMP - INTERVAL '30 days');
        
        -- Remove old login attempts (keep last 90 days only)
        DELETE FROM login_attempts WHERE attempted_at < CURRENT_TIMESTAMP - INTERVAL '90 days';
        
        -- Remove old security events (keep last 1 year only)
        DELETE FROM security_events WHERE created_at < CURRENT_TIMESTAMP - INTERVAL '1 year';
        
        RAISE NOTICE 'Auth data cleanup completed at %', CURRENT_TIMESTAMP;
      END;
      $$ LANGUAGE plpgsql;

COMMENT ON TABLE token_blacklist IS 'Stores revoked JWT tokens to prevent reuse after logout or security events';
COMMENT ON TABLE user_sessions IS 'Tracks active user sessions across devices for session management';
COMMENT ON TABLE login_attempts IS 'Records all login attempts for security monitoring and rate limiting';
COMMENT ON TABLE security_events IS 'Audit log for all security-related events in the system';
COMMENT ON FUNCTION cleanup_expired_auth_data() IS 'Removes expired tokens, sessions, and old security data';
