-- Reverts 034 Preserve Bookings on User Deletion (SQLite): bookings.user_id's FK cascades
-- on delete again (as 014 left it; a guarded edit, as in the up migration). Not undone:
-- bookings of customers deleted meanwhile keep user_id NULL.

PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(replace(sql, '    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,', '    user_id TEXT REFERENCES users (id),'),
                  '    user_id TEXT REFERENCES users (id),', '    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,')
WHERE type = 'table' AND name = 'bookings'
  AND EXISTS (SELECT 1 FROM pragma_foreign_key_list('bookings') WHERE "from" = 'user_id' AND on_delete <> 'CASCADE');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- Stops the migration if the FK edit above found a definition it does not know.
CREATE TEMP TABLE _bxm_assert (
    failed TEXT CONSTRAINT "034 down: bookings.user_id does not cascade on delete" CHECK (failed IS NULL)
);
INSERT INTO _bxm_assert
SELECT 'bookings' FROM pragma_foreign_key_list('bookings') WHERE "from" = 'user_id' AND on_delete <> 'CASCADE';
DROP TABLE _bxm_assert;
