-- 028 Comprehensive Database Indexes (SQLite): composite and ordering indexes for the
-- frequent queries on provider_services, bookings, ratings, provider_profiles,
-- services_master, addresses, users and provider_sub_services. SQLite mirror of
-- migrations/drafts/postgres/028_comprehensive_database_indexes: as there, the twelve
-- indexes of the Node.js migration that 001 already creates are not repeated, and its
-- closing ANALYZE is left out (it changes no schema or row).
-- Idempotent: created only when missing.

CREATE INDEX IF NOT EXISTS idx_provider_services_service_payment ON provider_services (service_id, payment_status);
CREATE INDEX IF NOT EXISTS idx_provider_services_provider_service ON provider_services (provider_id, service_id);
CREATE INDEX IF NOT EXISTS idx_provider_services_created_at ON provider_services (created_at DESC);

CREATE INDEX IF NOT EXISTS idx_bookings_created_at ON bookings (created_at DESC);
CREATE INDEX IF NOT EXISTS idx_bookings_user_status ON bookings (user_id, status);
CREATE INDEX IF NOT EXISTS idx_bookings_provider_service_status ON bookings (provider_service_id, status);
CREATE INDEX IF NOT EXISTS idx_bookings_user_created_at ON bookings (user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_bookings_provider_service_created_at ON bookings (provider_service_id, created_at DESC);

CREATE INDEX IF NOT EXISTS idx_ratings_created_at ON ratings (created_at DESC);

CREATE INDEX IF NOT EXISTS idx_provider_profiles_years_experience ON provider_profiles (years_of_experience DESC);
CREATE INDEX IF NOT EXISTS idx_provider_profiles_user_experience ON provider_profiles (user_id, years_of_experience DESC);

CREATE INDEX IF NOT EXISTS idx_services_master_is_paid ON services_master (is_paid);

CREATE INDEX IF NOT EXISTS idx_addresses_user_type_created ON addresses (user_id, type, created_at DESC);

CREATE INDEX IF NOT EXISTS idx_users_is_verified ON users (is_verified);

CREATE INDEX IF NOT EXISTS idx_provider_sub_services_created_at ON provider_sub_services (created_at ASC);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_created ON provider_sub_services (provider_service_id, created_at ASC);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_price ON provider_sub_services (provider_service_id, price ASC);
