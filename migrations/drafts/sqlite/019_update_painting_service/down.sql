-- Reverts 019 Update Painting Service (SQLite): 019 changes rows only, no schema, so there
-- is nothing to drop. Not undone (no record of the earlier state is kept): the switch of
-- provider services and bookings from 'painting-cleaning' to 'painting', the moved
-- payments, the deleted duplicate provider services, the deleted 'painting-cleaning'
-- service and its pricing plan, and the created 'painting', 'cleaning' and 'borewell'.
-- (A migration file must hold a statement: this one drops a table that never exists,
-- which changes nothing, not even the schema version.)

DROP TABLE IF EXISTS _bxm_019_changed_rows_only_nothing_to_revert;
