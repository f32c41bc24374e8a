-- Reverts 011 Update Push Notification Infrastructure: drops its indexes, the receipts' FK
-- and new columns, the queue's new columns, and restores both original status CHECKs.
-- Status values are mapped back to the old sets first so the old CHECKs validate:
-- queue delivered/waiting_receipt -> 'sent', sending -> 'processing', retry -> 'pending';
-- receipts pending -> 'sent'. Not undone: which 'pending' queue rows were 'processing'
-- before 011 (both became 'pending'). Lost: push_token, last_error_code, last_attempt_at,
-- delivered_at, metadata, queue_id, details and receipts' updated_at values.

DROP INDEX IF EXISTS idx_notification_receipts_queue_id;
DROP INDEX IF EXISTS idx_notification_receipts_receipt_id;
DROP INDEX IF EXISTS idx_notification_queue_status_next_attempt;
DROP INDEX IF EXISTS idx_notification_queue_push_token;

ALTER TABLE notification_receipts DROP CONSTRAINT IF EXISTS notification_receipts_queue_id_fkey;
ALTER TABLE notification_receipts
    DROP COLUMN IF EXISTS updated_at,
    DROP COLUMN IF EXISTS details,
    DROP COLUMN IF EXISTS queue_id;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'notification_receipts'::regclass AND conname = 'notification_receipts_status_check'
                     AND pg_get_constraintdef(oid) = 'CHECK ((status = ANY (ARRAY[''sent''::text, ''delivered''::text, ''failed''::text])))') THEN
        ALTER TABLE notification_receipts
            DROP CONSTRAINT IF EXISTS notification_receipts_status_check,
            ADD CONSTRAINT notification_receipts_status_check
                CHECK (status IN ('sent', 'delivered', 'failed')) NOT VALID;
    END IF;
END
$$;

-- bxm:batch key=nr.id
UPDATE notification_receipts nr
SET status = 'sent'
WHERE nr.status = 'pending';

ALTER TABLE notification_receipts VALIDATE CONSTRAINT notification_receipts_status_check;

ALTER TABLE notification_queue
    DROP COLUMN IF EXISTS metadata,
    DROP COLUMN IF EXISTS delivered_at,
    DROP COLUMN IF EXISTS last_attempt_at,
    DROP COLUMN IF EXISTS last_error_code,
    DROP COLUMN IF EXISTS push_token;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'notification_queue'::regclass AND conname = 'notification_queue_status_check'
                     AND pg_get_constraintdef(oid) = 'CHECK ((status = ANY (ARRAY[''pending''::text, ''processing''::text, ''sent''::text, ''failed''::text])))') THEN
        ALTER TABLE notification_queue
            DROP CONSTRAINT IF EXISTS notification_queue_status_check,
            ADD CONSTRAINT notification_queue_status_check
                CHECK (status IN ('pending', 'processing', 'sent', 'failed')) NOT VALID;
    END IF;
END
$$;

-- bxm:batch key=nq.id
UPDATE notification_queue nq
SET status = CASE nq.status WHEN 'sending' THEN 'processing' WHEN 'retry' THEN 'pending' ELSE 'sent' END
WHERE nq.status IN ('delivered', 'waiting_receipt', 'sending', 'retry');

ALTER TABLE notification_queue VALIDATE CONSTRAINT notification_queue_status_check;
