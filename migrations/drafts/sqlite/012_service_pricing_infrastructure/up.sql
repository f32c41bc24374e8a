-- Deviation from the Node.js runner (as in the PostgreSQL draft): on re-runs only, its
-- 012 refills prices, seeds a 'standard' plan for every service that has none and
-- re-points every default plan each time it runs. Here existing services get their price,
-- currency and billing cycle, and plans are seeded and linked, only on the run that adds
-- fk_services_master_default_pricing, i.e. the first one. A re-run never overwrites what
-- an admin set, never recreates a plan an admin removed, and keeps 013's default of 99.
--
-- 012 Service Pricing Infrastructure (SQLite):
--   services_master: base_price NUMERIC(12,2), currency_code CHAR(3), billing_cycle,
--     billing_interval SMALLINT (all NOT NULL, defaults 0 / 'INR' / 'yearly' / 1, existing
--     rows filled as the Node.js runner does: paid 2499 yearly, free 0 lifetime, INR, 1),
--     default_pricing_plan_id, CHECK services_master_billing_cycle_check,
--     FK fk_services_master_default_pricing (-> service_pricing, SET NULL).
--   service_pricing: new table of plans per service, with a UNIQUE index on
--     (service_id, lower(plan_name)) and idx_service_pricing_active; one 'standard' plan is
--     seeded for every service that has none, and becomes its default plan (first run).
--   payment_transactions: pricing_plan_id (FK fk_payment_transactions_pricing_plan,
--     SET NULL, indexed) and currency_code CHAR(3) DEFAULT 'INR' (existing rows 'INR').
-- SQLite mirror of migrations/drafts/postgres/012_service_pricing_infrastructure (CHAR(n)
-- and SMALLINT are kept as written, like VARCHAR(n); JSONB is TEXT). The columns are
-- appended to services_master's and payment_transactions' definitions by guarded edits
-- (the writable_schema procedure, see 008: both tables are referenced, so neither is
-- rebuilt). Existing services read the new columns' defaults (0, 'INR', 'yearly', 1) until
-- the first-run backfill gives them their values, as PostgreSQL's backfill does.

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', base_price NUMERIC(12, 2) NOT NULL DEFAULT 0)'
WHERE type = 'table' AND name = 'services_master'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('services_master') WHERE name = 'base_price');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', currency_code CHAR(3) NOT NULL DEFAULT ''INR'')'
WHERE type = 'table' AND name = 'services_master'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('services_master') WHERE name = 'currency_code');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', billing_cycle TEXT NOT NULL DEFAULT ''yearly'' CONSTRAINT services_master_billing_cycle_check CHECK (billing_cycle IN (''one_time'', ''monthly'', ''quarterly'', ''yearly'', ''biennial'', ''triennial'', ''lifetime'')))'
WHERE type = 'table' AND name = 'services_master'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('services_master') WHERE name = 'billing_cycle');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', billing_interval SMALLINT NOT NULL DEFAULT 1)'
WHERE type = 'table' AND name = 'services_master'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('services_master') WHERE name = 'billing_interval');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', default_pricing_plan_id TEXT)'
WHERE type = 'table' AND name = 'services_master'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('services_master') WHERE name = 'default_pricing_plan_id');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- First run only (fk_services_master_default_pricing, added last, is not there yet).
UPDATE services_master
SET base_price = CASE WHEN is_paid THEN 2499 ELSE 0 END,
    currency_code = 'INR',
    billing_cycle = CASE WHEN is_paid THEN 'yearly' ELSE 'lifetime' END,
    billing_interval = 1
WHERE NOT EXISTS (SELECT 1 FROM pragma_foreign_key_list('services_master') WHERE "from" = 'default_pricing_plan_id');

CREATE TABLE IF NOT EXISTS service_pricing (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    service_id TEXT NOT NULL REFERENCES services_master (id) ON DELETE CASCADE,
    plan_name TEXT NOT NULL,
    description TEXT,
    price NUMERIC(12, 2) NOT NULL,
    currency_code CHAR(3) NOT NULL DEFAULT 'INR',
    billing_period TEXT NOT NULL CHECK (billing_period IN ('one_time', 'monthly', 'quarterly', 'yearly', 'biennial', 'triennial', 'custom', 'lifetime')),
    billing_interval SMALLINT NOT NULL DEFAULT 1 CHECK (billing_interval > 0),
    trial_days SMALLINT DEFAULT 0,
    grace_period_days SMALLINT DEFAULT 0,
    is_active BOOLEAN NOT NULL DEFAULT 1,
    priority SMALLINT DEFAULT 0,
    effective_from TEXT DEFAULT CURRENT_TIMESTAMP,
    effective_to TEXT,
    metadata TEXT DEFAULT '{}',
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_service_pricing_service_plan ON service_pricing (service_id, LOWER(plan_name));
CREATE INDEX IF NOT EXISTS idx_service_pricing_active ON service_pricing (service_id, is_active, effective_from, effective_to);

INSERT INTO service_pricing (
    service_id, plan_name, description, price, currency_code, billing_period, billing_interval,
    trial_days, grace_period_days, is_active, priority, metadata
)
SELECT sm.id, 'standard', 'Default provider subscription plan', sm.base_price, sm.currency_code,
       CASE WHEN sm.is_paid THEN 'yearly' ELSE 'lifetime' END, sm.billing_interval,
       0, 0, 1, 0, json_object('seeded', json('true'), 'source', '012-service-pricing')
FROM services_master AS sm
WHERE NOT EXISTS (SELECT 1 FROM service_pricing AS sp WHERE sp.service_id = sm.id)
  AND NOT EXISTS (SELECT 1 FROM pragma_foreign_key_list('services_master') WHERE "from" = 'default_pricing_plan_id');

UPDATE services_master AS sm
SET default_pricing_plan_id = sp.id
FROM service_pricing AS sp
WHERE sp.service_id = sm.id
  AND sp.plan_name = 'standard'
  AND sm.default_pricing_plan_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM pragma_foreign_key_list('services_master') WHERE "from" = 'default_pricing_plan_id');

PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, ', default_pricing_plan_id TEXT',
                       ', default_pricing_plan_id TEXT CONSTRAINT fk_services_master_default_pricing REFERENCES service_pricing (id) ON DELETE SET NULL')
WHERE type = 'table' AND name = 'services_master'
  AND NOT EXISTS (SELECT 1 FROM pragma_foreign_key_list('services_master') WHERE "from" = 'default_pricing_plan_id');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', pricing_plan_id TEXT CONSTRAINT fk_payment_transactions_pricing_plan REFERENCES service_pricing (id) ON DELETE SET NULL)'
WHERE type = 'table' AND name = 'payment_transactions'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('payment_transactions') WHERE name = 'pricing_plan_id');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', currency_code CHAR(3) DEFAULT ''INR'')'
WHERE type = 'table' AND name = 'payment_transactions'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('payment_transactions') WHERE name = 'currency_code');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- Stops the migration if the FK edit above found a definition it does not know.
CREATE TEMP TABLE _bxm_assert (
    failed TEXT CONSTRAINT "012: services_master.default_pricing_plan_id has no foreign key" CHECK (failed IS NULL)
);
INSERT INTO _bxm_assert
SELECT 'services_master'
WHERE NOT EXISTS (SELECT 1 FROM pragma_foreign_key_list('services_master')
                  WHERE "from" = 'default_pricing_plan_id' AND "table" = 'service_pricing' AND on_delete = 'SET NULL');
DROP TABLE _bxm_assert;

CREATE INDEX IF NOT EXISTS idx_payment_transactions_pricing_plan ON payment_transactions (pricing_plan_id);

-- Existing rows already read 'INR' through the column default; this only fills rows that
-- hold an explicit NULL.
-- bxm:batch key=pt.id
UPDATE payment_transactions AS pt
SET currency_code = 'INR'
WHERE pt.currency_code IS NULL;
