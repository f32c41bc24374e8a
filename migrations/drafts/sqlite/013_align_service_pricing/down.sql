-- Reverts 013 Align Service Pricing (SQLite): services_master.base_price defaults to 0
-- again (012's default; a guarded edit of the definition, as in the up migration). Not
-- undone: the prices 013 aligned to 99/0 (the earlier values are not kept anywhere).
-- Running 013 again afterwards aligns prices again.

PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, ', base_price NUMERIC(12, 2) NOT NULL DEFAULT 99,', ', base_price NUMERIC(12, 2) NOT NULL DEFAULT 0,')
WHERE type = 'table' AND name = 'services_master'
  AND (SELECT dflt_value FROM pragma_table_info('services_master') WHERE name = 'base_price') IS NOT '0';
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- Stops the migration if the edit above found a definition it does not know.
CREATE TEMP TABLE _bxm_assert (
    failed TEXT CONSTRAINT "013 down: services_master.base_price does not default to 0" CHECK (failed IS NULL)
);
INSERT INTO _bxm_assert
SELECT 'services_master'
WHERE (SELECT dflt_value FROM pragma_table_info('services_master') WHERE name = 'base_price') IS NOT '0';
DROP TABLE _bxm_assert;
