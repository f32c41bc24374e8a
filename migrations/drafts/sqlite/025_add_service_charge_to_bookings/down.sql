-- Reverts 025 Add Service Charge To Bookings (SQLite): drops both indexes and the two
-- columns (the FK goes with provider_id; ALTER TABLE DROP COLUMN, in place; on a second run
-- placeholders are appended first, as in 008's down). Lost for good: each booking's charge
-- and provider (once 027 has run, the provider services no longer hold the charge either).

DROP INDEX IF EXISTS idx_bookings_earnings_query;
DROP INDEX IF EXISTS idx_bookings_service_charge_value;

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', provider_id TEXT)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'provider_id');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', service_charge_value NUMERIC)'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'service_charge_value');
PRAGMA writable_schema = RESET;
ALTER TABLE bookings DROP COLUMN provider_id;
ALTER TABLE bookings DROP COLUMN service_charge_value;
