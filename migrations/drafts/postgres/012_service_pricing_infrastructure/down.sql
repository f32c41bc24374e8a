-- Reverts 012 Service Pricing Infrastructure: drops the payment_transactions pricing
-- columns (FK and index with them), the services_master FK, CHECK and pricing columns, and
-- the service_pricing table. Lost for good: every pricing plan, each service's price,
-- currency and billing cycle, and each payment's plan link and currency.

DROP INDEX IF EXISTS idx_payment_transactions_pricing_plan;
ALTER TABLE payment_transactions DROP CONSTRAINT IF EXISTS fk_payment_transactions_pricing_plan;
ALTER TABLE payment_transactions
    DROP COLUMN IF EXISTS currency_code,
    DROP COLUMN IF EXISTS pricing_plan_id;

ALTER TABLE services_master
    DROP CONSTRAINT IF EXISTS fk_services_master_default_pricing,
    DROP CONSTRAINT IF EXISTS services_master_billing_cycle_check;

DROP INDEX IF EXISTS idx_service_pricing_active;
DROP INDEX IF EXISTS idx_service_pricing_service_plan;
DROP TABLE IF EXISTS service_pricing;

ALTER TABLE services_master
    DROP COLUMN IF EXISTS default_pricing_plan_id,
    DROP COLUMN IF EXISTS billing_interval,
    DROP COLUMN IF EXISTS billing_cycle,
    DROP COLUMN IF EXISTS currency_code,
    DROP COLUMN IF EXISTS base_price;
