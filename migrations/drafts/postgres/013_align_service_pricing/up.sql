-- Deviation from the Node.js runner: on re-runs only (a first run gives the same rows),
-- its 013 sets every paid service, every paid plan and pending linked payments back to 99
-- each time it runs (observed with db:migrate:force), overwriting prices an admin changed.
-- Safe rule used here: the price alignment is a one-time event, tied to this migration's
-- own schema change. 013's last statement changes services_master.base_price's default
-- from 0 (set by 012) to 99; every data statement below only acts while that default is
-- not yet 99, i.e. on the first run, or on a re-run that completes an interrupted one.
-- Once 013 has completed, running it again changes nothing.
--
-- 013 Align Service Pricing: provider subscriptions cost 99 (INR):
--   paid services' base_price -> 99, free services' -> 0;
--   plans of paid services -> price 99, of free services -> price 0 and 'lifetime'; each
--     changed plan is marked metadata.aligned_by = 'migration_013';
--   pending payments linked to a 99 plan -> amount 99 (batchable);
--   services_master.base_price DEFAULT 99 (last, see above).

UPDATE services_master
SET base_price = 99
WHERE is_paid = TRUE
  AND base_price <> 99
  AND NOT EXISTS (SELECT 1 FROM information_schema.columns
                  WHERE table_schema = current_schema() AND table_name = 'services_master'
                    AND column_name = 'base_price' AND column_default = '99');

UPDATE services_master
SET base_price = 0
WHERE is_paid = FALSE
  AND base_price <> 0
  AND NOT EXISTS (SELECT 1 FROM information_schema.columns
                  WHERE table_schema = current_schema() AND table_name = 'services_master'
                    AND column_name = 'base_price' AND column_default = '99');

UPDATE service_pricing sp
SET price = 99,
    currency_code = COALESCE(sp.currency_code, 'INR'),
    metadata = COALESCE(sp.metadata, '{}'::jsonb) || jsonb_build_object('aligned_by', 'migration_013')
FROM services_master sm
WHERE sp.service_id = sm.id
  AND sm.is_paid = TRUE
  AND sp.price <> 99
  AND NOT EXISTS (SELECT 1 FROM information_schema.columns
                  WHERE table_schema = current_schema() AND table_name = 'services_master'
                    AND column_name = 'base_price' AND column_default = '99');

UPDATE service_pricing sp
SET price = 0,
    billing_period = 'lifetime',
    currency_code = COALESCE(sp.currency_code, 'INR'),
    metadata = COALESCE(sp.metadata, '{}'::jsonb) || jsonb_build_object('aligned_by', 'migration_013')
FROM services_master sm
WHERE sp.service_id = sm.id
  AND sm.is_paid = FALSE
  AND sp.price <> 0
  AND NOT EXISTS (SELECT 1 FROM information_schema.columns
                  WHERE table_schema = current_schema() AND table_name = 'services_master'
                    AND column_name = 'base_price' AND column_default = '99');

-- bxm:batch key=pt.id
UPDATE payment_transactions pt
SET amount = 99,
    currency_code = COALESCE(pt.currency_code, 'INR')
FROM service_pricing sp
WHERE pt.status = 'pending'
  AND pt.pricing_plan_id = sp.id
  AND sp.price = 99
  AND pt.amount <> 99
  AND NOT EXISTS (SELECT 1 FROM information_schema.columns
                  WHERE table_schema = current_schema() AND table_name = 'services_master'
                    AND column_name = 'base_price' AND column_default = '99');

ALTER TABLE services_master ALTER COLUMN base_price SET DEFAULT 99;
