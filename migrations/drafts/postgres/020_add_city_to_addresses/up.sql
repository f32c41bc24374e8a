-- 020 Add City to Addresses: makes sure addresses has a city column. 001 already creates
-- it, so on every database whose history starts at 001 this changes nothing; it is kept so
-- that the history has the same versions as the Node.js runner's.

ALTER TABLE addresses ADD COLUMN IF NOT EXISTS city TEXT;
