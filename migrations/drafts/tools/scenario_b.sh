#!/bin/bash
# (b) Every up.sql applied twice in a row must not fail and the second run must change
#     nothing: neither the catalog nor any row (compared exactly, RAW=1).
#     Run statement by statement in autocommit (as the Rust runner executes them), on a
#     bbcd598 database holding the example-upgrade rows plus extra-data.sql (so every data
#     statement has rows to work on). Finally the catalog must equal newest.catalog.json,
#     and re-running all of 006-036 in order, then in reverse order, must change nothing.
set -e
. "$(dirname "$0")/mig.sh"
DB=bxm_draft_b
load_example $DB >/dev/null
PGOPTIONS='-c session_replication_role=replica' $PSQL -1 -d $DB -f "$TOOLS/extra-data.sql" >/dev/null
fails=0
for d in $(ups_draft); do
    n=$(basename $d)
    apply_each $DB "$d/up.sql" 2> "$OUT/b.err" || { echo "$n: first run FAILED"; cat "$OUT/b.err"; exit 1; }
    catalog $DB > "$OUT/b.1.json"; RAW=1 python3 "$TOOLS/data_dump.py" $DB > "$OUT/b.1.rows.json"
    apply_each $DB "$d/up.sql" 2> "$OUT/b.err" || { echo "$n: second run FAILED"; cat "$OUT/b.err"; fails=1; }
    catalog $DB > "$OUT/b.2.json"; RAW=1 python3 "$TOOLS/data_dump.py" $DB > "$OUT/b.2.rows.json"
    c=$(python3 "$TOOLS/catalog_diff.py" "$OUT/b.1.json" "$OUT/b.2.json" | tail -1)
    r=$(python3 "$TOOLS/data_dump.py" --diff "$OUT/b.1.rows.json" "$OUT/b.2.rows.json" | tail -1)
    echo "$n: second run: catalog $c, rows $r"
    [ "$c" = "0 difference(s)" ] && [ "$r" = "0 difference(s)" ] || { fails=1; python3 "$TOOLS/data_dump.py" --diff "$OUT/b.1.rows.json" "$OUT/b.2.rows.json" | head; }
done
catalog $DB > "$OUT/b.catalog.json"
RAW=1 python3 "$TOOLS/data_dump.py" $DB > "$OUT/b.rows.json"
# A forced re-run of everything (in order, then in reverse order) on the migrated database
# must change nothing either: no later migration's work may be undone by an earlier one.
for order in "$(ups_draft)" "$(ups_draft | sort -r)"; do
    for d in $order; do apply_each $DB "$d/up.sql" 2> "$OUT/b.err" || { echo "$(basename $d): re-run FAILED"; cat "$OUT/b.err"; fails=1; }; done
    catalog $DB > "$OUT/b.3.json"; RAW=1 python3 "$TOOLS/data_dump.py" $DB > "$OUT/b.3.rows.json"
    echo "re-run of 006-036 ($( [ "$order" = "$(ups_draft)" ] && echo in order || echo in reverse order)): catalog $(python3 "$TOOLS/catalog_diff.py" "$OUT/b.catalog.json" "$OUT/b.3.json" | tail -1), rows $(python3 "$TOOLS/data_dump.py" --diff "$OUT/b.rows.json" "$OUT/b.3.rows.json" | tail -1)"
    python3 "$TOOLS/catalog_diff.py" "$OUT/b.catalog.json" "$OUT/b.3.json" >/dev/null && python3 "$TOOLS/data_dump.py" --diff "$OUT/b.rows.json" "$OUT/b.3.rows.json" >/dev/null || { fails=1; python3 "$TOOLS/data_dump.py" --diff "$OUT/b.rows.json" "$OUT/b.3.rows.json" | head; }
done
echo "== catalog at the end vs newest.catalog.json (--restored: the start was bbcd598.schema.sql, a dump)"
python3 "$TOOLS/catalog_diff.py" --restored "$R/newest.catalog.json" "$OUT/b.catalog.json" || fails=1
drop $DB
exit $fails
