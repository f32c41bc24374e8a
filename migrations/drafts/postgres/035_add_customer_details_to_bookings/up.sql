-- 035 Add Customer Details to Bookings: bookings keep the customer's name and phone
-- (customer_name, customer_phone), so providers still see them after the customer deletes
-- the account; backfilled from the booking's user; partial index on customer_name.
-- Online-safe: nullable columns; the backfill is one batchable UPDATE (each booking's
-- values come from users only). Idempotent: it only fills values still NULL.

ALTER TABLE bookings
    ADD COLUMN IF NOT EXISTS customer_name TEXT,
    ADD COLUMN IF NOT EXISTS customer_phone TEXT;

-- bxm:batch key=b.id
UPDATE bookings b
SET customer_name = COALESCE(b.customer_name, u.full_name),
    customer_phone = COALESCE(b.customer_phone, u.phone)
FROM users u
WHERE b.user_id = u.id
  AND (b.customer_name IS NULL OR b.customer_phone IS NULL)
  AND u.full_name IS NOT NULL;

CREATE INDEX IF NOT EXISTS idx_bookings_customer_name ON bookings (customer_name)
    WHERE customer_name IS NOT NULL;
