-- Reverts 030 Add Sub Service ID Column (SQLite): service_id is NOT NULL again, UNIQUE
-- (provider_service_id, service_id) replaces UNIQUE (provider_service_id, sub_service_id),
-- and the index and column go: provider_sub_services is rebuilt with 027's exact
-- definition (as in the up migration: copied aside, dropped, created, refilled), with 027's
-- and 028's indexes and 027's trigger recreated. Lost for good: the sub_service_id values.
-- Fails, changing nothing, while a sub-service has no service_id or two sub-services of
-- one provider service share a service_id (030 allows both): such rows have to be dealt
-- with by hand first.

DROP INDEX IF EXISTS idx_provider_sub_services_sub_service_id;

CREATE TEMP TABLE _bxm_provider_sub_services AS
SELECT id, provider_service_id, service_id, price, created_at, updated_at
FROM provider_sub_services;
DROP TABLE provider_sub_services;
CREATE TABLE provider_sub_services (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    provider_service_id TEXT NOT NULL REFERENCES provider_services (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL REFERENCES services_master (id) ON DELETE CASCADE,
    price NUMERIC(10, 2) NOT NULL CHECK (price > 0),
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (provider_service_id, service_id)
);
INSERT INTO provider_sub_services (id, provider_service_id, service_id, price, created_at, updated_at)
SELECT id, provider_service_id, service_id, price, created_at, updated_at
FROM temp._bxm_provider_sub_services;
DROP TABLE temp._bxm_provider_sub_services;

CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_service_id ON provider_sub_services (provider_service_id);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_service_id ON provider_sub_services (service_id);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_service_service ON provider_sub_services (provider_service_id, service_id);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_created_at ON provider_sub_services (created_at ASC);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_created ON provider_sub_services (provider_service_id, created_at ASC);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_price ON provider_sub_services (provider_service_id, price ASC);

CREATE TRIGGER IF NOT EXISTS trigger_update_provider_sub_services_updated_at
AFTER UPDATE ON provider_sub_services
FOR EACH ROW
BEGIN
    UPDATE provider_sub_services SET updated_at = CURRENT_TIMESTAMP
    WHERE id = NEW.id AND updated_at IS NOT CURRENT_TIMESTAMP;
END;
