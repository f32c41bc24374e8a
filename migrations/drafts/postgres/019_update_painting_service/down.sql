-- Reverts 019 Update Painting Service: 019 changes rows only, no schema, so there is
-- nothing to drop. Not undone (no record of the earlier state is kept): the switch of
-- provider services and bookings from 'painting-cleaning' to 'painting', the moved
-- payments, the deleted duplicate provider services, the deleted 'painting-cleaning'
-- service and its pricing plan, and the created 'painting', 'cleaning' and 'borewell'.
-- (A migration file must hold a statement, so this one only reports that.)

DO $$
BEGIN
    RAISE NOTICE '019 Update Painting Service changed rows only; they are not reverted';
END
$$;
