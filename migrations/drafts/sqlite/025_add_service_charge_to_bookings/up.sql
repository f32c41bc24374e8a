-- 025 Add Service Charge To Bookings (SQLite): bookings keep their own copy of the charge
-- and the provider, so earnings survive the deletion of a provider service:
--   bookings.service_charge_value NUMERIC(10,2), bookings.provider_id (FK
--   -> provider_profiles, no action), backfilled from the booking's provider service *as it
--   is now* (so bookings moved by 019 get the new service's rate, as with the Node.js
--   runner), and two indexes for earnings queries.
-- SQLite mirror of migrations/drafts/postgres/025_add_service_charge_to_bookings. The
-- columns are appended to bookings' definition by guarded edits, as in 022.
-- The backfill reads provider_services.service_charge_value through a NATURAL LEFT JOIN
-- with a one-row (NULL AS service_charge_value): while the column exists the join matches
-- on it and the name means provider_services' column; once 027 has dropped it, the name
-- means the NULL, and the backfill matches no row (PostgreSQL's draft reads it through
-- to_jsonb for the same reason: a plain reference would make a re-run after 027 fail).
-- Idempotent: the columns and indexes are created only when missing; the backfill only
-- fills values that are still NULL.

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', service_charge_value NUMERIC(10, 2))'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'service_charge_value');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', provider_id TEXT REFERENCES provider_profiles (id))'
WHERE type = 'table' AND name = 'bookings'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('bookings') WHERE name = 'provider_id');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- bxm:batch key=b.id
UPDATE bookings AS b
SET service_charge_value = COALESCE(b.service_charge_value, ps.service_charge_value),
    provider_id = COALESCE(b.provider_id, ps.provider_id)
FROM (SELECT id, provider_id, service_charge_value
      FROM provider_services NATURAL LEFT JOIN (SELECT NULL AS service_charge_value)) AS ps
WHERE b.provider_service_id = ps.id
  AND (b.service_charge_value IS NULL OR b.provider_id IS NULL)
  AND ps.service_charge_value IS NOT NULL;

CREATE INDEX IF NOT EXISTS idx_bookings_service_charge_value ON bookings (service_charge_value)
    WHERE service_charge_value IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_bookings_earnings_query ON bookings (provider_id, status, service_charge_value, updated_at)
    WHERE provider_id IS NOT NULL AND service_charge_value IS NOT NULL;
