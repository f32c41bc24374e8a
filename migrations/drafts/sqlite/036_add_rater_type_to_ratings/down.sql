-- Reverts 036 Add Rater Type to Ratings (SQLite): UNIQUE (booking_id) is restored and the
-- new indexes, the CHECK and rater_type go: ratings is rebuilt with its definition from
-- before 036 (001's, with 014's ON DELETE CASCADE; as in the up migration: copied aside,
-- dropped, created, refilled) and 001's and 028's indexes are recreated. Lost for good:
-- which rating came from whom. Fails, changing nothing, while a booking has both a
-- customer and a provider rating: the provider ratings would have to be removed by hand
-- first (the old schema cannot hold them).

DROP INDEX IF EXISTS idx_ratings_rater_type;
DROP INDEX IF EXISTS idx_ratings_booking_rater_unique;

CREATE TEMP TABLE _bxm_ratings AS
SELECT id, booking_id, rating, review, created_at
FROM ratings;
DROP TABLE ratings;
CREATE TABLE ratings (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    booking_id TEXT UNIQUE REFERENCES bookings (id) ON DELETE CASCADE,
    rating INTEGER CHECK (rating >= 1 AND rating <= 5),
    review TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO ratings (id, booking_id, rating, review, created_at)
SELECT id, booking_id, rating, review, created_at
FROM temp._bxm_ratings;
DROP TABLE temp._bxm_ratings;

CREATE INDEX IF NOT EXISTS idx_ratings_booking_id ON ratings (booking_id);
CREATE INDEX IF NOT EXISTS idx_ratings_created_at ON ratings (created_at DESC);
