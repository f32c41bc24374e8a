-- 021 Add Location Indexes (SQLite): expression indexes on addresses for case-insensitive
-- location sorting (lower(trim(coalesce(state/city, '')))), one on both, and one on
-- (user_id, type). SQLite mirror of migrations/drafts/postgres/021_add_location_indexes.
-- Idempotent: created only when missing.

CREATE INDEX IF NOT EXISTS idx_addresses_state_lower ON addresses (LOWER(TRIM(COALESCE(state, ''))));
CREATE INDEX IF NOT EXISTS idx_addresses_city_lower ON addresses (LOWER(TRIM(COALESCE(city, ''))));
CREATE INDEX IF NOT EXISTS idx_addresses_city_state_lower ON addresses (LOWER(TRIM(COALESCE(city, ''))), LOWER(TRIM(COALESCE(state, ''))));
CREATE INDEX IF NOT EXISTS idx_addresses_user_type ON addresses (user_id, type);
