-- Deviation from the Node.js runner: its 019 deletes a provider's duplicate
-- 'painting-cleaning' provider service (one whose provider already offers 'painting'),
-- and the FK's ON DELETE CASCADE silently deletes that service's payment_transactions
-- (real payments, completed or refunded). Here those payments are first moved to the
-- provider's surviving 'painting' provider service, as the Node.js runner does for the
-- bookings, and a duplicate is only deleted once nothing references it any more.
-- Everything else ends as with the Node.js runner.
--
-- 019 Update Painting Service: the service 'painting-cleaning' becomes 'painting':
--   1. 'painting' is created if missing (paid, pricing columns at their defaults);
--   2. for each provider with 'painting-cleaning' provider services, one provider service
--      survives as 'painting': the provider's existing 'painting' one if any, otherwise its
--      earliest 'painting-cleaning' one (created_at, then id; no date counts as earliest),
--      which is switched to 'painting';
--   3. bookings and (deviation) payments of the other 'painting-cleaning' provider
--      services move to the provider's surviving one (its earliest 'painting' one);
--   4. those duplicates are deleted, then 'painting-cleaning' itself once no provider
--      service uses it (its pricing plan goes with it by cascade, as with Node.js);
--   5. 'cleaning' and 'borewell' are created if missing.
-- The Node.js runner picks "the" existing 'painting' provider service without an order;
-- here it is the earliest (created_at, id); with a single one, as usual, it is the same.
-- Online-safe: provider_services, bookings and payment_transactions changes are single
-- batchable statements; each row's new value only depends on services_master and on
-- provider_services rows whose outcome does not depend on the batch order (see 2.).
-- Idempotent: once 'painting-cleaning' is gone every statement finds nothing to do; an
-- interrupted run is completed by the next one.

INSERT INTO services_master (name, is_paid)
SELECT 'painting', TRUE
WHERE NOT EXISTS (SELECT 1 FROM services_master WHERE name = 'painting');

-- 2. A 'painting-cleaning' provider service becomes 'painting' when its provider has no
-- 'painting' one and no earlier 'painting-cleaning' one; once it is switched, the other
-- rows of that provider see a 'painting' one, so the outcome is the same in any order.
-- bxm:batch key=ps.id
UPDATE provider_services ps
SET service_id = p.id
FROM services_master pc, services_master p
WHERE pc.name = 'painting-cleaning'
  AND p.name = 'painting'
  AND ps.service_id = pc.id
  AND NOT EXISTS (SELECT 1 FROM provider_services o
                  WHERE o.provider_id = ps.provider_id AND o.service_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM provider_services o
                  WHERE o.provider_id = ps.provider_id AND o.service_id = pc.id
                    AND (COALESCE(o.created_at, '-infinity'), o.id)
                        < (COALESCE(ps.created_at, '-infinity'), ps.id));

-- 3. Bookings of the remaining (duplicate) 'painting-cleaning' provider services.
-- bxm:batch key=b.id
UPDATE bookings b
SET provider_service_id = keep.id
FROM provider_services dup
JOIN services_master pc ON pc.id = dup.service_id AND pc.name = 'painting-cleaning'
CROSS JOIN LATERAL (
    SELECT k.id
    FROM provider_services k
    JOIN services_master p ON p.id = k.service_id AND p.name = 'painting'
    WHERE k.provider_id = dup.provider_id
    ORDER BY k.created_at NULLS FIRST, k.id
    LIMIT 1
) keep
WHERE b.provider_service_id = dup.id;

-- 3. (deviation) Their payments, which the Node.js runner lets the cascade delete.
-- bxm:batch key=pt.id
UPDATE payment_transactions pt
SET provider_service_id = keep.id
FROM provider_services dup
JOIN services_master pc ON pc.id = dup.service_id AND pc.name = 'painting-cleaning'
CROSS JOIN LATERAL (
    SELECT k.id
    FROM provider_services k
    JOIN services_master p ON p.id = k.service_id AND p.name = 'painting'
    WHERE k.provider_id = dup.provider_id
    ORDER BY k.created_at NULLS FIRST, k.id
    LIMIT 1
) keep
WHERE pt.provider_service_id = dup.id;

-- 4. The duplicates, once nothing points at them any more.
-- bxm:batch key=ps.id
DELETE FROM provider_services ps
USING services_master pc, services_master p
WHERE pc.name = 'painting-cleaning'
  AND p.name = 'painting'
  AND ps.service_id = pc.id
  AND EXISTS (SELECT 1 FROM provider_services k
              WHERE k.provider_id = ps.provider_id AND k.service_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.provider_service_id = ps.id)
  AND NOT EXISTS (SELECT 1 FROM payment_transactions pt WHERE pt.provider_service_id = ps.id);

DELETE FROM services_master pc
WHERE pc.name = 'painting-cleaning'
  AND NOT EXISTS (SELECT 1 FROM provider_services ps WHERE ps.service_id = pc.id);

INSERT INTO services_master (name, is_paid)
SELECT 'cleaning', TRUE
WHERE NOT EXISTS (SELECT 1 FROM services_master WHERE name = 'cleaning');

INSERT INTO services_master (name, is_paid)
SELECT 'borewell', TRUE
WHERE NOT EXISTS (SELECT 1 FROM services_master WHERE name = 'borewell');
