#!/usr/bin/env python3
"""batch_check.py          (env: DRAFT=<dir of migrations>, ONLY=<version prefix>)

(f) Proves that every `-- bxm:batch key=<alias>.<pk>` statement of the draft migrations
gives the same result when the runner processes it in key ranges, and (g) that each
migration run the runner's way equals the same migration run whole (diesel's way).

For each draft migration, on a database holding the example-upgrade rows plus
extra-data.sql, migrated up to the migration before it:
  A  the whole up.sql in one transaction (psql -1), as `diesel migration run` does;
  B  the runner's way: statement by statement, each in its own transaction, every
     CREATE [UNIQUE] INDEX turned into CREATE ... INDEX CONCURRENTLY, and every batch
     statement run as 3 statements `<statement> AND key > lo AND key <= hi` over 3 key
     ranges, in the order 3rd, 1st, 2nd range (so no range can rely on an earlier one);
then the catalogs (exact) and all rows (data_dump.py normalisation) of A and B must be
equal. 011's down.sql (the only down with batch statements) is checked the same way on
the state right after 011, with queue/receipt rows in every new status added.

Each batch statement's shape is also checked each batch statement's shape: UPDATE/DELETE with an alias or table
matching the key, a top-level WHERE, nothing after the WHERE clause, no top-level OR in it
(so appending `AND ...` cannot change its meaning).
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import catalog_dump  # noqa: E402
import data_dump  # noqa: E402

DRAFT = os.environ.get("DRAFT", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "postgres"))
ONLY = os.environ.get("ONLY")  # e.g. ONLY=019: check only that migration (the others are just applied)
R = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "shared", "reference", "node-runner", "releases")
TOOLS = os.path.dirname(os.path.abspath(__file__))
OUT = os.environ.get("OUT", "/tmp/bxm-draft-results")
PSQL = ["psql", "-X", "-q", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
MARK = re.compile(r"^--\s*bxm:batch\s+key=(\w+)\.(\w+)\s*$")


def split_sql(text):
    """Split a SQL file into (leading_comment_lines, statement) pairs, honouring quotes,
    dollar quotes and comments."""
    out, i, n = [], 0, len(text)
    start = 0
    while i < n:
        c = text[i]
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if text.startswith("/*", i):
            i = text.index("*/", i) + 2
            continue
        if c == "'":
            i += 1
            while True:
                if text[i] == "'" and text[i + 1:i + 2] == "'":
                    i += 2
                elif text[i] == "'":
                    i += 1
                    break
                else:
                    i += 1
            continue
        m = re.match(r"\$(\w*)\$", text[i:])
        if m:
            tag = m.group(0)
            i = text.index(tag, i + len(tag)) + len(tag)
            continue
        if c == ";":
            chunk = text[start:i]
            out.append(chunk)
            start = i + 1
        i += 1
    if text[start:].strip():
        out.append(text[start:])
    res = []
    for chunk in out:
        lines = chunk.strip("\n").split("\n")
        comments = []
        while lines and (lines[0].strip().startswith("--") or not lines[0].strip()):
            if lines[0].strip():
                comments.append(lines[0].strip())
            lines.pop(0)
        stmt = "\n".join(lines).strip()
        if stmt:
            res.append((comments, stmt))
    return res


def top_level(stmt):
    """stmt with the contents of parentheses and quotes blanked out (same length)."""
    out, depth, q = [], 0, False
    for ch in stmt:
        if q:
            out.append(" ")
            if ch == "'":
                q = False
            continue
        if ch == "'":
            q = True
            out.append(" ")
        elif ch == "(":
            depth += 1
            out.append(" ")
        elif ch == ")":
            depth -= 1
            out.append(" ")
        else:
            out.append(ch if depth == 0 else " ")
    return "".join(out)


def lint(alias, stmt):
    errs = []
    m = re.match(r"(UPDATE|DELETE\s+FROM)\s+(\w+)(?:\s+(\w+))?", stmt, re.I)
    if not m:
        return None, ["not an UPDATE/DELETE"]
    table, al = m.group(2), m.group(3)
    if al and al.upper() in ("SET", "USING", "WHERE"):
        al = None
    if alias not in (table, al):
        errs.append(f"key alias {alias} is neither the table {table} nor its alias {al}")
    flat = top_level(stmt)
    wheres = [w.start() for w in re.finditer(r"\bWHERE\b", flat, re.I)]
    if not wheres:
        errs.append("no top-level WHERE")
    else:
        after = flat[wheres[-1]:]
        if re.search(r"\b(RETURNING|ORDER\s+BY|LIMIT|GROUP\s+BY)\b", after, re.I):
            errs.append("something after the WHERE clause")
        if re.search(r"\bOR\b", after, re.I):
            errs.append("top-level OR in the WHERE clause")
    return table, errs


def psql(db, sql, single=False):
    args = PSQL + (["-1"] if single else []) + ["-d", db, "-f", "-"]
    p = subprocess.run(args, input=sql, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(p.stderr)


def psql_val(db, sql):
    return subprocess.run(PSQL + ["-At", "-d", db, "-c", sql], capture_output=True, text=True, check=True).stdout


def fresh(db, template=None):
    psql_val("postgres", f"DROP DATABASE IF EXISTS {db}")
    psql_val("postgres", f"CREATE DATABASE {db}" + (f" TEMPLATE {template}" if template else ""))


def runner_version(db, text, report):
    """The file as the runner would execute it: list of SQL strings, each its own transaction."""
    stmts = []
    for comments, stmt in split_sql(text):
        mark = next((MARK.match(c) for c in reversed(comments) if MARK.match(c)), None)
        if mark and comments and MARK.match(comments[-1]):
            alias, col = mark.groups()
            table, errs = lint(alias, stmt)
            report.append((alias, col, table, errs))
            ids = [x for x in psql_val(db, f"SELECT {col} FROM {table} ORDER BY {col}").split("\n") if x]
            s1 = ids[len(ids) // 3] if ids else "40000000-0000-0000-0000-000000000000"
            s2 = ids[2 * len(ids) // 3] if ids else "80000000-0000-0000-0000-000000000000"
            lo, hi = "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"
            ranges = [(s2, hi), (lo, s1), (s1, s2)]
            for a, b in ranges:
                stmts.append(f"{stmt} AND {alias}.{col} > '{a}' AND {alias}.{col} <= '{b}';")
        else:
            s = re.sub(r"^CREATE\s+(UNIQUE\s+)?INDEX\s+IF\s+NOT\s+EXISTS", lambda m: f"CREATE {m.group(1) or ''}INDEX CONCURRENTLY IF NOT EXISTS", stmt, flags=re.I)
            stmts.append(s + ";")
    return stmts


def compare(a, b):
    ca, cb = catalog_dump.dump(a), catalog_dump.dump(b)
    import catalog_diff
    d1 = catalog_diff.diff(ca, cb)
    d2 = data_dump.diff(data_dump.dump(a), data_dump.dump(b))
    return d1, d2


def check(base, label, text, prepare=None):
    fresh("bxm_draft_f_a", base)
    fresh("bxm_draft_f_b", base)
    if prepare:
        psql("bxm_draft_f_a", prepare)
        psql("bxm_draft_f_b", prepare)
    psql("bxm_draft_f_a", text, single=True)
    report = []
    for s in runner_version("bxm_draft_f_b", text, report):
        psql("bxm_draft_f_b", s)  # psql -f with one statement: its own transaction
    d1, d2 = compare("bxm_draft_f_a", "bxm_draft_f_b")
    nb = len(report)
    status = "same catalog and rows" if not d1 and not d2 else "DIFFERENT"
    print(f"{label}: {nb} batch statement(s); runner's way vs whole file: {status}")
    for alias, col, table, errs in report:
        print(f"    key={alias}.{col} on {table}: " + ("shape ok" if not errs else "; ".join(errs)))
    for line in d1 + d2:
        print("    " + line)
    return not d1 and not d2 and all(not e for *_, e in report)


def main():
    ok = True
    base = "bxm_draft_f_base"
    fresh(base)
    psql(base, open(f"{R}/bbcd598.schema.sql").read())
    env = dict(os.environ, PGOPTIONS="-c session_replication_role=replica")
    for f in (f"{R}/example-upgrade.before.data.sql", f"{TOOLS}/extra-data.sql"):
        subprocess.run(PSQL + ["-1", "-d", base, "-f", f], env=env, check=True, capture_output=True)
    for d in sorted(os.listdir(DRAFT)):
        text = open(f"{DRAFT}/{d}/up.sql").read()
        if not ONLY or d.startswith(ONLY):
            ok &= check(base, f"{d}/up.sql", text)
        psql(base, text, single=True)
        if d.startswith("011") and not ONLY:
            down = open(f"{DRAFT}/{d}/down.sql").read()
            extra = """INSERT INTO notification_queue (id, user_id, notification_data, status)
                       SELECT ('00000000-0000-4000-8000-0000000c000' || i)::uuid,
                              '00000000-0000-4000-8000-000000000301', '{}', s
                       FROM unnest(ARRAY['sending', 'waiting_receipt', 'retry', 'delivered', 'pending'])
                            WITH ORDINALITY AS x(s, i);
                       INSERT INTO notification_receipts (id, push_token, status) VALUES
                           ('00000000-0000-4000-8000-0000000d0001', 't', 'pending'),
                           ('00000000-0000-4000-8000-0000000d0002', 't', 'sent');"""
            ok &= check(base, f"{d}/down.sql", down, prepare=extra)
    for db in ("bxm_draft_f_a", "bxm_draft_f_b", base):
        psql_val("postgres", f"DROP DATABASE IF EXISTS {db}")
    print("ALL OK" if ok else "FAILURES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
