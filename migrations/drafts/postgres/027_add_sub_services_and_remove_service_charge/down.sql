-- Reverts 027 Add Sub Services and Remove Service Charge: drops the trigger, its function,
-- the indexes and provider_sub_services, and gives provider_services back
-- service_charge_value NUMERIC and service_charge_unit TEXT as its 4th and 5th columns.
-- Lost for good: every sub-service and its price; the restored charge columns are empty
-- (the values 027 dropped are not kept anywhere).
-- Not online-safe (no online way exists): PostgreSQL can only add a column at the end, so
-- restoring the original column order means rebuilding provider_services: a copy into a
-- new table under an exclusive lock, the referencing FKs of bookings and
-- payment_transactions dropped and re-added (re-added NOT VALID, then validated), and the
-- table's own constraints and indexes recreated with their original names. Skipped when
-- the columns are already there.

DROP TRIGGER IF EXISTS trigger_update_provider_sub_services_updated_at ON provider_sub_services;
DROP FUNCTION IF EXISTS update_provider_sub_services_updated_at();
DROP INDEX IF EXISTS idx_provider_sub_services_provider_service_service;
DROP INDEX IF EXISTS idx_provider_sub_services_service_id;
DROP INDEX IF EXISTS idx_provider_sub_services_provider_service_id;
DROP TABLE IF EXISTS provider_sub_services;

DO $$
DECLARE
    fks JSONB;
    fk JSONB;
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'provider_services'
                 AND column_name = 'service_charge_value') THEN
        RETURN;
    END IF;

    SELECT COALESCE(jsonb_agg(jsonb_build_object('tbl', conrelid::regclass::text, 'name', conname,
                                                 'def', pg_get_constraintdef(oid))), '[]')
    INTO fks
    FROM pg_constraint
    WHERE contype = 'f' AND confrelid = 'provider_services'::regclass AND conrelid <> confrelid;
    FOR fk IN SELECT * FROM jsonb_array_elements(fks) LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk ->> 'tbl', fk ->> 'name');
    END LOOP;

    CREATE TABLE provider_services_027_down (
        id UUID DEFAULT gen_random_uuid(),
        provider_id UUID,
        service_id UUID,
        service_charge_value NUMERIC,
        service_charge_unit TEXT,
        working_proof_urls TEXT[] DEFAULT '{}',
        payment_status TEXT DEFAULT 'pending',
        payment_start_date DATE,
        payment_end_date DATE,
        created_at TIMESTAMP DEFAULT NOW()
    );
    INSERT INTO provider_services_027_down (id, provider_id, service_id, working_proof_urls, payment_status,
                                            payment_start_date, payment_end_date, created_at)
    SELECT id, provider_id, service_id, working_proof_urls, payment_status,
           payment_start_date, payment_end_date, created_at
    FROM provider_services;
    DROP TABLE provider_services;
    ALTER TABLE provider_services_027_down RENAME TO provider_services;
    ALTER TABLE provider_services
        ADD PRIMARY KEY (id),
        ADD FOREIGN KEY (provider_id) REFERENCES provider_profiles (id) ON DELETE CASCADE,
        ADD FOREIGN KEY (service_id) REFERENCES services_master (id),
        ADD CHECK (payment_status IN ('active', 'expired', 'pending'));

    FOR fk IN SELECT * FROM jsonb_array_elements(fks) LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s NOT VALID', fk ->> 'tbl', fk ->> 'name', fk ->> 'def');
    END LOOP;
END
$$;
ALTER TABLE bookings VALIDATE CONSTRAINT bookings_provider_service_id_fkey;
ALTER TABLE payment_transactions VALIDATE CONSTRAINT payment_transactions_provider_service_id_fkey;

CREATE INDEX IF NOT EXISTS idx_provider_services_provider_id ON provider_services (provider_id);
CREATE INDEX IF NOT EXISTS idx_provider_services_service_id ON provider_services (service_id);
CREATE INDEX IF NOT EXISTS idx_provider_services_payment_status ON provider_services (payment_status);
