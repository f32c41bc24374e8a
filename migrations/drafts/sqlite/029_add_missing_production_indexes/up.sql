-- 029 Add Missing Production Indexes (SQLite; needs 007's report tables and 008's labour
-- payment tables and users.labour_access_* columns): indexes found missing in production on
-- bookings (provider_id, updated_at, earnings composites), payment_transactions and
-- labour_payment_transactions (per-user history and order lookups), the two report tables,
-- and users (labour_access_status, labour_access_end_date). SQLite mirror of
-- migrations/drafts/postgres/029_add_missing_production_indexes: as there, the fourteen
-- indexes of the Node.js migration that 002, 003, 007 and 008 already create are not
-- repeated, and its closing ANALYZE is left out. Idempotent: created only when missing.

CREATE INDEX IF NOT EXISTS idx_bookings_provider_id ON bookings (provider_id);
CREATE INDEX IF NOT EXISTS idx_bookings_updated_at ON bookings (updated_at DESC);
CREATE INDEX IF NOT EXISTS idx_bookings_provider_status_updated ON bookings (provider_id, status, updated_at DESC);
CREATE INDEX IF NOT EXISTS idx_bookings_provider_status ON bookings (provider_id, status);

CREATE INDEX IF NOT EXISTS idx_payment_transactions_user_created ON payment_transactions (user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_payment_transactions_user_order ON payment_transactions (user_id, order_id);

CREATE INDEX IF NOT EXISTS idx_labour_payment_transactions_user_created ON labour_payment_transactions (user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_labour_payment_transactions_user_order ON labour_payment_transactions (user_id, order_id);

CREATE INDEX IF NOT EXISTS idx_provider_reports_users_created_at ON provider_reports_users (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_provider_reports_users_provider_id ON provider_reports_users (provider_id);
CREATE INDEX IF NOT EXISTS idx_provider_reports_users_provider_status ON provider_reports_users (provider_id, status);

CREATE INDEX IF NOT EXISTS idx_user_reports_providers_created_at ON user_reports_providers (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_user_reports_providers_reported_by_user_id ON user_reports_providers (reported_by_user_id);
CREATE INDEX IF NOT EXISTS idx_user_reports_providers_reported_provider_id ON user_reports_providers (reported_provider_id);

CREATE INDEX IF NOT EXISTS idx_users_labour_access_status_end_date ON users (labour_access_status, labour_access_end_date);
