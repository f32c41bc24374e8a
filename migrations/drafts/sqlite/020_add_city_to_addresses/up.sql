-- 020 Add City to Addresses (SQLite): makes sure addresses has a city column. 001 already
-- creates it, so on every database whose history starts at 001 this changes nothing; it
-- is kept so that the history has the same versions as the Node.js runner's. SQLite
-- mirror of migrations/drafts/postgres/020_add_city_to_addresses: PostgreSQL's ADD COLUMN
-- IF NOT EXISTS is a guarded edit of addresses' definition (the writable_schema
-- procedure, see 008), appending the column only when it is missing.

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', city TEXT)'
WHERE type = 'table' AND name = 'addresses'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('addresses') WHERE name = 'city');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;
