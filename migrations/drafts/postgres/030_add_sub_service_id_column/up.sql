-- Deviation from the Node.js runner: for interrupted runs only; its 030 returns at once when
-- sub_service_id exists, so a run that stopped half-way is never completed; here every
-- step is checked on its own, so a re-run completes it. A complete run gives the same
-- schema and rows.
--
-- 030 Add Sub Service ID Column: provider_sub_services.sub_service_id TEXT holds the
-- front-end sub-service id (e.g. 'room-painting'), indexed; uniqueness moves from
-- (provider_service_id, service_id) to (provider_service_id, sub_service_id), and
-- service_id becomes nullable (it now holds the main service).
-- Online-safe: nullable column; the new UNIQUE constraint is built from a UNIQUE index
-- (created concurrently by the runner) before the old one is dropped.

ALTER TABLE provider_sub_services ADD COLUMN IF NOT EXISTS sub_service_id TEXT;

CREATE INDEX IF NOT EXISTS idx_provider_sub_services_sub_service_id ON provider_sub_services (sub_service_id);

CREATE UNIQUE INDEX IF NOT EXISTS provider_sub_services_provider_service_id_sub_service_id_key
    ON provider_sub_services (provider_service_id, sub_service_id);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'provider_sub_services'::regclass
                     AND conname = 'provider_sub_services_provider_service_id_sub_service_id_key') THEN
        ALTER TABLE provider_sub_services ADD CONSTRAINT provider_sub_services_provider_service_id_sub_service_id_key
            UNIQUE USING INDEX provider_sub_services_provider_service_id_sub_service_id_key;
    END IF;
END
$$;

ALTER TABLE provider_sub_services DROP CONSTRAINT IF EXISTS provider_sub_services_provider_service_id_service_id_key;

ALTER TABLE provider_sub_services ALTER COLUMN service_id DROP NOT NULL;
