-- Reverts 012 Service Pricing Infrastructure (SQLite): drops the payment_transactions
-- pricing columns (FK and index with them), the services_master pricing columns (FK and
-- CHECK with them) and then the service_pricing table, which nothing references any more
-- (so dropping it fires no ON DELETE action). Lost for good: every pricing plan, each
-- service's price, currency and billing cycle, and each payment's plan link and currency.
-- Columns are removed by ALTER TABLE DROP COLUMN (in place); on a second run placeholders
-- are appended first, as in 008's down.

DROP INDEX IF EXISTS idx_payment_transactions_pricing_plan;

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', currency_code TEXT)'
WHERE type = 'table' AND name = 'payment_transactions'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('payment_transactions') WHERE name = 'currency_code');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', pricing_plan_id TEXT)'
WHERE type = 'table' AND name = 'payment_transactions'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('payment_transactions') WHERE name = 'pricing_plan_id');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', default_pricing_plan_id TEXT)'
WHERE type = 'table' AND name = 'services_master'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('services_master') WHERE name = 'default_pricing_plan_id');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', billing_interval SMALLINT)'
WHERE type = 'table' AND name = 'services_master'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('services_master') WHERE name = 'billing_interval');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', billing_cycle TEXT)'
WHERE type = 'table' AND name = 'services_master'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('services_master') WHERE name = 'billing_cycle');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', currency_code TEXT)'
WHERE type = 'table' AND name = 'services_master'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('services_master') WHERE name = 'currency_code');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', base_price NUMERIC)'
WHERE type = 'table' AND name = 'services_master'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('services_master') WHERE name = 'base_price');
PRAGMA writable_schema = RESET;

ALTER TABLE payment_transactions DROP COLUMN currency_code;
ALTER TABLE payment_transactions DROP COLUMN pricing_plan_id;

ALTER TABLE services_master DROP COLUMN default_pricing_plan_id;
ALTER TABLE services_master DROP COLUMN billing_interval;
ALTER TABLE services_master DROP COLUMN billing_cycle;
ALTER TABLE services_master DROP COLUMN currency_code;
ALTER TABLE services_master DROP COLUMN base_price;

DROP INDEX IF EXISTS idx_service_pricing_active;
DROP INDEX IF EXISTS idx_service_pricing_service_plan;
DROP TABLE IF EXISTS service_pricing;
