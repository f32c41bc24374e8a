#!/bin/bash
# Extra: databases the Node.js runner left at each intermediate release (their pg_dump
# <release>.schema.sql + <release>.migrations.sql), upgraded by the draft:
#   all     every draft up.sql 006-036 (already-executed ones run again: idempotence
#           against the objects the Node.js runner itself created, whose source changed
#           between releases for 007, 009, 029, 031);
#   pending only the versions the release had not recorded as successful.
# Each result must equal newest.catalog.json (--restored: these databases come from a dump).
set -e
. "$(dirname "$0")/mig.sh"
DB=bxm_draft_rel
for rel in d6bbf4a fdc0656 087eee7 0405eea b169bb9 bfe304e fde3a14 c4369f2 e56c31f 84be53a 70c7a5f; do
    done_ids=$(awk '/^COPY public.migrations/{f=1;next} /^\\\./{f=0} f{split($0,a,"\t"); if (a[5]=="t") print a[1]}' "$R/$rel.migrations.sql" | sort | tr '\n' ' ')
    for mode in all pending; do
        fresh $DB >/dev/null
        $PSQL -d $DB -f "$R/$rel.schema.sql" >/dev/null
        for d in $(ups_draft); do
            v=$(basename $d | cut -c1-3)
            if [ $mode = pending ] && echo " $done_ids" | grep -q " $v "; then continue; fi
            apply $DB "$d/up.sql" 2>"$OUT/rel.err" || { echo "$rel $mode: $v FAILED"; cat "$OUT/rel.err"; }
        done
        catalog $DB > "$OUT/rel.json"
        echo "$rel ($mode; executed before: ${done_ids:-none}): $(python3 "$TOOLS/catalog_diff.py" --restored "$R/newest.catalog.json" "$OUT/rel.json" | tail -1)"
        python3 "$TOOLS/catalog_diff.py" --restored "$R/newest.catalog.json" "$OUT/rel.json" | head -n -1 | sed 's/^/    /'
    done
done
drop $DB
