-- Reverts 001 Create Core Tables: drops its indexes and tables, children first.
-- (Constraints and the indexes behind them go with their tables.)

DROP INDEX IF EXISTS idx_notifications_role;
DROP INDEX IF EXISTS idx_notifications_is_read;
DROP INDEX IF EXISTS idx_notifications_user_id;
DROP TABLE IF EXISTS notifications;

DROP INDEX IF EXISTS idx_ratings_booking_id;
DROP TABLE IF EXISTS ratings;

DROP INDEX IF EXISTS idx_bookings_appointment_date;
DROP INDEX IF EXISTS idx_bookings_status;
DROP INDEX IF EXISTS idx_bookings_provider_service_id;
DROP INDEX IF EXISTS idx_bookings_user_id;
DROP TABLE IF EXISTS bookings;

DROP INDEX IF EXISTS idx_provider_services_payment_status;
DROP INDEX IF EXISTS idx_provider_services_service_id;
DROP INDEX IF EXISTS idx_provider_services_provider_id;
DROP TABLE IF EXISTS provider_services;

DROP INDEX IF EXISTS idx_provider_profiles_user_id;
DROP TABLE IF EXISTS provider_profiles;

DROP INDEX IF EXISTS idx_services_master_category;
DROP INDEX IF EXISTS idx_services_master_name;
DROP TABLE IF EXISTS services_master;

DROP INDEX IF EXISTS idx_addresses_type;
DROP INDEX IF EXISTS idx_addresses_user_id;
DROP TABLE IF EXISTS addresses;

DROP INDEX IF EXISTS idx_users_role;
DROP INDEX IF EXISTS idx_users_phone;
DROP INDEX IF EXISTS idx_users_email;
DROP TABLE IF EXISTS users;
