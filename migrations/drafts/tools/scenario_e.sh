#!/bin/bash
# (e) Data: a bbcd598 database with the example-upgrade rows (bbcd598.schema.sql, then
#     example-upgrade.before.data.sql with session_replication_role=replica because the
#     dump lists tables alphabetically, not in FK order), upgraded by 006-036 (each up.sql in
#     one transaction), compared row by row with the Node.js runner's result
#     (newest.schema.sql + example-upgrade.after.data.sql loaded the same way).
#     Random ids of services/plans and migration-time timestamps are normalised
#     (see data_dump.py). Every remaining difference must be a documented deviation.
set -e
. "$(dirname "$0")/mig.sh"
load_example bxm_draft_e >/dev/null
for d in $(ups_draft); do apply bxm_draft_e "$d/up.sql" 2>/dev/null; done
python3 "$TOOLS/data_dump.py" bxm_draft_e > "$OUT/e.rows.json"
fresh bxm_draft_e_ref >/dev/null
$PSQL -d bxm_draft_e_ref -f "$R/newest.schema.sql" >/dev/null
PGOPTIONS='-c session_replication_role=replica' $PSQL -1 -d bxm_draft_e_ref -f "$R/example-upgrade.after.data.sql" >/dev/null
python3 "$TOOLS/data_dump.py" bxm_draft_e_ref > "$OUT/e.ref.rows.json"
echo "== (e) rows after 006-036 vs the Node.js runner's rows (expected vs actual)"
python3 "$TOOLS/data_dump.py" --diff "$OUT/e.ref.rows.json" "$OUT/e.rows.json" || true
drop bxm_draft_e; drop bxm_draft_e_ref
