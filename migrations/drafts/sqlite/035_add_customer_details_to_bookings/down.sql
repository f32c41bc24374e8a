-- Reverts 035 Add Customer Details to Bookings (SQLite): drops the index and the two
-- columns (ALTER TABLE DROP COLUMN, in place; on a second run placeholders are appended
-- first, as in 008's down). Lost for good: customer details of bookings whose customer is
-- gone.

DROP INDEX IF EXISTS idx_bookings_customer_name;

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', customer_phone TEXT)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'customer_phone');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', customer_name TEXT)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'customer_name');
PRAGMA writable_schema = RESET;
ALTER TABLE bookings DROP COLUMN customer_phone;
ALTER TABLE bookings DROP COLUMN customer_name;
