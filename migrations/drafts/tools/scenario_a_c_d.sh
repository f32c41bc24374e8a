#!/bin/bash
# (a) 001-005 + 006-036, each whole up.sql in ONE transaction (psql -1, also (d)),
#     catalog == newest.catalog.json;
# (c) then every down.sql 036..006 (psql -1), each twice in a row (the second run must
#     change nothing), catalog == bbcd598.catalog.json (001-005); then the ups again.
set -e
. "$(dirname "$0")/mig.sh"
DB=bxm_draft_a
fresh $DB >/dev/null
for d in $(ups_main) $(ups_draft); do apply $DB "$d/up.sql" || { echo "FAILED: $d/up.sql"; exit 1; }; done
catalog $DB > "$OUT/a.catalog.json"
echo "== (a) catalog after 001-036 vs newest.catalog.json"
python3 "$TOOLS/catalog_diff.py" "$R/newest.catalog.json" "$OUT/a.catalog.json" || true
echo "== (a') pg_dump --schema-only vs newest.schema.sql (migrations table removed from the reference)"
pg_dump -h 127.0.0.1 -U postgres --schema-only --no-owner --no-privileges $DB > "$OUT/a.schema.sql"
python3 - "$R/newest.schema.sql" "$OUT/a.schema.sql" <<'PY'
import re, sys, difflib
def blocks(p):
    s = '\n'.join(l for l in open(p).read().split('\n') if not l.startswith(('\\restrict', '\\unrestrict', '-- Dumped')))
    parts = re.split(r'\n(?=--\n-- Name: )', s)
    keep = []
    for b in parts:
        if re.search(r'-- Name: (migrations|idx_migrations_\w+|migrations \w+);', b) or 'ON public.migrations' in b or 'public.migrations ' in b.split('\n',4)[-1][:60] and 'Type: CONSTRAINT' in b:
            continue
        if b.startswith('-- Dumped') or b.startswith('--\n-- PostgreSQL database dump'):
            continue
        keep.append(b.strip())
    return keep
e, a = blocks(sys.argv[1]), blocks(sys.argv[2])
d = [l for l in difflib.unified_diff(e, a, lineterm='', n=0) if not l.startswith(('---', '+++', '@@'))]
print('\n'.join(d)); print(f'{len(d)} differing block(s)')
PY
echo "== (c) downs 036..006, each applied twice in a row; the catalog must not change on the second"
for d in $(downs_draft); do
    apply $DB "$d/down.sql" 2>&1 | grep -v NOTICE || true
    catalog $DB > "$OUT/c.1.json"
    apply $DB "$d/down.sql" 2>&1 | grep -v NOTICE || true
    catalog $DB > "$OUT/c.2.json"
    python3 "$TOOLS/catalog_diff.py" "$OUT/c.1.json" "$OUT/c.2.json" >/dev/null || echo "second run of $(basename $d)/down.sql changed the catalog"
done
catalog $DB > "$OUT/c.catalog.json"
echo "-- catalog after all downs vs bbcd598.catalog.json (001-005)"
python3 "$TOOLS/catalog_diff.py" "$R/bbcd598.catalog.json" "$OUT/c.catalog.json" || true
echo "== (c'') ups again after the downs -> newest"
for d in $(ups_draft); do apply $DB "$d/up.sql"; done
catalog $DB > "$OUT/c3.catalog.json"
python3 "$TOOLS/catalog_diff.py" "$R/newest.catalog.json" "$OUT/c3.catalog.json" || true
drop $DB
