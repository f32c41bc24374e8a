-- Reverts 030 Add Sub Service ID Column: service_id is NOT NULL again (through a validated
-- temporary CHECK), UNIQUE (provider_service_id, service_id) replaces UNIQUE
-- (provider_service_id, sub_service_id), and the index and column go. Lost for good: the
-- sub_service_id values. Fails, changing nothing, while a sub-service has no service_id or
-- two sub-services of one provider service share a service_id (030 allows both): such rows
-- have to be dealt with by hand first.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'provider_sub_services'::regclass
                     AND conname = 'provider_sub_services_service_id_not_null') THEN
        ALTER TABLE provider_sub_services ADD CONSTRAINT provider_sub_services_service_id_not_null
            CHECK (service_id IS NOT NULL) NOT VALID;
    END IF;
END
$$;
ALTER TABLE provider_sub_services VALIDATE CONSTRAINT provider_sub_services_service_id_not_null;
ALTER TABLE provider_sub_services ALTER COLUMN service_id SET NOT NULL;
ALTER TABLE provider_sub_services DROP CONSTRAINT IF EXISTS provider_sub_services_service_id_not_null;

CREATE UNIQUE INDEX IF NOT EXISTS provider_sub_services_provider_service_id_service_id_key
    ON provider_sub_services (provider_service_id, service_id);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'provider_sub_services'::regclass
                     AND conname = 'provider_sub_services_provider_service_id_service_id_key') THEN
        ALTER TABLE provider_sub_services ADD CONSTRAINT provider_sub_services_provider_service_id_service_id_key
            UNIQUE USING INDEX provider_sub_services_provider_service_id_service_id_key;
    END IF;
END
$$;

ALTER TABLE provider_sub_services DROP CONSTRAINT IF EXISTS provider_sub_services_provider_service_id_sub_service_id_key;
DROP INDEX IF EXISTS idx_provider_sub_services_sub_service_id;
ALTER TABLE provider_sub_services DROP COLUMN IF EXISTS sub_service_id;
