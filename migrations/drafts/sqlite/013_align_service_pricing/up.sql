-- Deviation from the Node.js runner (as in the PostgreSQL draft): on re-runs only, its
-- 013 sets every paid service, every paid plan and pending linked payments back to 99
-- each time it runs, overwriting prices an admin changed. Here the price alignment is a
-- one-time event, tied to this migration's own schema change: 013's last statement
-- changes services_master.base_price's default from 0 (set by 012) to 99; every data
-- statement below only acts while that default is not yet 99. Once 013 has completed,
-- running it again changes nothing.
--
-- 013 Align Service Pricing (SQLite): provider subscriptions cost 99 (INR):
--   paid services' base_price -> 99, free services' -> 0;
--   plans of paid services -> price 99, of free services -> price 0 and 'lifetime'; each
--     changed plan is marked metadata.aligned_by = 'migration_013';
--   pending payments linked to a 99 plan -> amount 99 (batchable);
--   services_master.base_price DEFAULT 99 (last, see above): a guarded edit of
--   services_master's definition (the writable_schema procedure, see 008).
-- SQLite mirror of migrations/drafts/postgres/013_align_service_pricing (jsonb's
-- "|| jsonb_build_object(...)" is json_set on the JSON text).

UPDATE services_master
SET base_price = 99
WHERE is_paid = 1
  AND base_price <> 99
  AND (SELECT dflt_value FROM pragma_table_info('services_master') WHERE name = 'base_price') IS NOT '99';

UPDATE services_master
SET base_price = 0
WHERE is_paid = 0
  AND base_price <> 0
  AND (SELECT dflt_value FROM pragma_table_info('services_master') WHERE name = 'base_price') IS NOT '99';

UPDATE service_pricing AS sp
SET price = 99,
    currency_code = COALESCE(sp.currency_code, 'INR'),
    metadata = json_set(COALESCE(sp.metadata, '{}'), '$.aligned_by', 'migration_013')
FROM services_master AS sm
WHERE sp.service_id = sm.id
  AND sm.is_paid = 1
  AND sp.price <> 99
  AND (SELECT dflt_value FROM pragma_table_info('services_master') WHERE name = 'base_price') IS NOT '99';

UPDATE service_pricing AS sp
SET price = 0,
    billing_period = 'lifetime',
    currency_code = COALESCE(sp.currency_code, 'INR'),
    metadata = json_set(COALESCE(sp.metadata, '{}'), '$.aligned_by', 'migration_013')
FROM services_master AS sm
WHERE sp.service_id = sm.id
  AND sm.is_paid = 0
  AND sp.price <> 0
  AND (SELECT dflt_value FROM pragma_table_info('services_master') WHERE name = 'base_price') IS NOT '99';

-- bxm:batch key=pt.id
UPDATE payment_transactions AS pt
SET amount = 99,
    currency_code = COALESCE(pt.currency_code, 'INR')
FROM service_pricing AS sp
WHERE pt.status = 'pending'
  AND pt.pricing_plan_id = sp.id
  AND sp.price = 99
  AND pt.amount <> 99
  AND (SELECT dflt_value FROM pragma_table_info('services_master') WHERE name = 'base_price') IS NOT '99';

PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, ', base_price NUMERIC(12, 2) NOT NULL DEFAULT 0,', ', base_price NUMERIC(12, 2) NOT NULL DEFAULT 99,')
WHERE type = 'table' AND name = 'services_master'
  AND (SELECT dflt_value FROM pragma_table_info('services_master') WHERE name = 'base_price') IS NOT '99';
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- Stops the migration if the edit above found a definition it does not know.
CREATE TEMP TABLE _bxm_assert (
    failed TEXT CONSTRAINT "013: services_master.base_price does not default to 99" CHECK (failed IS NULL)
);
INSERT INTO _bxm_assert
SELECT 'services_master'
WHERE (SELECT dflt_value FROM pragma_table_info('services_master') WHERE name = 'base_price') IS NOT '99';
DROP TABLE _bxm_assert;
