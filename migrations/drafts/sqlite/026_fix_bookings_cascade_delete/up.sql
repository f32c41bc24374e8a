-- 026 Fix Bookings CASCADE DELETE (SQLite): bookings.provider_service_id's FK becomes ON
-- DELETE SET NULL (was CASCADE since 014), so deleting a provider service keeps its
-- bookings (their charge and provider are stored on the booking since 025).
-- SQLite mirror of migrations/drafts/postgres/026_fix_bookings_cascade_delete: a guarded
-- edit of bookings' definition (the writable_schema procedure, see 014), whatever action
-- the FK had before. Idempotent: left alone when it already sets NULL.

PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(replace(sql, '    provider_service_id TEXT REFERENCES provider_services (id) ON DELETE CASCADE,', '    provider_service_id TEXT REFERENCES provider_services (id),'),
                  '    provider_service_id TEXT REFERENCES provider_services (id),', '    provider_service_id TEXT REFERENCES provider_services (id) ON DELETE SET NULL,')
WHERE type = 'table' AND name = 'bookings'
  AND EXISTS (SELECT 1 FROM pragma_foreign_key_list('bookings') WHERE "from" = 'provider_service_id' AND on_delete <> 'SET NULL');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- Stops the migration if the FK edit above found a definition it does not know.
CREATE TEMP TABLE _bxm_assert (
    failed TEXT CONSTRAINT "026: bookings.provider_service_id does not set NULL on delete" CHECK (failed IS NULL)
);
INSERT INTO _bxm_assert
SELECT 'bookings' FROM pragma_foreign_key_list('bookings') WHERE "from" = 'provider_service_id' AND on_delete <> 'SET NULL';
DROP TABLE _bxm_assert;
