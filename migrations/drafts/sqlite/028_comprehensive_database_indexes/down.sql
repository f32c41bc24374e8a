-- Reverts 028 Comprehensive Database Indexes (SQLite): drops the seventeen indexes it
-- creates (not the twelve that belong to 001).

DROP INDEX IF EXISTS idx_provider_sub_services_provider_price;
DROP INDEX IF EXISTS idx_provider_sub_services_provider_created;
DROP INDEX IF EXISTS idx_provider_sub_services_created_at;
DROP INDEX IF EXISTS idx_users_is_verified;
DROP INDEX IF EXISTS idx_addresses_user_type_created;
DROP INDEX IF EXISTS idx_services_master_is_paid;
DROP INDEX IF EXISTS idx_provider_profiles_user_experience;
DROP INDEX IF EXISTS idx_provider_profiles_years_experience;
DROP INDEX IF EXISTS idx_ratings_created_at;
DROP INDEX IF EXISTS idx_bookings_provider_service_created_at;
DROP INDEX IF EXISTS idx_bookings_user_created_at;
DROP INDEX IF EXISTS idx_bookings_provider_service_status;
DROP INDEX IF EXISTS idx_bookings_user_status;
DROP INDEX IF EXISTS idx_bookings_created_at;
DROP INDEX IF EXISTS idx_provider_services_created_at;
DROP INDEX IF EXISTS idx_provider_services_provider_service;
DROP INDEX IF EXISTS idx_provider_services_service_payment;
