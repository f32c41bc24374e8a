-- 035 Add Customer Details to Bookings (SQLite): bookings keep the customer's name and
-- phone (customer_name, customer_phone), so providers still see them after the customer
-- deletes the account; backfilled from the booking's user; partial index on
-- customer_name. SQLite mirror of
-- migrations/drafts/postgres/035_add_customer_details_to_bookings; the columns are
-- appended to bookings' definition by guarded edits, as in 022.
-- Idempotent: columns and index are created only when missing; the backfill only fills
-- values still NULL.

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', customer_name TEXT)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'customer_name');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', customer_phone TEXT)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'customer_phone');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- bxm:batch key=b.id
UPDATE bookings AS b
SET customer_name = COALESCE(b.customer_name, u.full_name),
    customer_phone = COALESCE(b.customer_phone, u.phone)
FROM users AS u
WHERE b.user_id = u.id
  AND (b.customer_name IS NULL OR b.customer_phone IS NULL)
  AND u.full_name IS NOT NULL;

CREATE INDEX IF NOT EXISTS idx_bookings_customer_name ON bookings (customer_name)
    WHERE customer_name IS NOT NULL;
