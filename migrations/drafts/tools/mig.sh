# Shared helpers for the scenario scripts (source it).
# Migrations 001-005 come from the project, 006-036 from the draft.
R="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../../shared/reference/node-runner/releases" && pwd)"
MAIN="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../postgres" && pwd)"
DRAFT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../postgres" && pwd)"
TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT=${OUT:-/tmp/bxm-draft-results}
mkdir -p "$OUT"
PSQL="psql -X -q -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1"

ups_main()  { ls -d "$MAIN"/0*/ | sort; }
ups_draft() { ls -d "$DRAFT"/0*/ | sort; }
downs_draft() { ls -d "$DRAFT"/0*/ | sort -r; }

fresh() {  # fresh DBNAME [TEMPLATE]
    $PSQL -d postgres -c "DROP DATABASE IF EXISTS $1" 2>/dev/null
    if [ -n "$2" ]; then $PSQL -d postgres -c "CREATE DATABASE $1 TEMPLATE $2"; else $PSQL -d postgres -c "CREATE DATABASE $1"; fi
}
drop() { $PSQL -d postgres -c "DROP DATABASE IF EXISTS $1" 2>/dev/null; }

# apply DB FILE: the whole file in one transaction (psql -1), as diesel runs it
apply() { $PSQL -1 -d "$1" -f "$2" >/dev/null; }
# apply_each DB FILE: statement by statement, each in its own transaction (autocommit)
apply_each() { $PSQL -d "$1" -f "$2" >/dev/null; }

catalog() { python3 "$TOOLS/catalog_dump.py" "$1"; }

# load_example DB: a bbcd598 database holding the example-upgrade rows
load_example() {
    fresh "$1"
    $PSQL -d "$1" -f "$R/bbcd598.schema.sql" >/dev/null
    PGOPTIONS='-c session_replication_role=replica' $PSQL -1 -d "$1" -f "$R/example-upgrade.before.data.sql" >/dev/null
}
