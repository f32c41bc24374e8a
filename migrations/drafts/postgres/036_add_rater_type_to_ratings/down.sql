-- Reverts 036 Add Rater Type to Ratings: UNIQUE ratings_booking_id_key (booking_id) is
-- restored (built from a UNIQUE index first), and the new indexes, the CHECK and
-- rater_type go. Lost for good: which rating came from whom. Fails, changing nothing,
-- while a booking has both a customer and a provider rating: the provider ratings would
-- have to be removed by hand first (the old schema cannot hold them).

DROP INDEX IF EXISTS idx_ratings_rater_type;

CREATE UNIQUE INDEX IF NOT EXISTS ratings_booking_id_key ON ratings (booking_id);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'ratings'::regclass AND conname = 'ratings_booking_id_key') THEN
        ALTER TABLE ratings ADD CONSTRAINT ratings_booking_id_key UNIQUE USING INDEX ratings_booking_id_key;
    END IF;
END
$$;

DROP INDEX IF EXISTS idx_ratings_booking_rater_unique;
ALTER TABLE ratings DROP CONSTRAINT IF EXISTS ratings_rater_type_check;
ALTER TABLE ratings DROP COLUMN IF EXISTS rater_type;
