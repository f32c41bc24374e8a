-- Reverts 027 Add Sub Services and Remove Service Charge (SQLite): drops the trigger, the
-- indexes and provider_sub_services, and gives provider_services back
-- service_charge_value NUMERIC and service_charge_unit TEXT as its 4th and 5th columns.
-- Lost for good: every sub-service and its price; the restored charge columns are empty
-- (the values 027 dropped are not kept anywhere).
-- SQLite can only add a column at the end, so restoring the original column order means
-- rebuilding provider_services (https://www.sqlite.org/lang_altertable.html section 7),
-- inside the runner's transaction, where foreign_keys cannot be switched off. Dropping
-- provider_services would fire the ON DELETE actions of bookings (SET NULL) and
-- payment_transactions (CASCADE) on every row, so its rows are first copied aside, their
-- keys are moved out of the way ('~' || id: bookings and payments are then left pointing
-- at no row, which deferred foreign keys tolerate until COMMIT), the table, now referenced
-- by no row, is dropped without firing any action, recreated with 001's exact definition
-- and refilled with the original ids, which makes every reference valid again before
-- COMMIT checks them. Its three indexes from 001 are recreated (028's are gone with 028's down).
-- A second run rebuilds the same table from the same table (the charge columns, present
-- then, are copied).

PRAGMA defer_foreign_keys = ON;

DROP TRIGGER IF EXISTS trigger_update_provider_sub_services_updated_at;
DROP INDEX IF EXISTS idx_provider_sub_services_provider_service_service;
DROP INDEX IF EXISTS idx_provider_sub_services_service_id;
DROP INDEX IF EXISTS idx_provider_sub_services_provider_service_id;
DROP TABLE IF EXISTS provider_sub_services;

-- The charge columns are read through a NATURAL LEFT JOIN (see 025): NULL while missing.
CREATE TEMP TABLE _bxm_provider_services AS
SELECT id, provider_id, service_id, service_charge_value, service_charge_unit, working_proof_urls,
       payment_status, payment_start_date, payment_end_date, created_at
FROM provider_services NATURAL LEFT JOIN (SELECT NULL AS service_charge_value, NULL AS service_charge_unit);
UPDATE provider_services SET id = '~' || id;
DROP TABLE provider_services;
CREATE TABLE provider_services (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    provider_id TEXT REFERENCES provider_profiles (id) ON DELETE CASCADE,
    service_id TEXT REFERENCES services_master (id),
    service_charge_value NUMERIC,
    service_charge_unit TEXT,
    working_proof_urls TEXT DEFAULT '[]',  -- text[] as a JSON array
    payment_status TEXT DEFAULT 'pending' CHECK (payment_status IN ('active', 'expired', 'pending')),
    payment_start_date TEXT,
    payment_end_date TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO provider_services (id, provider_id, service_id, service_charge_value, service_charge_unit, working_proof_urls,
                               payment_status, payment_start_date, payment_end_date, created_at)
SELECT id, provider_id, service_id, service_charge_value, service_charge_unit, working_proof_urls,
       payment_status, payment_start_date, payment_end_date, created_at
FROM temp._bxm_provider_services;
DROP TABLE temp._bxm_provider_services;

CREATE INDEX IF NOT EXISTS idx_provider_services_provider_id ON provider_services (provider_id);
CREATE INDEX IF NOT EXISTS idx_provider_services_service_id ON provider_services (service_id);
CREATE INDEX IF NOT EXISTS idx_provider_services_payment_status ON provider_services (payment_status);
