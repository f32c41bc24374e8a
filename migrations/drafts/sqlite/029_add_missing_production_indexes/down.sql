-- Reverts 029 Add Missing Production Indexes (SQLite): drops the fifteen indexes it
-- creates (not those that belong to 002, 003, 007 and 008).

DROP INDEX IF EXISTS idx_users_labour_access_status_end_date;
DROP INDEX IF EXISTS idx_user_reports_providers_reported_provider_id;
DROP INDEX IF EXISTS idx_user_reports_providers_reported_by_user_id;
DROP INDEX IF EXISTS idx_user_reports_providers_created_at;
DROP INDEX IF EXISTS idx_provider_reports_users_provider_status;
DROP INDEX IF EXISTS idx_provider_reports_users_provider_id;
DROP INDEX IF EXISTS idx_provider_reports_users_created_at;
DROP INDEX IF EXISTS idx_labour_payment_transactions_user_order;
DROP INDEX IF EXISTS idx_labour_payment_transactions_user_created;
DROP INDEX IF EXISTS idx_payment_transactions_user_order;
DROP INDEX IF EXISTS idx_payment_transactions_user_created;
DROP INDEX IF EXISTS idx_bookings_provider_status;
DROP INDEX IF EXISTS idx_bookings_provider_status_updated;
DROP INDEX IF EXISTS idx_bookings_updated_at;
DROP INDEX IF EXISTS idx_bookings_provider_id;
