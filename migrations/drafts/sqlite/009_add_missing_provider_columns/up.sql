-- 009 Add Missing Provider Columns (SQLite): provider_profiles gains state, city,
-- business_name, experience_years (a copy of years_of_experience that admin queries read),
-- rating and total_reviews, with indexes on state, city and rating. experience_years is
-- backfilled from years_of_experience and kept in sync by two triggers (PostgreSQL's one
-- BEFORE INSERT OR UPDATE trigger trigger_sync_experience and its function
-- sync_provider_experience() become trigger_sync_experience_insert and
-- trigger_sync_experience_update, AFTER triggers that copy years_of_experience into
-- experience_years whenever it is set). SQLite mirror of
-- migrations/drafts/postgres/009_add_missing_provider_columns (DECIMAL is NUMERIC, INT is
-- INTEGER).
-- The columns are appended to provider_profiles' definition by guarded edits, as in 008
-- (provider_profiles is referenced by provider_services and bookings: it is not rebuilt).
-- Idempotent: columns, indexes and triggers are created only when missing; the backfill
-- only fills NULLs.

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', state TEXT)'
WHERE type = 'table' AND name = 'provider_profiles'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_profiles') WHERE name = 'state');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', city TEXT)'
WHERE type = 'table' AND name = 'provider_profiles'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_profiles') WHERE name = 'city');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', business_name TEXT)'
WHERE type = 'table' AND name = 'provider_profiles'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_profiles') WHERE name = 'business_name');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', experience_years INTEGER)'
WHERE type = 'table' AND name = 'provider_profiles'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_profiles') WHERE name = 'experience_years');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', rating NUMERIC(3, 2) DEFAULT 0)'
WHERE type = 'table' AND name = 'provider_profiles'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_profiles') WHERE name = 'rating');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', total_reviews INTEGER DEFAULT 0)'
WHERE type = 'table' AND name = 'provider_profiles'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_profiles') WHERE name = 'total_reviews');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

CREATE INDEX IF NOT EXISTS idx_provider_profiles_state ON provider_profiles (state);
CREATE INDEX IF NOT EXISTS idx_provider_profiles_city ON provider_profiles (city);
CREATE INDEX IF NOT EXISTS idx_provider_profiles_rating ON provider_profiles (rating);

-- bxm:batch key=pp.id
UPDATE provider_profiles AS pp
SET experience_years = pp.years_of_experience
WHERE pp.experience_years IS NULL
  AND pp.years_of_experience IS NOT NULL;

CREATE TRIGGER IF NOT EXISTS trigger_sync_experience_insert
AFTER INSERT ON provider_profiles
FOR EACH ROW WHEN NEW.years_of_experience IS NOT NULL
BEGIN
    UPDATE provider_profiles SET experience_years = NEW.years_of_experience
    WHERE id = NEW.id AND experience_years IS NOT NEW.years_of_experience;
END;

CREATE TRIGGER IF NOT EXISTS trigger_sync_experience_update
AFTER UPDATE ON provider_profiles
FOR EACH ROW WHEN NEW.years_of_experience IS NOT NULL
BEGIN
    UPDATE provider_profiles SET experience_years = NEW.years_of_experience
    WHERE id = NEW.id AND experience_years IS NOT NEW.years_of_experience;
END;
