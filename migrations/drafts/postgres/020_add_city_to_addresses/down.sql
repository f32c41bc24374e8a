-- Reverts 020 Add City to Addresses: nothing to revert. addresses.city belongs to 001
-- (020 never creates it on a database built from 001), so it must stay.
-- (A migration file must hold a statement, so this one only reports that.)

DO $$
BEGIN
    RAISE NOTICE '020 Add City to Addresses changed nothing; addresses.city belongs to 001';
END
$$;
