#!/usr/bin/env python3
"""lint.py: static checks of the draft migrations (the rules the runner relies on).

- 006..036 all present, each with up.sql and down.sql, directory = NNN_snake_name;
- no CONCURRENTLY, BEGIN/COMMIT/ROLLBACK, VACUUM at top level (transaction-valid files);
- every CREATE [UNIQUE] INDEX is `CREATE [UNIQUE] INDEX IF NOT EXISTS name ON ...`, one
  statement, at top level (so the runner can make it CONCURRENTLY);
- every ADD CONSTRAINT of a FOREIGN KEY or CHECK on an existing table is NOT VALID and has a
  VALIDATE CONSTRAINT for the same name in the same file;
- every `-- bxm:batch` marker sits directly above an UPDATE/DELETE (shape checked by
  batch_check.py); DROP statements in down.sql use IF EXISTS;
- each file starts with a comment header; a deviation comment, if any, is at the top.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from batch_check import DRAFT, split_sql, MARK  # noqa: E402


def main():
    problems = []
    dirs = sorted(os.listdir(DRAFT))
    versions = [d[:3] for d in dirs]
    if versions != [f"{v:03d}" for v in range(6, 37)]:
        problems.append(f"versions present: {versions}")
    for d in dirs:
        if not re.fullmatch(r"\d{3}_[a-z0-9]+(_[a-z0-9]+)*", d):
            problems.append(f"{d}: directory name not NNN_snake_case")
        for f in ("up.sql", "down.sql"):
            p = f"{DRAFT}/{d}/{f}"
            if not os.path.exists(p):
                problems.append(f"{d}/{f} missing")
                continue
            text = open(p).read()
            if not text.startswith("-- "):
                problems.append(f"{d}/{f}: no comment header")
            if "Deviation from the Node.js runner" in text and not text.startswith("-- Deviation from the Node.js runner:"):
                problems.append(f"{d}/{f}: deviation comment not at the top")
            stmts = split_sql(text)
            validated = set(re.findall(r"VALIDATE CONSTRAINT (\w+)", text))
            for comments, s in stmts:
                u = s.upper()
                if re.search(r"\bCONCURRENTLY\b|^\s*(BEGIN|COMMIT|ROLLBACK|START TRANSACTION)\b|\bVACUUM\b", u):
                    problems.append(f"{d}/{f}: not transaction-valid: {s[:60]}")
                if re.match(r"CREATE\s+(UNIQUE\s+)?INDEX", u) and not re.match(r"CREATE\s+(UNIQUE\s+)?INDEX\s+IF\s+NOT\s+EXISTS\s+\w+\s+ON\s", u):
                    problems.append(f"{d}/{f}: index without IF NOT EXISTS: {s[:60]}")
                if u.startswith("DO") and re.search(r"CREATE\s+(UNIQUE\s+)?INDEX", u):
                    problems.append(f"{d}/{f}: CREATE INDEX inside a DO block")
                for name, kind, rest in re.findall(r"ADD CONSTRAINT (\w+)\s+(FOREIGN KEY|CHECK)(.*?)(?:;|$)", s, re.S):
                    if "NOT VALID" not in rest.upper() and not u.startswith("CREATE TABLE"):
                        problems.append(f"{d}/{f}: {name} added without NOT VALID")
                    if name not in validated and not u.startswith("CREATE TABLE"):
                        problems.append(f"{d}/{f}: {name} never validated")
                if comments and MARK.match(comments[-1]) and not re.match(r"(UPDATE|DELETE)\b", u):
                    problems.append(f"{d}/{f}: batch marker above a non-UPDATE/DELETE")
                if f == "down.sql" and re.match(r"DROP\s+(TABLE|INDEX|VIEW|FUNCTION|TRIGGER)\b", u) and "IF EXISTS" not in u:
                    problems.append(f"{d}/{f}: DROP without IF EXISTS: {s[:60]}")
            marks = [m for m in re.finditer(r"^--\s*bxm:batch.*$", text, re.M)]
            for m in marks:
                if not MARK.match(m.group(0)):
                    problems.append(f"{d}/{f}: malformed marker {m.group(0)}")
    for p in problems:
        print(p)
    print(f"lint: {len(problems)} problem(s) in {len(dirs)} migrations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
