-- Reverts 007 Separate Report Tables (SQLite): drops the view, the indexes and both
-- tables. The reports they hold are discarded.

DROP VIEW IF EXISTS provider_reports;

DROP INDEX IF EXISTS idx_user_reports_providers_created;
DROP INDEX IF EXISTS idx_user_reports_providers_status;
DROP INDEX IF EXISTS idx_user_reports_providers_provider;
DROP INDEX IF EXISTS idx_user_reports_providers_reporter;
DROP TABLE IF EXISTS user_reports_providers;

DROP INDEX IF EXISTS idx_provider_reports_users_created;
DROP INDEX IF EXISTS idx_provider_reports_users_status;
DROP INDEX IF EXISTS idx_provider_reports_users_customer;
DROP INDEX IF EXISTS idx_provider_reports_users_provider;
DROP TABLE IF EXISTS provider_reports_users;
