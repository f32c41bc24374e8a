#!/usr/bin/env python3
"""sqlite_check.py [--keep DIR]: checks the SQLite drafts 006-036 on a temporary SQLite file.

Every migration file runs in one transaction (BEGIN IMMEDIATE ... COMMIT, on a connection
with foreign_keys ON, the runner's reset statements appended), see sqlite_lib.apply().

 1. migrations/sqlite 001-005, then the sample rows (sqlite_lib: the example database's
    rows, tools/extra-data.sql, EXTRA_ROWS), then each draft up.sql 006...036 in order,
    each applied twice in a row: the second run must change neither the schema nor any
    row. The schema after each version is kept (S[N]).
 2. Every up.sql 006...036 a second time, in order, on the complete database: the schema
    must stay S[036] and every row must stay as it was.
 3. For N = 036 down to 006: down N (schema must be S[N-1]), down N again (no change),
    up N (schema must be S[N]), down N (S[N-1] again).
 4. Every up.sql again: the schema must be S[036] (also compared as `sqlite3 FILE .schema`
    text when the sqlite3 program is there).
After every step: PRAGMA foreign_key_check and integrity_check must find nothing, and no
table that exists before and after the step may have lost a row (rows are compared by id);
the only rows any step may remove are those 019 deletes by design (duplicate
'painting-cleaning' provider services, the service itself and its plan). A down drops its
own tables with their rows, by design.
Prints one line per finding and a summary; exits 1 when anything failed.
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sqlite_lib as L  # noqa: E402

ALLOWED_REMOVALS = {"019": {"provider_services", "services_master", "service_pricing"}}
# Values a step may turn into NULL, by design: 019 deletes 'painting-cleaning' and its plan,
# whose payments lose their plan link (fk_payment_transactions_pricing_plan ON DELETE SET
# NULL), as on PostgreSQL.
ALLOWED_NULLED = {"019": {("payment_transactions", "pricing_plan_id")}}

problems = []
counts = {"steps": 0}


def fail(msg):
    problems.append(msg)
    print("FAIL", msg, flush=True)


def diff_schema(a, b):
    sa, sb = set(a), set(b)
    out = [f"  - {x[1]} {x[2]}: {x[4]}" for x in sorted(sa - sb)]
    out += [f"  + {x[1]} {x[2]}: {x[4]}" for x in sorted(sb - sa)]
    return "\n".join(out)


def check_step(conn, label, before_rows, version=None, allow_removal=True):
    """Integrity and lost rows after one step; returns the rows now."""
    counts["steps"] += 1
    for p in L.integrity(conn):
        fail(f"{label}: {p}")
    now = L.rows(conn)
    allowed = ALLOWED_REMOVALS.get(version, set()) if allow_removal else set()
    nulled_ok = ALLOWED_NULLED.get(version, set()) if allow_removal else set()
    for t in sorted(set(before_rows) & set(now)):
        gone = set(before_rows[t]) - set(now[t])
        if gone and t not in allowed:
            fail(f"{label}: {t} lost {len(gone)} row(s): {sorted(gone)}")
        elif gone:
            print(f"  {label}: {t}: {len(gone)} row(s) removed by design: {sorted(gone)}")
        # A value that became NULL (e.g. an ON DELETE SET NULL fired by a rebuild).
        nulled = sorted((k, c) for k in set(before_rows[t]) & set(now[t])
                        for c, v in before_rows[t][k].items()
                        if v is not None and c in now[t][k] and now[t][k][c] is None)
        if nulled and all((t, c) in nulled_ok for _, c in nulled):
            print(f"  {label}: {t}: {len(nulled)} value(s) set to NULL by design: {nulled}")
        elif nulled:
            fail(f"{label}: {t}: {len(nulled)} value(s) became NULL: {nulled}")
    return now


def run(conn, path, label):
    try:
        L.apply_file(conn, path)
        return True
    except L.MigrationError as e:
        fail(f"{label}: {e}")
        return False


def cli_schema(path):
    if not shutil.which("sqlite3"):
        return None
    out = subprocess.run(["sqlite3", str(path), ".schema"], capture_output=True, text=True, check=True).stdout
    return sorted(L.split_statements(out))


def main():
    keep = None
    if len(sys.argv) == 3 and sys.argv[1] == "--keep":
        keep = Path(sys.argv[2])
    elif len(sys.argv) != 1:
        sys.exit(__doc__)
    tmp = Path(tempfile.mkdtemp(prefix="bxm_sqlite_check_"))
    db = tmp / "check.sqlite3"
    conn = L.connect(db)
    print(f"SQLite {L.sqlite3.sqlite_version} ({L.sqlite3.__name__}), file {db}")
    drafts = L.draft_dirs()

    # 1. base, sample rows, each draft twice in a row
    for v, d in L.base_dirs():
        if not run(conn, d / "up.sql", f"{v} up"):
            sys.exit(1)
        if v in L.EXTRA_ROWS:
            pass  # added after the sample rows below
    L.load_sample(conn)
    for v in sorted(L.EXTRA_ROWS):
        if v <= "005":
            L.apply(conn, L.EXTRA_ROWS[v], f"extra rows after {v}")
    S = {"005": L.schema(conn)}
    data = check_step(conn, "sample rows", {})
    print(f"1. base 001-005 + sample rows: {sum(len(x) for x in data.values())} rows in {len(data)} tables")
    for v, d in drafts:
        if not run(conn, d / "up.sql", f"{v} up"):
            sys.exit(1)
        data = check_step(conn, f"{v} up", data, v)
        S[v] = L.schema(conn)
        if not run(conn, d / "up.sql", f"{v} up (2nd run)"):
            sys.exit(1)
        again = check_step(conn, f"{v} up (2nd run)", data, allow_removal=False)
        if L.schema(conn) != S[v]:
            fail(f"{v} up (2nd run) changed the schema:\n{diff_schema(S[v], L.schema(conn))}")
        if again != data:
            fail(f"{v} up (2nd run) changed rows: {sorted(t for t in again if again[t] != data.get(t))}")
        if v in L.EXTRA_ROWS:
            L.apply(conn, L.EXTRA_ROWS[v], f"extra rows after {v}")
            data = check_step(conn, f"extra rows after {v}", data)
    print(f"1. 006-036 applied, each twice in a row: {len(drafts)} migrations")
    full = L.rows(conn)
    first_copy = tmp / "after_first_pass.sqlite3"
    conn.execute(f"VACUUM INTO '{first_copy}'")

    # 2. every up again on the complete database
    last = drafts[-1][0]
    for v, d in drafts:
        if not run(conn, d / "up.sql", f"{v} up (re-run after all)"):
            sys.exit(1)
        now = check_step(conn, f"{v} up (re-run after all)", full, allow_removal=False)
        if L.schema(conn) != S[last]:
            fail(f"{v} up (re-run after all) changed the schema:\n{diff_schema(S[last], L.schema(conn))}")
        if now != full:
            fail(f"{v} up (re-run after all) changed rows: {sorted(t for t in now if now[t] != full.get(t))}")
    print("2. 006-036 re-run in order on the complete database")

    # 3. down, down, up, down for 036...006
    data = L.rows(conn)
    prev = {v: p for (v, _), (p, _) in zip(drafts, [("005", None)] + drafts[:-1])}
    for v, d in reversed(drafts):
        p = prev[v]
        if not run(conn, d / "down.sql", f"{v} down"):
            sys.exit(1)
        data = check_step(conn, f"{v} down", data, allow_removal=False)
        if L.schema(conn) != S[p]:
            fail(f"{v} down: schema differs from the one before {v} up:\n{diff_schema(S[p], L.schema(conn))}")
        if not run(conn, d / "down.sql", f"{v} down (2nd run)"):
            sys.exit(1)
        data = check_step(conn, f"{v} down (2nd run)", data, allow_removal=False)
        if L.schema(conn) != S[p]:
            fail(f"{v} down (2nd run) changed the schema:\n{diff_schema(S[p], L.schema(conn))}")
        if not run(conn, d / "up.sql", f"{v} up after down"):
            sys.exit(1)
        data = check_step(conn, f"{v} up after down", data, allow_removal=False)
        if L.schema(conn) != S[v]:
            fail(f"{v} up after down: schema differs from the first up's:\n{diff_schema(S[v], L.schema(conn))}")
        if not run(conn, d / "down.sql", f"{v} down again"):
            sys.exit(1)
        data = check_step(conn, f"{v} down again", data, allow_removal=False)
        if L.schema(conn) != S[p]:
            fail(f"{v} down again: schema differs from the one before {v} up:\n{diff_schema(S[p], L.schema(conn))}")
    print("3. 036...006: down, down again, up, down; schema compared with the one before/after each up")

    # 4. all ups again
    for v, d in drafts:
        if not run(conn, d / "up.sql", f"{v} up (after all downs)"):
            sys.exit(1)
        data = check_step(conn, f"{v} up (after all downs)", data, allow_removal=False)
        if L.schema(conn) != S[v]:
            fail(f"{v} up (after all downs): schema differs from the first up's:\n{diff_schema(S[v], L.schema(conn))}")
    conn.close()
    a, b = cli_schema(first_copy), cli_schema(db)
    if a is not None and a != b:
        fail("sqlite3 .schema after the first pass and after the down/up cycle differ")
    print("4. 006-036 applied again after all downs" + ("; sqlite3 .schema text identical to the first pass" if a is not None else ""))
    if keep:
        shutil.copy(db, keep)
    shutil.rmtree(tmp)
    print(f"{counts['steps']} steps checked; {len(problems)} problem(s)")
    print(f"{counts['steps'] - len(problems)} passed, {len(problems)} failed")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
