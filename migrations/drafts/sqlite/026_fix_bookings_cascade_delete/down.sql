-- Reverts 026 Fix Bookings CASCADE DELETE (SQLite): bookings.provider_service_id's FK
-- cascades on delete again (as 014 left it; a guarded edit, as in the up migration). Not
-- undone: bookings whose provider service was deleted meanwhile keep provider_service_id
-- NULL.

PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(replace(sql, '    provider_service_id TEXT REFERENCES provider_services (id) ON DELETE SET NULL,', '    provider_service_id TEXT REFERENCES provider_services (id),'),
                  '    provider_service_id TEXT REFERENCES provider_services (id),', '    provider_service_id TEXT REFERENCES provider_services (id) ON DELETE CASCADE,')
WHERE type = 'table' AND name = 'bookings'
  AND EXISTS (SELECT 1 FROM pragma_foreign_key_list('bookings') WHERE "from" = 'provider_service_id' AND on_delete <> 'CASCADE');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- Stops the migration if the FK edit above found a definition it does not know.
CREATE TEMP TABLE _bxm_assert (
    failed TEXT CONSTRAINT "026 down: bookings.provider_service_id does not cascade on delete" CHECK (failed IS NULL)
);
INSERT INTO _bxm_assert
SELECT 'bookings' FROM pragma_foreign_key_list('bookings') WHERE "from" = 'provider_service_id' AND on_delete <> 'CASCADE';
DROP TABLE _bxm_assert;
