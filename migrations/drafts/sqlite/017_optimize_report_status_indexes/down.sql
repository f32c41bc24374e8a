-- Reverts 017 Optimize Report Status Indexes (SQLite): drops both indexes.

DROP INDEX IF EXISTS idx_provider_reports_users_status_lower;
DROP INDEX IF EXISTS idx_user_reports_providers_status_lower;
