-- Reverts 020 Add City to Addresses (SQLite): nothing to revert. addresses.city belongs to
-- 001 (020 never creates it on a database built from 001), so it must stay.
-- (A migration file must hold a statement: this one drops a table that never exists,
-- which changes nothing, not even the schema version.)

DROP TABLE IF EXISTS _bxm_020_changed_nothing_city_belongs_to_001;
