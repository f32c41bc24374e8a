-- Reverts 001_create_core_tables: triggers, indexes and tables (children first), then set_updated_at().

DROP INDEX IF EXISTS idx_notifications_booking_id;
DROP INDEX IF EXISTS idx_notifications_user_id_is_read;
DROP INDEX IF EXISTS idx_notifications_user_id_created_at;
DROP TABLE IF EXISTS notifications;

DROP TRIGGER IF EXISTS trg_ratings_updated_at ON ratings;
DROP INDEX IF EXISTS idx_ratings_provider_id_created_at;
DROP INDEX IF EXISTS idx_ratings_customer_id;
DROP INDEX IF EXISTS uq_ratings_booking_id;
DROP TABLE IF EXISTS ratings;

DROP TRIGGER IF EXISTS trg_bookings_updated_at ON bookings;
DROP INDEX IF EXISTS idx_bookings_created_at;
DROP INDEX IF EXISTS idx_bookings_status_scheduled_at;
DROP INDEX IF EXISTS idx_bookings_address_id;
DROP INDEX IF EXISTS idx_bookings_service_id;
DROP INDEX IF EXISTS idx_bookings_provider_id_status;
DROP INDEX IF EXISTS idx_bookings_provider_id_scheduled_at;
DROP INDEX IF EXISTS idx_bookings_customer_id_status;
DROP INDEX IF EXISTS uq_bookings_booking_code;
DROP TABLE IF EXISTS bookings;

DROP TRIGGER IF EXISTS trg_provider_services_updated_at ON provider_services;
DROP INDEX IF EXISTS idx_provider_services_service_id_is_active;
DROP INDEX IF EXISTS uq_provider_services_provider_id_service_id;
DROP TABLE IF EXISTS provider_services;

DROP TRIGGER IF EXISTS trg_provider_profiles_updated_at ON provider_profiles;
DROP INDEX IF EXISTS idx_provider_profiles_verification_status_is_available;
DROP INDEX IF EXISTS uq_provider_profiles_razorpay_account_id;
DROP INDEX IF EXISTS uq_provider_profiles_user_id;
DROP TABLE IF EXISTS provider_profiles;

DROP TRIGGER IF EXISTS trg_services_master_updated_at ON services_master;
DROP INDEX IF EXISTS idx_services_master_category_is_active;
DROP INDEX IF EXISTS uq_services_master_code;
DROP TABLE IF EXISTS services_master;

DROP TRIGGER IF EXISTS trg_addresses_updated_at ON addresses;
DROP INDEX IF EXISTS uq_addresses_user_id_is_default;
DROP INDEX IF EXISTS idx_addresses_user_id;
DROP TABLE IF EXISTS addresses;

DROP TRIGGER IF EXISTS trg_users_updated_at ON users;
DROP INDEX IF EXISTS idx_users_created_at;
DROP INDEX IF EXISTS idx_users_role_status;
DROP INDEX IF EXISTS uq_users_phone;
DROP INDEX IF EXISTS uq_users_email;
DROP TABLE IF EXISTS users;

DROP FUNCTION IF EXISTS set_updated_at();
