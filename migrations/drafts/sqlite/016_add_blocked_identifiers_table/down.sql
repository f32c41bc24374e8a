-- Reverts 016 Add Blocked Identifiers Table (SQLite): drops its index and the table.
-- Lost for good: every block an admin set.

DROP INDEX IF EXISTS idx_blocked_identifiers_lookup;
DROP TABLE IF EXISTS blocked_identifiers;
