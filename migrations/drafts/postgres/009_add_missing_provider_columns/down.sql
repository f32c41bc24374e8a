-- Reverts 009 Add Missing Provider Columns: drops the trigger and its function, the
-- indexes and the six columns. Lost for good: state, city, business_name, rating and
-- total_reviews values (experience_years only copied years_of_experience).

DROP TRIGGER IF EXISTS trigger_sync_experience ON provider_profiles;
DROP FUNCTION IF EXISTS sync_provider_experience();

DROP INDEX IF EXISTS idx_provider_profiles_rating;
DROP INDEX IF EXISTS idx_provider_profiles_city;
DROP INDEX IF EXISTS idx_provider_profiles_state;

ALTER TABLE provider_profiles
    DROP COLUMN IF EXISTS total_reviews,
    DROP COLUMN IF EXISTS rating,
    DROP COLUMN IF EXISTS experience_years,
    DROP COLUMN IF EXISTS business_name,
    DROP COLUMN IF EXISTS city,
    DROP COLUMN IF EXISTS state;
