-- 036 Add Rater Type to Ratings: a booking can be rated once by its customer and once by
-- its provider. ratings.rater_type TEXT NOT NULL ('user' or 'provider', CHECK
-- ratings_rater_type_check), existing ratings become 'user'; the UNIQUE constraint on
-- booking_id alone (001's ratings_booking_id_key, found by its definition, as the Node.js
-- runner looks its name up at run time) is replaced by the UNIQUE index
-- idx_ratings_booking_rater_unique on (booking_id, rater_type); rater_type is indexed.
-- Online-safe: nullable column, CHECK added NOT VALID then validated, batchable backfill,
-- NOT NULL through a validated temporary CHECK, the new UNIQUE index is built (by the
-- runner, concurrently) before the old constraint is dropped.
-- Idempotent: the backfill only fills NULLs; every schema step is checked first.

ALTER TABLE ratings ADD COLUMN IF NOT EXISTS rater_type TEXT;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'ratings'::regclass AND conname = 'ratings_rater_type_check') THEN
        ALTER TABLE ratings ADD CONSTRAINT ratings_rater_type_check
            CHECK (rater_type IN ('user', 'provider')) NOT VALID;
    END IF;
END
$$;
ALTER TABLE ratings VALIDATE CONSTRAINT ratings_rater_type_check;

-- bxm:batch key=r.id
UPDATE ratings r
SET rater_type = 'user'
WHERE r.rater_type IS NULL;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'ratings'::regclass AND conname = 'ratings_rater_type_not_null') THEN
        ALTER TABLE ratings ADD CONSTRAINT ratings_rater_type_not_null
            CHECK (rater_type IS NOT NULL) NOT VALID;
    END IF;
END
$$;
ALTER TABLE ratings VALIDATE CONSTRAINT ratings_rater_type_not_null;
ALTER TABLE ratings ALTER COLUMN rater_type SET NOT NULL;
ALTER TABLE ratings DROP CONSTRAINT IF EXISTS ratings_rater_type_not_null;

CREATE UNIQUE INDEX IF NOT EXISTS idx_ratings_booking_rater_unique ON ratings (booking_id, rater_type);

DO $$
DECLARE
    old_key NAME;
BEGIN
    FOR old_key IN
        SELECT c.conname FROM pg_constraint c
        WHERE c.conrelid = 'ratings'::regclass AND c.contype = 'u'
          AND c.conkey = ARRAY[(SELECT a.attnum FROM pg_attribute a
                                WHERE a.attrelid = 'ratings'::regclass AND a.attname = 'booking_id')]
    LOOP
        EXECUTE format('ALTER TABLE ratings DROP CONSTRAINT %I', old_key);
    END LOOP;
END
$$;

CREATE INDEX IF NOT EXISTS idx_ratings_rater_type ON ratings (rater_type);
