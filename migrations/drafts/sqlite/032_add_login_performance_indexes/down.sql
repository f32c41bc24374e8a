-- Reverts 032 Add Login Performance Indexes (SQLite): drops its three indexes (not 016's
-- idx_blocked_identifiers_lookup).

DROP INDEX IF EXISTS idx_users_phone_role;
DROP INDEX IF EXISTS idx_login_attempts_phone_type_time;
DROP INDEX IF EXISTS idx_login_attempts_ip_type_time;
