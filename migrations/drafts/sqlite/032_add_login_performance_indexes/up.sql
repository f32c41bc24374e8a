-- 032 Add Login Performance Indexes (SQLite; needs 010's login_attempts): partial indexes
-- over failed login attempts per IP and per phone (newest first), and users (phone, role).
-- SQLite mirror of migrations/drafts/postgres/032_add_login_performance_indexes (016's
-- idx_blocked_identifiers_lookup is not repeated). Idempotent: created only when missing.

CREATE INDEX IF NOT EXISTS idx_login_attempts_ip_type_time ON login_attempts (ip_address, attempt_type, attempted_at DESC)
    WHERE attempt_type = 'failed';
CREATE INDEX IF NOT EXISTS idx_login_attempts_phone_type_time ON login_attempts (phone, attempt_type, attempted_at DESC)
    WHERE attempt_type = 'failed';
CREATE INDEX IF NOT EXISTS idx_users_phone_role ON users (phone, role);
