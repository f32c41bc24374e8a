-- Reverts 035 Add Customer Details to Bookings: drops the index and the two columns.
-- Lost for good: customer details of bookings whose customer is gone.

DROP INDEX IF EXISTS idx_bookings_customer_name;
ALTER TABLE bookings
    DROP COLUMN IF EXISTS customer_phone,
    DROP COLUMN IF EXISTS customer_name;
