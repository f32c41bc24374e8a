-- 027 Add Sub Services and Remove Service Charge (SQLite):
--   provider_sub_services: new table, one priced sub-service per provider service
--     (UNIQUE (provider_service_id, service_id), replaced by 030), with its indexes and
--     the trigger trigger_update_provider_sub_services_updated_at keeping updated_at
--     current (PostgreSQL's BEFORE UPDATE trigger with its function
--     update_provider_sub_services_updated_at() becomes an AFTER UPDATE trigger that sets
--     updated_at on the updated row);
--   provider_services: drops service_charge_value and service_charge_unit. This is the
--     schema of record and it is kept, although it destroys data: a charge not copied into
--     a booking by 025 is lost.
-- SQLite mirror of migrations/drafts/postgres/027_add_sub_services_and_remove_service_charge.
-- The columns go with ALTER TABLE DROP COLUMN, which rewrites provider_services in place
-- (no DROP TABLE: bookings, payment_transactions and provider_sub_services keep their
-- rows). SQLite has no DROP COLUMN IF EXISTS: when a column is already gone (a second run),
-- a placeholder is first appended to the definition (a guarded edit, the writable_schema
-- procedure, see 008), so that every DROP COLUMN has something to drop and the table text
-- ends as it was.
-- Idempotent: objects are created only when missing.

CREATE TABLE IF NOT EXISTS provider_sub_services (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    provider_service_id TEXT NOT NULL REFERENCES provider_services (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL REFERENCES services_master (id) ON DELETE CASCADE,
    price NUMERIC(10, 2) NOT NULL CHECK (price > 0),
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (provider_service_id, service_id)
);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_service_id ON provider_sub_services (provider_service_id);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_service_id ON provider_sub_services (service_id);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_service_service ON provider_sub_services (provider_service_id, service_id);

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', service_charge_value NUMERIC)'
WHERE type = 'table' AND name = 'provider_services'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_services') WHERE name = 'service_charge_value');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', service_charge_unit TEXT)'
WHERE type = 'table' AND name = 'provider_services'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('provider_services') WHERE name = 'service_charge_unit');
PRAGMA writable_schema = RESET;
ALTER TABLE provider_services DROP COLUMN service_charge_value;
ALTER TABLE provider_services DROP COLUMN service_charge_unit;

CREATE TRIGGER IF NOT EXISTS trigger_update_provider_sub_services_updated_at
AFTER UPDATE ON provider_sub_services
FOR EACH ROW
BEGIN
    UPDATE provider_sub_services SET updated_at = CURRENT_TIMESTAMP
    WHERE id = NEW.id AND updated_at IS NOT CURRENT_TIMESTAMP;
END;
