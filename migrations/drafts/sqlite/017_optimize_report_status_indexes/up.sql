-- 017 Optimize Report Status Indexes (SQLite; needs 007's report tables): expression
-- indexes on lower(status) of user_reports_providers and provider_reports_users, for the
-- admin dashboard's case-insensitive status counts. SQLite mirror of
-- migrations/drafts/postgres/017_optimize_report_status_indexes.
-- Idempotent: created only when missing.

CREATE INDEX IF NOT EXISTS idx_user_reports_providers_status_lower ON user_reports_providers (LOWER(status))
    WHERE status IS NOT NULL AND status != '';
CREATE INDEX IF NOT EXISTS idx_provider_reports_users_status_lower ON provider_reports_users (LOWER(status))
    WHERE status IS NOT NULL AND status != '';
