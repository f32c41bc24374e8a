-- Deviation from the Node.js runner: on re-runs only (a first run gives the same rows),
-- its 012 refills a paid service's base_price of 0 with 2499, seeds a 'standard' plan for
-- every service that has none (e.g. those 019 creates later) and re-points every
-- service's default_pricing_plan_id at its 'standard' plan each time it runs. Here the
-- backfill only fills values that are still NULL (possible only before this migration's
-- NOT NULL is in place), and plans are seeded and linked only until 012 has added
-- fk_services_master_default_pricing, i.e. on the first run or one that completes an
-- interrupted run. A re-run never overwrites what an admin set, and never recreates a
-- plan an admin removed. It also keeps base_price's default of 99 set by 013 (the Node.js
-- runner's re-run puts back 0).
--
-- 012 Service Pricing Infrastructure:
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
-- Online-safe: new columns are nullable or have a constant default; NOT NULL is set through
-- validated temporary CHECKs; CHECK and FKs on existing tables are added NOT VALID and then
-- validated; the payment_transactions backfill is batchable (services rows are few).

ALTER TABLE services_master
    ADD COLUMN IF NOT EXISTS base_price NUMERIC(12, 2),
    ADD COLUMN IF NOT EXISTS currency_code CHAR(3),
    ADD COLUMN IF NOT EXISTS billing_cycle TEXT,
    ADD COLUMN IF NOT EXISTS billing_interval SMALLINT,
    ADD COLUMN IF NOT EXISTS default_pricing_plan_id UUID;

-- base_price's default only while it has none: 013 changes it to 99 and keys its one-time
-- price alignment on that, so a re-run of 012 must not put 0 back.
DO $$
BEGIN
    IF (SELECT column_default FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'services_master'
          AND column_name = 'base_price') IS NULL THEN
        ALTER TABLE services_master ALTER COLUMN base_price SET DEFAULT 0;
    END IF;
END
$$;
ALTER TABLE services_master
    ALTER COLUMN currency_code SET DEFAULT 'INR',
    ALTER COLUMN billing_cycle SET DEFAULT 'yearly',
    ALTER COLUMN billing_interval SET DEFAULT 1;

UPDATE services_master
SET base_price = COALESCE(base_price, CASE WHEN is_paid THEN 2499 ELSE 0 END),
    currency_code = COALESCE(currency_code, 'INR'),
    billing_cycle = COALESCE(billing_cycle, CASE WHEN is_paid THEN 'yearly' ELSE 'lifetime' END),
    billing_interval = COALESCE(billing_interval, 1)
WHERE base_price IS NULL
   OR currency_code IS NULL
   OR billing_cycle IS NULL
   OR billing_interval IS NULL;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'services_master'::regclass AND conname = 'services_master_base_price_not_null') THEN
        ALTER TABLE services_master ADD CONSTRAINT services_master_base_price_not_null
            CHECK (base_price IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'services_master'::regclass AND conname = 'services_master_currency_code_not_null') THEN
        ALTER TABLE services_master ADD CONSTRAINT services_master_currency_code_not_null
            CHECK (currency_code IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'services_master'::regclass AND conname = 'services_master_billing_cycle_not_null') THEN
        ALTER TABLE services_master ADD CONSTRAINT services_master_billing_cycle_not_null
            CHECK (billing_cycle IS NOT NULL) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'services_master'::regclass AND conname = 'services_master_billing_interval_not_null') THEN
        ALTER TABLE services_master ADD CONSTRAINT services_master_billing_interval_not_null
            CHECK (billing_interval IS NOT NULL) NOT VALID;
    END IF;
END
$$;
ALTER TABLE services_master VALIDATE CONSTRAINT services_master_base_price_not_null;
ALTER TABLE services_master VALIDATE CONSTRAINT services_master_currency_code_not_null;
ALTER TABLE services_master VALIDATE CONSTRAINT services_master_billing_cycle_not_null;
ALTER TABLE services_master VALIDATE CONSTRAINT services_master_billing_interval_not_null;
ALTER TABLE services_master
    ALTER COLUMN base_price SET NOT NULL,
    ALTER COLUMN currency_code SET NOT NULL,
    ALTER COLUMN billing_cycle SET NOT NULL,
    ALTER COLUMN billing_interval SET NOT NULL;
ALTER TABLE services_master
    DROP CONSTRAINT IF EXISTS services_master_base_price_not_null,
    DROP CONSTRAINT IF EXISTS services_master_currency_code_not_null,
    DROP CONSTRAINT IF EXISTS services_master_billing_cycle_not_null,
    DROP CONSTRAINT IF EXISTS services_master_billing_interval_not_null;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'services_master'::regclass AND conname = 'services_master_billing_cycle_check') THEN
        ALTER TABLE services_master ADD CONSTRAINT services_master_billing_cycle_check
            CHECK (billing_cycle IN ('one_time', 'monthly', 'quarterly', 'yearly', 'biennial', 'triennial', 'lifetime')) NOT VALID;
    END IF;
END
$$;
ALTER TABLE services_master VALIDATE CONSTRAINT services_master_billing_cycle_check;

CREATE TABLE IF NOT EXISTS service_pricing (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id UUID NOT NULL REFERENCES services_master (id) ON DELETE CASCADE,
    plan_name TEXT NOT NULL,
    description TEXT,
    price NUMERIC(12, 2) NOT NULL,
    currency_code CHAR(3) NOT NULL DEFAULT 'INR',
    billing_period TEXT NOT NULL CHECK (billing_period IN ('one_time', 'monthly', 'quarterly', 'yearly', 'biennial', 'triennial', 'custom', 'lifetime')),
    billing_interval SMALLINT NOT NULL DEFAULT 1 CHECK (billing_interval > 0),
    trial_days SMALLINT DEFAULT 0,
    grace_period_days SMALLINT DEFAULT 0,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    priority SMALLINT DEFAULT 0,
    effective_from TIMESTAMP DEFAULT NOW(),
    effective_to TIMESTAMP,
    metadata JSONB DEFAULT '{}'::jsonb,
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_service_pricing_service_plan ON service_pricing (service_id, LOWER(plan_name));
CREATE INDEX IF NOT EXISTS idx_service_pricing_active ON service_pricing (service_id, is_active, effective_from, effective_to);

INSERT INTO service_pricing (
    service_id, plan_name, description, price, currency_code, billing_period, billing_interval,
    trial_days, grace_period_days, is_active, priority, metadata
)
SELECT sm.id, 'standard', 'Default provider subscription plan', sm.base_price, sm.currency_code,
       CASE WHEN sm.is_paid THEN 'yearly' ELSE 'lifetime' END, sm.billing_interval,
       0, 0, TRUE, 0, jsonb_build_object('seeded', true, 'source', '012-service-pricing')
FROM services_master sm
WHERE NOT EXISTS (SELECT 1 FROM service_pricing sp WHERE sp.service_id = sm.id)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint
                  WHERE conrelid = 'services_master'::regclass AND conname = 'fk_services_master_default_pricing');

UPDATE services_master sm
SET default_pricing_plan_id = sp.id
FROM service_pricing sp
WHERE sp.service_id = sm.id
  AND sp.plan_name = 'standard'
  AND sm.default_pricing_plan_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_constraint
                  WHERE conrelid = 'services_master'::regclass AND conname = 'fk_services_master_default_pricing');

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'services_master'::regclass AND conname = 'fk_services_master_default_pricing') THEN
        ALTER TABLE services_master ADD CONSTRAINT fk_services_master_default_pricing
            FOREIGN KEY (default_pricing_plan_id) REFERENCES service_pricing (id) ON DELETE SET NULL NOT VALID;
    END IF;
END
$$;
ALTER TABLE services_master VALIDATE CONSTRAINT fk_services_master_default_pricing;

ALTER TABLE payment_transactions
    ADD COLUMN IF NOT EXISTS pricing_plan_id UUID,
    ADD COLUMN IF NOT EXISTS currency_code CHAR(3) DEFAULT 'INR';

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'payment_transactions'::regclass AND conname = 'fk_payment_transactions_pricing_plan') THEN
        ALTER TABLE payment_transactions ADD CONSTRAINT fk_payment_transactions_pricing_plan
            FOREIGN KEY (pricing_plan_id) REFERENCES service_pricing (id) ON DELETE SET NULL NOT VALID;
    END IF;
END
$$;
ALTER TABLE payment_transactions VALIDATE CONSTRAINT fk_payment_transactions_pricing_plan;

CREATE INDEX IF NOT EXISTS idx_payment_transactions_pricing_plan ON payment_transactions (pricing_plan_id);

-- Existing rows already read 'INR' through the column default; this only fills rows that
-- hold an explicit NULL.
-- bxm:batch key=pt.id
UPDATE payment_transactions pt
SET currency_code = 'INR'
WHERE pt.currency_code IS NULL;
