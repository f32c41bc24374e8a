-- Reverts 011 Update Push Notification Infrastructure (SQLite): drops its indexes, the
-- receipts' new columns (the FK goes with queue_id), the queue's new columns, and restores
-- both original status CHECKs (edits of the definitions, as in the up migration).
-- Status values are mapped back to the old sets: receipts pending -> 'sent' (allowed by
-- both CHECKs, so before the CHECK edit); queue delivered/waiting_receipt -> 'sent',
-- sending -> 'processing', retry -> 'pending' (after the CHECK edit, which only governs new
-- writes). Not undone: which 'pending' queue rows were 'processing' before 011. Lost:
-- push_token, last_error_code, last_attempt_at, delivered_at, metadata, queue_id, details
-- and receipts' updated_at values.
-- Columns are removed by ALTER TABLE DROP COLUMN (in place); on a second run placeholders
-- are appended first, as in 008's down.

DROP INDEX IF EXISTS idx_notification_receipts_queue_id;
DROP INDEX IF EXISTS idx_notification_receipts_receipt_id;
DROP INDEX IF EXISTS idx_notification_queue_status_next_attempt;
DROP INDEX IF EXISTS idx_notification_queue_push_token;

-- bxm:batch key=nr.id
UPDATE notification_receipts AS nr
SET status = 'sent'
WHERE nr.status = 'pending';

PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (status IN (''pending'', ''delivered'', ''failed'', ''sent''))',
                       'CHECK (status IN (''sent'', ''delivered'', ''failed''))')
WHERE type = 'table' AND name = 'notification_receipts'
  AND instr(sql, 'CHECK (status IN (''pending'', ''delivered'', ''failed'', ''sent''))') > 0;
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (status IN (''pending'', ''sending'', ''waiting_receipt'', ''delivered'', ''failed'', ''retry''))',
                       'CHECK (status IN (''pending'', ''processing'', ''sent'', ''failed''))')
WHERE type = 'table' AND name = 'notification_queue'
  AND instr(sql, 'CHECK (status IN (''pending'', ''sending'', ''waiting_receipt'', ''delivered'', ''failed'', ''retry''))') > 0;
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', updated_at TEXT)'
WHERE type = 'table' AND name = 'notification_receipts'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_receipts') WHERE name = 'updated_at');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', details TEXT)'
WHERE type = 'table' AND name = 'notification_receipts'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_receipts') WHERE name = 'details');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', queue_id TEXT)'
WHERE type = 'table' AND name = 'notification_receipts'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_receipts') WHERE name = 'queue_id');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', metadata TEXT)'
WHERE type = 'table' AND name = 'notification_queue'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_queue') WHERE name = 'metadata');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', delivered_at TEXT)'
WHERE type = 'table' AND name = 'notification_queue'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_queue') WHERE name = 'delivered_at');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', last_attempt_at TEXT)'
WHERE type = 'table' AND name = 'notification_queue'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_queue') WHERE name = 'last_attempt_at');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', last_error_code TEXT)'
WHERE type = 'table' AND name = 'notification_queue'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_queue') WHERE name = 'last_error_code');
UPDATE sqlite_master SET sql = substr(sql, 1, length(sql) - 1) || ', push_token TEXT)'
WHERE type = 'table' AND name = 'notification_queue'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info('notification_queue') WHERE name = 'push_token');
PRAGMA writable_schema = RESET;

-- Stops the migration if a CHECK edit above found a definition it does not know.
CREATE TEMP TABLE _bxm_assert (
    failed TEXT CONSTRAINT "011 down: notification_queue or notification_receipts has an unexpected status CHECK" CHECK (failed IS NULL)
);
INSERT INTO _bxm_assert
SELECT name FROM sqlite_master
WHERE type = 'table'
  AND ((name = 'notification_queue'
        AND instr(sql, 'CHECK (status IN (''pending'', ''processing'', ''sent'', ''failed''))') = 0)
    OR (name = 'notification_receipts'
        AND instr(sql, 'CHECK (status IN (''sent'', ''delivered'', ''failed''))') = 0));
DROP TABLE _bxm_assert;

-- bxm:batch key=nq.id
UPDATE notification_queue AS nq
SET status = CASE nq.status WHEN 'sending' THEN 'processing' WHEN 'retry' THEN 'pending' ELSE 'sent' END
WHERE nq.status IN ('delivered', 'waiting_receipt', 'sending', 'retry');

ALTER TABLE notification_receipts DROP COLUMN updated_at;
ALTER TABLE notification_receipts DROP COLUMN details;
ALTER TABLE notification_receipts DROP COLUMN queue_id;

ALTER TABLE notification_queue DROP COLUMN metadata;
ALTER TABLE notification_queue DROP COLUMN delivered_at;
ALTER TABLE notification_queue DROP COLUMN last_attempt_at;
ALTER TABLE notification_queue DROP COLUMN last_error_code;
ALTER TABLE notification_queue DROP COLUMN push_token;
