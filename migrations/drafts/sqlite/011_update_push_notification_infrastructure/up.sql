-- Deviation from the Node.js runner (as in the PostgreSQL draft): on a queue holding
-- 'sent' rows its 011 fails at its first statement and skips all the rest; here the CHECK
-- is replaced first, so the remap, columns and indexes are always applied.
--
-- 011 Update Push Notification Infrastructure (SQLite; needs 005's notification_queue
-- and notification_receipts): persistent retry queue and receipt-to-token mapping.
--   notification_queue: status values become pending/sending/waiting_receipt/delivered/
--     failed/retry (legacy 'processing' -> 'pending', 'sent' -> 'delivered'); new columns
--     push_token, last_error_code, last_attempt_at, delivered_at, metadata.
--   notification_receipts: status gains 'pending' (legacy 'sent' -> 'pending', 'sent'
--     stays allowed); new columns queue_id (FK to the queue, cascade), details, updated_at.
--   Indexes on the queue's push_token and (status, next_attempt_at), a UNIQUE index on
--   receipts' receipt_id, an index on receipts' queue_id.
-- SQLite mirror of migrations/drafts/postgres/011_update_push_notification_infrastructure.
-- Columns are appended and each status CHECK is replaced by guarded edits of the tables'
-- definitions in sqlite_master (the writable_schema procedure, see 008; the queue is not
-- rebuilt because receipts reference it): a column only when missing, a CHECK only while
-- its old text is there. A CHECK edit does not re-check existing rows: the remaps below
-- make them valid, as PostgreSQL's VALIDATE would require.
-- Receipts that exist when updated_at is added get the current time, as PostgreSQL's
-- ADD COLUMN ... DEFAULT NOW() gives them (SQLite would read NULL for them): only on the
-- run that adds it, i.e. while receipts' old CHECK is still in place.
-- Idempotent: the remaps and backfills only touch rows still holding a legacy value or NULL.

PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', push_token TEXT)'
WHERE type = 'table' AND name = 'notification_queue'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_queue') WHERE name = 'push_token');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', last_error_code TEXT)'
WHERE type = 'table' AND name = 'notification_queue'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_queue') WHERE name = 'last_error_code');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', last_attempt_at TEXT)'
WHERE type = 'table' AND name = 'notification_queue'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_queue') WHERE name = 'last_attempt_at');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', delivered_at TEXT)'
WHERE type = 'table' AND name = 'notification_queue'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_queue') WHERE name = 'delivered_at');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', metadata TEXT DEFAULT ''{}'')'
WHERE type = 'table' AND name = 'notification_queue'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_queue') WHERE name = 'metadata');
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (status IN (''pending'', ''processing'', ''sent'', ''failed''))',
                       'CHECK (status IN (''pending'', ''sending'', ''waiting_receipt'', ''delivered'', ''failed'', ''retry''))')
WHERE type = 'table' AND name = 'notification_queue'
  AND instr(sql, 'CHECK (status IN (''pending'', ''processing'', ''sent'', ''failed''))') > 0;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', queue_id TEXT REFERENCES notification_queue (id) ON DELETE CASCADE)'
WHERE type = 'table' AND name = 'notification_receipts'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_receipts') WHERE name = 'queue_id');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', details TEXT DEFAULT ''{}'')'
WHERE type = 'table' AND name = 'notification_receipts'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_receipts') WHERE name = 'details');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', updated_at TEXT DEFAULT CURRENT_TIMESTAMP)'
WHERE type = 'table' AND name = 'notification_receipts'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_receipts') WHERE name = 'updated_at');
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- bxm:batch key=nq.id
UPDATE notification_queue AS nq
SET status = CASE nq.status WHEN 'processing' THEN 'pending' ELSE 'delivered' END
WHERE nq.status IN ('processing', 'sent');

-- bxm:batch key=nq.id
UPDATE notification_queue AS nq
SET metadata = '{}'
WHERE nq.metadata IS NULL;

-- The receipts that were there before updated_at existed (see the header).
-- bxm:batch key=nr.id
UPDATE notification_receipts AS nr
SET updated_at = CURRENT_TIMESTAMP
WHERE nr.updated_at IS NULL
  AND EXISTS (SELECT 1 FROM sqlite_master
              WHERE type = 'table' AND name = 'notification_receipts'
                AND instr(sql, 'CHECK (status IN (''sent'', ''delivered'', ''failed''))') > 0);

PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (status IN (''sent'', ''delivered'', ''failed''))',
                       'CHECK (status IN (''pending'', ''delivered'', ''failed'', ''sent''))')
WHERE type = 'table' AND name = 'notification_receipts'
  AND instr(sql, 'CHECK (status IN (''sent'', ''delivered'', ''failed''))') > 0;
PRAGMA writable_schema = RESET;
CREATE TABLE _bxm_schema_bump (x INTEGER);
DROP TABLE _bxm_schema_bump;

-- Stops the migration if a CHECK edit above found a definition it does not know.
CREATE TEMP TABLE _bxm_assert (
    failed TEXT CONSTRAINT "011: notification_queue or notification_receipts has an unexpected status CHECK" CHECK (failed IS NULL)
);
INSERT INTO _bxm_assert
SELECT name FROM sqlite_master
WHERE type = 'table'
  AND ((name = 'notification_queue'
        AND instr(sql, 'CHECK (status IN (''pending'', ''sending'', ''waiting_receipt'', ''delivered'', ''failed'', ''retry''))') = 0)
    OR (name = 'notification_receipts'
        AND instr(sql, 'CHECK (status IN (''pending'', ''delivered'', ''failed'', ''sent''))') = 0));
DROP TABLE _bxm_assert;

-- 'sent' stays allowed for old rows only: the Node.js migration maps it to 'pending', and
-- mapping again on a re-run is the same normalisation.
-- bxm:batch key=nr.id
UPDATE notification_receipts AS nr
SET status = 'pending'
WHERE nr.status = 'sent';

-- bxm:batch key=nr.id
UPDATE notification_receipts AS nr
SET details = '{}'
WHERE nr.details IS NULL;

CREATE INDEX IF NOT EXISTS idx_notification_queue_push_token ON notification_queue (push_token);
CREATE INDEX IF NOT EXISTS idx_notification_queue_status_next_attempt ON notification_queue (status, next_attempt_at);
CREATE UNIQUE INDEX IF NOT EXISTS idx_notification_receipts_receipt_id ON notification_receipts (receipt_id);
CREATE INDEX IF NOT EXISTS idx_notification_receipts_queue_id ON notification_receipts (queue_id);
