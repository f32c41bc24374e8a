-- 009 Add Missing Provider Columns: provider_profiles gains state, city, business_name,
-- experience_years (a copy of years_of_experience that admin queries read), rating and
-- total_reviews, with indexes on state, city and rating. experience_years is backfilled
-- from years_of_experience and kept in sync by the trigger trigger_sync_experience
-- (function sync_provider_experience(), body byte for byte as the Node.js runner made it;
-- do not reformat it).
-- Online-safe: nullable columns or constant defaults only; the backfill is batchable.
-- Idempotent: the backfill only fills NULLs, the trigger is created only when missing.

ALTER TABLE provider_profiles
    ADD COLUMN IF NOT EXISTS state TEXT,
    ADD COLUMN IF NOT EXISTS city TEXT,
    ADD COLUMN IF NOT EXISTS business_name TEXT,
    ADD COLUMN IF NOT EXISTS experience_years INT,
    ADD COLUMN IF NOT EXISTS rating DECIMAL(3, 2) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS total_reviews INT DEFAULT 0;

CREATE INDEX IF NOT EXISTS idx_provider_profiles_state ON provider_profiles (state);
CREATE INDEX IF NOT EXISTS idx_provider_profiles_city ON provider_profiles (city);
CREATE INDEX IF NOT EXISTS idx_provider_profiles_rating ON provider_profiles (rating);

-- bxm:batch key=pp.id
UPDATE provider_profiles pp
SET experience_years = pp.years_of_experience
WHERE pp.experience_years IS NULL
  AND pp.years_of_experience IS NOT NULL;

CREATE OR REPLACE FUNCTION sync_provider_experience()
RETURNS TRIGGER AS $$
      BEGIN
        IF NEW.years_of_experience IS NOT NULL THEN
          NEW.experience_years := NEW.years_of_experience;
        END IF;
        RETURN NEW;
      END;
      $$ LANGUAGE plpgsql;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger
                   WHERE tgrelid = 'provider_profiles'::regclass AND tgname = 'trigger_sync_experience') THEN
        CREATE TRIGGER trigger_sync_experience
            BEFORE INSERT OR UPDATE ON provider_profiles
            FOR EACH ROW EXECUTE FUNCTION sync_provider_experience();
    END IF;
END
$$;
