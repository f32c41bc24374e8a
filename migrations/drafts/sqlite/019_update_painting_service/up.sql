-- Deviation from the Node.js runner (as in the PostgreSQL draft): its 019 deletes a
-- provider's duplicate 'painting-cleaning' provider service, and the FK's ON DELETE
-- CASCADE silently deletes that service's payment_transactions. Here those payments are
-- first moved to the provider's surviving 'painting' provider service, as the Node.js
-- runner does for the bookings, and a duplicate is only deleted once nothing references it.
--
-- 019 Update Painting Service (SQLite): the service 'painting-cleaning' becomes 'painting':
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
-- SQLite mirror of migrations/drafts/postgres/019_update_painting_service, row for row:
-- PostgreSQL's LATERAL "earliest 'painting' provider service of the provider" is a
-- row_number() window here, DELETE ... USING is a subquery, and a missing created_at
-- sorts first as '' instead of '-infinity' (SQLite timestamps are text).
-- Idempotent: once 'painting-cleaning' is gone every statement finds nothing to do.

INSERT INTO services_master (name, is_paid)
SELECT 'painting', 1
WHERE NOT EXISTS (SELECT 1 FROM services_master WHERE name = 'painting');

-- 2. A 'painting-cleaning' provider service becomes 'painting' when its provider has no
-- 'painting' one and no earlier 'painting-cleaning' one; once it is switched, the other
-- rows of that provider see a 'painting' one, so the outcome is the same in any order.
-- bxm:batch key=ps.id
UPDATE provider_services AS ps
SET service_id = p.id
FROM services_master AS pc, services_master AS p
WHERE pc.name = 'painting-cleaning'
  AND p.name = 'painting'
  AND ps.service_id = pc.id
  AND NOT EXISTS (SELECT 1 FROM provider_services AS o
                  WHERE o.provider_id = ps.provider_id AND o.service_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM provider_services AS o
                  WHERE o.provider_id = ps.provider_id AND o.service_id = pc.id
                    AND (COALESCE(o.created_at, ''), o.id)
                        < (COALESCE(ps.created_at, ''), ps.id));

-- 3. Bookings of the remaining (duplicate) 'painting-cleaning' provider services.
-- bxm:batch key=b.id
UPDATE bookings AS b
SET provider_service_id = keep.id
FROM provider_services AS dup
JOIN services_master AS pc ON pc.id = dup.service_id AND pc.name = 'painting-cleaning'
JOIN (SELECT k.provider_id, k.id,
             row_number() OVER (PARTITION BY k.provider_id ORDER BY k.created_at NULLS FIRST, k.id) AS n
      FROM provider_services AS k
      JOIN services_master AS p ON p.id = k.service_id AND p.name = 'painting') AS keep
  ON keep.provider_id = dup.provider_id AND keep.n = 1
WHERE b.provider_service_id = dup.id;

-- 3. (deviation) Their payments, which the Node.js runner lets the cascade delete.
-- bxm:batch key=pt.id
UPDATE payment_transactions AS pt
SET provider_service_id = keep.id
FROM provider_services AS dup
JOIN services_master AS pc ON pc.id = dup.service_id AND pc.name = 'painting-cleaning'
JOIN (SELECT k.provider_id, k.id,
             row_number() OVER (PARTITION BY k.provider_id ORDER BY k.created_at NULLS FIRST, k.id) AS n
      FROM provider_services AS k
      JOIN services_master AS p ON p.id = k.service_id AND p.name = 'painting') AS keep
  ON keep.provider_id = dup.provider_id AND keep.n = 1
WHERE pt.provider_service_id = dup.id;

-- 4. The duplicates, once nothing points at them any more.
-- bxm:batch key=ps.id
DELETE FROM provider_services AS ps
WHERE ps.service_id IN (SELECT pc.id FROM services_master AS pc WHERE pc.name = 'painting-cleaning')
  AND EXISTS (SELECT 1 FROM provider_services AS k
              JOIN services_master AS p ON p.id = k.service_id AND p.name = 'painting'
              WHERE k.provider_id = ps.provider_id)
  AND NOT EXISTS (SELECT 1 FROM bookings AS b WHERE b.provider_service_id = ps.id)
  AND NOT EXISTS (SELECT 1 FROM payment_transactions AS pt WHERE pt.provider_service_id = ps.id);

DELETE FROM services_master AS pc
WHERE pc.name = 'painting-cleaning'
  AND NOT EXISTS (SELECT 1 FROM provider_services AS ps WHERE ps.service_id = pc.id);

INSERT INTO services_master (name, is_paid)
SELECT 'cleaning', 1
WHERE NOT EXISTS (SELECT 1 FROM services_master WHERE name = 'cleaning');

INSERT INTO services_master (name, is_paid)
SELECT 'borewell', 1
WHERE NOT EXISTS (SELECT 1 FROM services_master WHERE name = 'borewell');
