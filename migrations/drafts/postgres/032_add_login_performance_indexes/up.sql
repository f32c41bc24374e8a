-- 032 Add Login Performance Indexes (needs 010's login_attempts): partial indexes over
-- failed login attempts per IP and per phone (newest first), and users (phone, role).
-- The Node.js migration also names idx_blocked_identifiers_lookup, which 016 already
-- creates: never a change, so not repeated here. Idempotent: created only when missing.

CREATE INDEX IF NOT EXISTS idx_login_attempts_ip_type_time ON login_attempts (ip_address, attempt_type, attempted_at DESC)
    WHERE attempt_type = 'failed';
CREATE INDEX IF NOT EXISTS idx_login_attempts_phone_type_time ON login_attempts (phone, attempt_type, attempted_at DESC)
    WHERE attempt_type = 'failed';
CREATE INDEX IF NOT EXISTS idx_users_phone_role ON users (phone, role);
