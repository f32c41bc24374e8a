-- Reverts 009 Add Missing Provider Columns (SQLite): drops the two triggers, the indexes
-- and the six columns (ALTER TABLE DROP COLUMN, in place; on a second run placeholders are
-- appended first, as in 008's down). Lost for good: state, city, business_name, rating and
-- total_reviews values (experience_years only copied years_of_experience).

DROP TRIGGER IF EXISTS trigger_sync_experience_update;
DROP TRIGGER IF EXISTS trigger_sync_experience_insert;

DROP INDEX IF EXISTS idx_provider_profiles_rating;
DROP INDEX IF EXISTS idx_provider_profiles_city;
DROP INDEX IF EXISTS idx_provider_profiles_state;

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', total_reviews INTEGER)'
WHERE type = 'table' AND name = 'provider_profiles'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_profiles') WHERE name = 'total_reviews');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', rating NUMERIC)'
WHERE type = 'table' AND name = 'provider_profiles'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_profiles') WHERE name = 'rating');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', experience_years INTEGER)'
WHERE type = 'table' AND name = 'provider_profiles'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_profiles') WHERE name = 'experience_years');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', business_name TEXT)'
WHERE type = 'table' AND name = 'provider_profiles'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_profiles') WHERE name = 'business_name');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', city TEXT)'
WHERE type = 'table' AND name = 'provider_profiles'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_profiles') WHERE name = 'city');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', state TEXT)'
WHERE type = 'table' AND name = 'provider_profiles'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_profiles') WHERE name = 'state');
PRAGMA writable_schema = RESET;
ALTER TABLE provider_profiles DROP COLUMN total_reviews;
ALTER TABLE provider_profiles DROP COLUMN rating;
ALTER TABLE provider_profiles DROP COLUMN experience_years;
ALTER TABLE provider_profiles DROP COLUMN business_name;
ALTER TABLE provider_profiles DROP COLUMN city;
ALTER TABLE provider_profiles DROP COLUMN state;
