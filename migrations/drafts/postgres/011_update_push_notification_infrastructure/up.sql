-- Deviation from the Node.js runner: on a queue holding 'sent' rows its 011 fails at its
-- first statement (it writes 'delivered' while the old CHECK still forbids it), skips all
-- the rest and is recorded as a success; here the CHECK is replaced first, so the remap,
-- columns and indexes are always applied. On empty tables the result is the same.
--
-- 011 Update Push Notification Infrastructure (needs 005's notification_queue and
-- notification_receipts): persistent retry queue and receipt-to-token mapping for Expo.
--   notification_queue: status values become pending/sending/waiting_receipt/delivered/
--     failed/retry (legacy 'processing' -> 'pending', 'sent' -> 'delivered'); new columns
--     push_token, last_error_code, last_attempt_at, delivered_at, metadata.
--   notification_receipts: status gains 'pending' (legacy 'sent' -> 'pending', 'sent'
--     stays allowed); new columns queue_id (FK to the queue, cascade), details, updated_at.
--   Indexes on the queue's push_token and (status, next_attempt_at), a UNIQUE index on
--   receipts' receipt_id, an index on receipts' queue_id.
-- Online-safe: columns with constant/stable defaults only; each CHECK is swapped in one
-- ALTER TABLE for a NOT VALID one, rows are remapped in batchable UPDATEs, then it is
-- validated; the FK is added NOT VALID, then validated.
-- Idempotent: a CHECK or FK already as wanted is left alone; the remaps and backfills only
-- touch rows still holding a legacy value or NULL.

ALTER TABLE notification_queue
    ADD COLUMN IF NOT EXISTS push_token TEXT,
    ADD COLUMN IF NOT EXISTS last_error_code TEXT,
    ADD COLUMN IF NOT EXISTS last_attempt_at TIMESTAMP,
    ADD COLUMN IF NOT EXISTS delivered_at TIMESTAMP,
    ADD COLUMN IF NOT EXISTS metadata JSONB DEFAULT '{}'::jsonb;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'notification_queue'::regclass AND conname = 'notification_queue_status_check'
                     AND pg_get_constraintdef(oid) = 'CHECK ((status = ANY (ARRAY[''pending''::text, ''sending''::text, ''waiting_receipt''::text, ''delivered''::text, ''failed''::text, ''retry''::text])))') THEN
        ALTER TABLE notification_queue
            DROP CONSTRAINT IF EXISTS notification_queue_status_check,
            ADD CONSTRAINT notification_queue_status_check
                CHECK (status IN ('pending', 'sending', 'waiting_receipt', 'delivered', 'failed', 'retry')) NOT VALID;
    END IF;
END
$$;

-- bxm:batch key=nq.id
UPDATE notification_queue nq
SET status = CASE nq.status WHEN 'processing' THEN 'pending' ELSE 'delivered' END
WHERE nq.status IN ('processing', 'sent');

-- bxm:batch key=nq.id
UPDATE notification_queue nq
SET metadata = '{}'::jsonb
WHERE nq.metadata IS NULL;

ALTER TABLE notification_queue VALIDATE CONSTRAINT notification_queue_status_check;

ALTER TABLE notification_receipts
    ADD COLUMN IF NOT EXISTS queue_id UUID,
    ADD COLUMN IF NOT EXISTS details JSONB DEFAULT '{}'::jsonb,
    ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP DEFAULT NOW();

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'notification_receipts'::regclass AND conname = 'notification_receipts_queue_id_fkey') THEN
        ALTER TABLE notification_receipts ADD CONSTRAINT notification_receipts_queue_id_fkey
            FOREIGN KEY (queue_id) REFERENCES notification_queue (id) ON DELETE CASCADE NOT VALID;
    END IF;
END
$$;
ALTER TABLE notification_receipts VALIDATE CONSTRAINT notification_receipts_queue_id_fkey;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'notification_receipts'::regclass AND conname = 'notification_receipts_status_check'
                     AND pg_get_constraintdef(oid) = 'CHECK ((status = ANY (ARRAY[''pending''::text, ''delivered''::text, ''failed''::text, ''sent''::text])))') THEN
        ALTER TABLE notification_receipts
            DROP CONSTRAINT IF EXISTS notification_receipts_status_check,
            ADD CONSTRAINT notification_receipts_status_check
                CHECK (status IN ('pending', 'delivered', 'failed', 'sent')) NOT VALID;
    END IF;
END
$$;

-- 'sent' stays allowed for old rows only: the Node.js migration maps it to 'pending', and
-- mapping again on a re-run is the same normalisation.
-- bxm:batch key=nr.id
UPDATE notification_receipts nr
SET status = 'pending'
WHERE nr.status = 'sent';

-- bxm:batch key=nr.id
UPDATE notification_receipts nr
SET details = '{}'::jsonb
WHERE nr.details IS NULL;

ALTER TABLE notification_receipts VALIDATE CONSTRAINT notification_receipts_status_check;

CREATE INDEX IF NOT EXISTS idx_notification_queue_push_token ON notification_queue (push_token);
CREATE INDEX IF NOT EXISTS idx_notification_queue_status_next_attempt ON notification_queue (status, next_attempt_at);
CREATE UNIQUE INDEX IF NOT EXISTS idx_notification_receipts_receipt_id ON notification_receipts (receipt_id);
CREATE INDEX IF NOT EXISTS idx_notification_receipts_queue_id ON notification_receipts (queue_id);
