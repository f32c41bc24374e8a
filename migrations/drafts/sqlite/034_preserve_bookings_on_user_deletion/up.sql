-- 034 Preserve Bookings on User Deletion (SQLite): bookings.user_id's FK becomes ON DELETE
-- SET NULL (was CASCADE since 014), so a customer deleting the account keeps the
-- providers' booking history (035 stores the customer's name and phone on the booking).
-- SQLite mirror of migrations/drafts/postgres/034_preserve_bookings_on_user_deletion: a
-- guarded edit of bookings' definition (the writable_schema procedure, see 014), whatever
-- action the FK had before. Idempotent: left alone when it already sets NULL.

PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(replace(sql, '    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,', '    user_id TEXT REFERENCES users (id),'),
                  '    user_id TEXT REFERENCES users (id),', '    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,')
WHERE type = 'table' AND name = 'bookings'
  AND EXISTS (SELECT 1 FROM pragma_foreign_key_list('bookings') WHERE "from" = 'user_id' AND on_delete <> 'SET NULL');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- Stops the migration if the FK edit above found a definition it does not know.
CREATE TEMP TABLE _bxm_assert (
    failed TEXT CONSTRAINT "034: bookings.user_id does not set NULL on delete" CHECK (failed IS NULL)
);
INSERT INTO _bxm_assert
SELECT 'bookings' FROM pragma_foreign_key_list('bookings') WHERE "from" = 'user_id' AND on_delete <> 'SET NULL';
DROP TABLE _bxm_assert;
