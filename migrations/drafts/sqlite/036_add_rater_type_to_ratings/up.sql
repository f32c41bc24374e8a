-- 036 Add Rater Type to Ratings (SQLite): a booking can be rated once by its customer and
-- once by its provider. ratings.rater_type TEXT NOT NULL ('user' or 'provider', CHECK
-- ratings_rater_type_check), existing ratings become 'user'; the UNIQUE constraint on
-- booking_id alone (001's) is replaced by the UNIQUE index
-- idx_ratings_booking_rater_unique on (booking_id, rater_type); rater_type is indexed.
-- SQLite mirror of migrations/drafts/postgres/036_add_rater_type_to_ratings. The column is
-- appended by a guarded edit (the writable_schema procedure, see 008) and backfilled; a
-- UNIQUE constraint cannot be dropped in SQLite, so ratings is then rebuilt
-- (https://www.sqlite.org/lang_altertable.html section 7): nothing references it, so it is
-- copied aside, dropped, created with its new definition (NOT NULL and the CHECK on
-- rater_type, checked on every copied row; booking_id without UNIQUE, still cascading on
-- delete as 014 made it) and refilled (every row kept), and its indexes (001's, 028's and
-- 036's) are recreated.
-- Idempotent: the backfill only fills NULLs; a second run rebuilds the same table from the
-- same table. (A later migration that adds an index or trigger to ratings must be
-- recreated here too, or a re-run of 036 after it would drop it.)

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', rater_type TEXT)'
WHERE type = 'table' AND name = 'ratings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('ratings') WHERE name = 'rater_type');
PRAGMA writable_schema = RESET;

-- bxm:batch key=r.id
UPDATE ratings AS r
SET rater_type = 'user'
WHERE r.rater_type IS NULL;

CREATE TEMP TABLE _bxm_ratings AS
SELECT id, booking_id, rating, review, created_at, rater_type
FROM ratings;
DROP TABLE ratings;
CREATE TABLE ratings (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    booking_id TEXT REFERENCES bookings (id) ON DELETE CASCADE,
    rating INTEGER CHECK (rating >= 1 AND rating <= 5),
    review TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    rater_type TEXT NOT NULL CONSTRAINT ratings_rater_type_check CHECK (rater_type IN ('user', 'provider'))
);
INSERT INTO ratings (id, booking_id, rating, review, created_at, rater_type)
SELECT id, booking_id, rating, review, created_at, rater_type
FROM temp._bxm_ratings;
DROP TABLE temp._bxm_ratings;

CREATE INDEX IF NOT EXISTS idx_ratings_booking_id ON ratings (booking_id);
CREATE INDEX IF NOT EXISTS idx_ratings_created_at ON ratings (created_at DESC);
CREATE UNIQUE INDEX IF NOT EXISTS idx_ratings_booking_rater_unique ON ratings (booking_id, rater_type);
CREATE INDEX IF NOT EXISTS idx_ratings_rater_type ON ratings (rater_type);
