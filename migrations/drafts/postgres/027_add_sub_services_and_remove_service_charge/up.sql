-- 027 Add Sub Services and Remove Service Charge:
--   provider_sub_services: new table, one priced sub-service per provider service
--     (UNIQUE (provider_service_id, service_id), replaced by 030), with its indexes and
--     the trigger trigger_update_provider_sub_services_updated_at (function
--     update_provider_sub_services_updated_at(), body byte for byte as the Node.js runner
--     made it; do not reformat it) keeping updated_at current;
--   provider_services: drops service_charge_value and service_charge_unit. This is the
--     schema of record and it is kept, although it destroys data: a charge not copied into
--     a booking by 025 is lost (the migration runner warns before this step).
-- Online-safe: DROP COLUMN only changes the catalog (no rewrite).
-- Idempotent: objects are created only when missing, columns dropped only when present.

CREATE TABLE IF NOT EXISTS provider_sub_services (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_service_id UUID NOT NULL REFERENCES provider_services (id) ON DELETE CASCADE,
    service_id UUID NOT NULL REFERENCES services_master (id) ON DELETE CASCADE,
    price DECIMAL(10, 2) NOT NULL CHECK (price > 0),
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW(),
    UNIQUE (provider_service_id, service_id)
);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_service_id ON provider_sub_services (provider_service_id);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_service_id ON provider_sub_services (service_id);
CREATE INDEX IF NOT EXISTS idx_provider_sub_services_provider_service_service ON provider_sub_services (provider_service_id, service_id);

ALTER TABLE provider_services
    DROP COLUMN IF EXISTS service_charge_value,
    DROP COLUMN IF EXISTS service_charge_unit;

CREATE OR REPLACE FUNCTION update_provider_sub_services_updated_at()
RETURNS TRIGGER AS $$
      BEGIN
        NEW.updated_at = NOW();
        RETURN NEW;
      END;
      $$ LANGUAGE plpgsql;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger
                   WHERE tgrelid = 'provider_sub_services'::regclass
                     AND tgname = 'trigger_update_provider_sub_services_updated_at') THEN
        CREATE TRIGGER trigger_update_provider_sub_services_updated_at
            BEFORE UPDATE ON provider_sub_services
            FOR EACH ROW EXECUTE FUNCTION update_provider_sub_services_updated_at();
    END IF;
END
$$;
