-- Reverts 021 Add Location Indexes (SQLite): drops its four indexes.

DROP INDEX IF EXISTS idx_addresses_user_type;
DROP INDEX IF EXISTS idx_addresses_city_state_lower;
DROP INDEX IF EXISTS idx_addresses_city_lower;
DROP INDEX IF EXISTS idx_addresses_state_lower;
