-- 030 Add Sub Service ID Column (SQLite): provider_sub_services.sub_service_id TEXT holds
-- the front-end sub-service id (e.g. 'room-painting'), indexed; uniqueness moves from
-- (provider_service_id, service_id) to (provider_service_id, sub_service_id), and
-- service_id becomes nullable (it now holds the main service).
-- SQLite mirror of migrations/drafts/postgres/030_add_sub_service_id_column. A UNIQUE
-- constraint cannot be dropped in SQLite, so provider_sub_services is rebuilt
-- (https://www.sqlite.org/lang_altertable.html section 7): nothing references it, so it is
-- copied aside, dropped, created with its new definition (which has the new column) and
-- refilled (every row kept), and its indexes (027's, 028's and 030's) and 027's updated_at
-- trigger are recreated. The copy reads sub_service_id through a NATURAL LEFT JOIN with a
-- one-row (NULL AS sub_service_id) (see 025): NULL while the column does not exist yet,
-- the stored value on a second run.
-- Idempotent: a second run rebuilds the same table from the same table. (A later
-- migration that adds an index or trigger to provider_sub_services must be recreated here
-- too, or a re-run of 030 after it would drop it.)

CREATE TEMP TABLE _bxm_provider_sub_services AS
SELECT id, provider_service_id, service_id, price, created_at, updated_at, sub_service_id
FROM provider_sub_services NATURAL LEFT JOIN (SELECT NULL AS sub_service_id);
DROP TABLE provider_sub_services;
CREATE TABLE provider_sub_services (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    provider_service_id TEXT NOT NULL REFERENCES provider_services (id) ON DELETE CASCADE,
    service_id TEXT REFERENCES services_master (id) ON DELETE CASCADE,
    price NUMERIC(10, 2) NOT NULL CHECK (price > 0),
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP,
    sub_service_id TEXT,
    UNIQUE (provider_service_id, sub_service_id)
);
INSERT INTO provider_sub_services (id, provider_service_id, service_id, price, created_at, updated_at, sub_service_id)
SELECT id, provider_service_id, service_id, price, created_at, updated_at, sub_service_id
FROM temp._bxm_provider_sub_services;
DROP TABLE temp._bxm_provider_sub_services;

CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_service_id ON provider_sub_services (provider_service_id);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_service_id ON provider_sub_services (service_id);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_service_service ON provider_sub_services (provider_service_id, service_id);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_created_at ON provider_sub_services (created_at ASC);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_created ON provider_sub_services (provider_service_id, created_at ASC);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_price ON provider_sub_services (provider_service_id, price ASC);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_sub_service_id ON provider_sub_services (sub_service_id);

CREATE TRIGGER IF NOT EXISTS trigger_update_provider_sub_services_updated_at
AFTER UPDATE ON provider_sub_services
FOR EACH ROW
BEGIN
    UPDATE provider_sub_services SET updated_at = CURRENT_TIMESTAMP
    WHERE id = NEW.id AND updated_at IS NOT CURRENT_TIMESTAMP;
END;
