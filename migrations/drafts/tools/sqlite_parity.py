#!/usr/bin/env python3
"""sqlite_parity.py [--no-data] [--keep-db]: the SQLite drafts against the PostgreSQL drafts.

PostgreSQL (127.0.0.1, user postgres): scratch database bxm_sqlitedraft_parity, built from
migrations/postgres 001-005. SQLite: a temporary file built from migrations/sqlite
001-005. Both get the same sample rows (see sqlite_lib: the example database's rows,
tools/extra-data.sql and EXTRA_ROWS at the same versions), then every draft up.sql
006...036 in order, each file in one transaction. After each version both are read and
compared:

  schema   tables; per table its columns in order (PostgreSQL type -> the SQLite type that
           docs/sqlite-types.md gives it, nullability, default translated the same way),
           primary key, UNIQUE constraints (as column lists), foreign keys (columns, target,
           ON DELETE), CHECKs (expressions normalised: casts, parentheses, = ANY (ARRAY[...])
           vs IN (...), != vs <>, booleans), explicit indexes (name, UNIQUE, keys with
           DESC, partial WHERE, normalised the same way), triggers and views by name;
           functions, comments and sequences (none exist in SQLite);
  rows     (unless --no-data) every row of every table, keyed by id, values normalised by
           their PostgreSQL type (booleans, numbers as decimals, JSON parsed, timestamps as
           text, times written during the run as "<migration run time>", ids of the
           services and plans a migration creates as "svc:NAME" / "plan:SERVICE/PLAN").

Differences that SQLite cannot express are listed under "expected" with the reason (each
is a line of migrations/drafts/sqlite/DIFFERENCES.md); everything else under "UNEXPECTED".
Exits 1 when there is anything unexpected. The scratch database is dropped at the end
(--keep-db keeps it).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sqlite_lib as L  # noqa: E402
import catalog_dump  # noqa: E402

DB = "bxm_sqlitedraft_parity"
HOST = os.environ.get("PGHOST", "127.0.0.1")
ENV = dict(os.environ, PGTZ="UTC")
PSQL = ["psql", "-X", "-q", "-h", HOST, "-U", "postgres", "-v", "ON_ERROR_STOP=1"]

# PostgreSQL triggers and the SQLite triggers that do their work (see DIFFERENCES.md).
TRIGGERS = {
    "trigger_sync_experience": ["trigger_sync_experience_insert", "trigger_sync_experience_update"],
    "trg_notification_queue_updated_at": ["trg_notification_queue_updated_at"],
    "trigger_update_provider_sub_services_updated_at": ["trigger_update_provider_sub_services_updated_at"],
}


def psql(*args, db=DB, env=ENV, **kw):
    return subprocess.run(PSQL + ["-d", db] + list(args), check=True, capture_output=True, text=True, env=env, **kw)


def pg_json(sql):
    out = subprocess.run(PSQL + ["-d", DB, "-At", "-c", sql], check=True, capture_output=True, text=True,
                         env=ENV).stdout
    return json.loads(out, parse_float=Decimal) if out.strip() else None


# ---------------------------------------------------------------------------------------
# Normalisation

def sqlite_type_for(pg):
    m = re.fullmatch(r"character varying\((\d+)\)", pg)
    if m:
        return f"VARCHAR({m.group(1)})"
    m = re.fullmatch(r"character\((\d+)\)", pg)
    if m:
        return f"CHAR({m.group(1)})"
    m = re.fullmatch(r"numeric\((\d+),(\d+)\)", pg)
    if m:
        return f"NUMERIC({m.group(1)},{m.group(2)})"
    return {
        "uuid": "TEXT", "text": "TEXT", "text[]": "TEXT", "jsonb": "TEXT", "inet": "TEXT", "date": "TEXT",
        "timestamp without time zone": "TEXT", "timestamp with time zone": "TEXT",
        "time without time zone": "TEXT", "integer": "INTEGER", "smallint": "SMALLINT",
        "numeric": "NUMERIC", "boolean": "BOOLEAN",
    }.get(pg, f"?{pg}")


def norm_default(d):
    """A default, PostgreSQL's pg_get_expr or SQLite's dflt_value, in one comparable form."""
    if d is None or d == "":
        return None
    if "gen_random_uuid()" in d or "randomblob" in d:
        return "<random uuid>"
    if d.startswith("nextval("):
        return "<rowid>"
    if d in ("now()", "CURRENT_TIMESTAMP"):
        return "CURRENT_TIMESTAMP"
    if d == "'{}'::text[]":
        return "'[]'"
    d = re.sub(r"::(character varying|bpchar|text|jsonb|numeric|integer)$", "", d)
    d = {"true": "1", "false": "0"}.get(d, d)
    try:
        return str(Decimal(d).normalize())
    except Exception:
        return d


def norm_expr(s):
    s = s.lower()
    for t in ("character varying", "timestamp without time zone", "timestamp with time zone", "double precision"):
        s = s.replace("::" + t, "")
    s = re.sub(r"::[a-z_]+(\[\])?", "", s)
    s = s.replace("trim(both from ", "trim(").replace("!=", "<>").replace('"', "")
    s = s.replace("(", " ").replace(")", " ")
    s = re.sub(r"(\w+)\s*=\s*any\s+array\[(.*?)\]", r"\1 in \2", s)
    s = re.sub(r"\bfalse\b", "0", s)
    s = re.sub(r"\btrue\b", "1", s)
    s = re.sub(r"\s+asc\b", "", s)
    return re.sub(r"\s+", "", s)


def balanced(s, start):
    """Index just past the parenthesis group that opens at s[start] ('(')."""
    depth, i = 0, start
    while i < len(s):
        c = s[i]
        if c == "'":
            i = s.index("'", i + 1)
            while i + 1 < len(s) and s[i + 1] == "'":
                i = s.index("'", i + 2)
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(s)


def parse_index(sql):
    """(unique, normalised keys, normalised WHERE) of a CREATE INDEX text (either backend)."""
    m = re.match(r"CREATE (UNIQUE )?INDEX (?:IF NOT EXISTS )?\S+ ON \S+ (?:USING \w+ )?", sql, re.I)
    start = sql.index("(", m.end() - 1)
    end = balanced(sql, start)
    rest = sql[end:].strip()
    where = rest[len("WHERE"):].strip() if rest.upper().startswith("WHERE") else ""
    return bool(m.group(1)), norm_expr(sql[start + 1:end - 1]), norm_expr(where)


def sqlite_checks(sql):
    """The expressions of every CHECK in a SQLite CREATE TABLE text."""
    out, i = [], 0
    while True:
        m = re.compile(r"'(?:[^']|'')*'|--[^\n]*|\bCHECK\s*\(", re.I).search(sql, i)
        if not m:
            return out
        if m.group(0).upper().startswith("CHECK"):
            start = m.end() - 1
            end = balanced(sql, start)
            out.append(norm_expr(sql[start + 1:end - 1]))
            i = end
        else:
            i = m.end()


# ---------------------------------------------------------------------------------------
# Models: {table: {...}} with comparable parts

def pg_model(cat):
    model = {}
    for t, tab in cat["tables"].items():
        cons = tab["constraints"]
        pk, uniques, fks, checks = (), set(), set(), set()
        for name, c in cons.items():
            d = c["definition"]
            if c["kind"] == "primary key":
                pk = tuple(x.strip() for x in re.match(r"PRIMARY KEY \((.*)\)", d).group(1).split(","))
            elif c["kind"] == "unique":
                uniques.add(tuple(x.strip() for x in re.match(r"UNIQUE \((.*)\)", d).group(1).split(",")))
            elif c["kind"] == "foreign key":
                m = re.match(r"FOREIGN KEY \((.*?)\) REFERENCES (\w+)\((.*?)\)(.*)", d)
                act = re.search(r"ON DELETE (CASCADE|SET NULL|SET DEFAULT|RESTRICT)", m.group(4))
                fks.add((tuple(x.strip() for x in m.group(1).split(",")), m.group(2),
                         tuple(x.strip() for x in m.group(3).split(",")), act.group(1) if act else "NO ACTION"))
            elif c["kind"] == "check":
                checks.add(norm_expr(re.match(r"CHECK \((.*)\)$", d).group(1)))
        indexes = {n: parse_index(d) for n, d in tab["indexes"].items() if n not in cons}
        model[t] = {
            "columns": [(c["name"], sqlite_type_for(c["type"]), c["not_null"], norm_default(c["default"]))
                        for c in tab["columns"]],
            "primary key": pk, "unique": sorted(uniques), "foreign keys": sorted(fks),
            "checks": sorted(checks), "indexes": indexes, "triggers": sorted(tab["triggers"]),
        }
    return model


def sqlite_model(conn):
    model = {}
    for t, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                               "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"):
        cols = conn.execute(f"SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{t}') "
                            "ORDER BY cid").fetchall()
        pk = tuple(c[0] for c in sorted((c for c in cols if c[4]), key=lambda c: c[4]))
        columns = []
        for name, typ, notnull, dflt, cpk in cols:
            rowid = cpk and typ.upper() == "INTEGER" and len(pk) == 1
            columns.append((name, re.sub(r"\s+", "", typ.upper()), bool(notnull) or bool(rowid),
                            "<rowid>" if rowid and dflt is None else norm_default(dflt)))
        uniques = set()
        for _, iname, unique, origin, _ in conn.execute(f"SELECT * FROM pragma_index_list('{t}')"):
            if origin == "u":
                uniques.add(tuple(r[0] for r in conn.execute(
                    f"SELECT name FROM pragma_index_info('{iname}') ORDER BY seqno")))
        fks = {}
        for fid, seq, target, frm, to, _upd, on_delete, _m in conn.execute(
                f"SELECT * FROM pragma_foreign_key_list('{t}') ORDER BY id, seq"):
            f = fks.setdefault(fid, [[], target, [], on_delete])
            f[0].append(frm)
            f[2].append(to)
        indexes = {n: parse_index(s) for n, s in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (t,))}
        triggers = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name", (t,))]
        model[t] = {
            "columns": columns, "primary key": pk, "unique": sorted(uniques),
            "foreign keys": sorted((tuple(a), b, tuple(c), d) for a, b, c, d in fks.values()),
            "checks": sorted(sqlite_checks(sql)), "indexes": indexes, "triggers": triggers,
        }
    return model


def compare_schema(cat, conn):
    """([unexpected], [expected]) differences."""
    bad, ok = [], []
    pg, lite = pg_model(cat), sqlite_model(conn)
    for t in sorted(set(pg) | set(lite)):
        if t not in lite:
            bad.append(f"table {t}: missing in SQLite")
            continue
        if t not in pg:
            bad.append(f"table {t}: only in SQLite")
            continue
        a, b = pg[t], lite[t]
        if a["columns"] != b["columns"]:
            bad.append(f"table {t}: columns differ\n    PostgreSQL {a['columns']}\n    SQLite     {b['columns']}")
        for part in ("primary key", "unique", "foreign keys", "checks"):
            if a[part] != b[part]:
                bad.append(f"table {t}: {part} differ\n    PostgreSQL {a[part]}\n    SQLite     {b[part]}")
        for n in sorted(set(a["indexes"]) | set(b["indexes"])):
            if a["indexes"].get(n) != b["indexes"].get(n):
                bad.append(f"index {n} on {t}: PostgreSQL {a['indexes'].get(n)}, SQLite {b['indexes'].get(n)}")
        mapped = []
        for trg in a["triggers"]:
            want = TRIGGERS.get(trg)
            if want and all(w in b["triggers"] for w in want):
                ok.append(f"trigger {trg} on {t}: PL/pgSQL BEFORE trigger; SQLite: AFTER trigger(s) {', '.join(want)}")
                mapped += want
            else:
                bad.append(f"trigger {trg} on {t}: missing in SQLite")
        for trg in b["triggers"]:
            if trg not in mapped:
                bad.append(f"trigger {trg} on {t}: only in SQLite")
    lite_views = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    for v in sorted(set(cat["views"]) | lite_views):
        if v not in lite_views:
            bad.append(f"view {v}: missing in SQLite")
        elif v not in cat["views"]:
            bad.append(f"view {v}: only in SQLite")
        else:
            pg_cols = [c[0] for c in pg_json(
                f"SELECT json_agg(json_build_array(attname) ORDER BY attnum) FROM pg_attribute "
                f"WHERE attrelid = '{v}'::regclass AND attnum > 0")]
            lite_cols = [r[0] for r in conn.execute(f"SELECT name FROM pragma_table_info('{v}') ORDER BY cid")]
            if pg_cols != lite_cols:
                bad.append(f"view {v}: columns differ: PostgreSQL {pg_cols}, SQLite {lite_cols}")
    for f in cat["functions"]:
        ok.append(f"function {f}: PL/pgSQL; SQLite has no stored functions")
    for c in sorted(cat["comments"]):
        ok.append(f"comment on {c}: SQLite has no COMMENT ON (kept as an SQL comment in the file)")
    for s in sorted(cat["sequences"]):
        ok.append(f"sequence {s}: SERIAL; SQLite's INTEGER PRIMARY KEY (rowid) assigns the ids")
    return bad, ok


# ---------------------------------------------------------------------------------------
# Rows

TS = re.compile(r"^(\d{4})-\d\d-\d\d[T ]\d\d:\d\d:\d\d")


def norm_value(v, pgtype, labels):
    if v is None:
        return None
    if pgtype == "boolean":
        return bool(v)
    if pgtype in ("integer", "smallint") or pgtype.startswith("numeric"):
        return str(Decimal(str(v)).normalize())
    if pgtype in ("jsonb", "text[]"):
        return json.loads(v, parse_float=Decimal) if isinstance(v, str) else v
    if isinstance(v, str):
        if v in labels:
            return labels[v]
        m = TS.match(v)
        if m:
            if int(m.group(1)) >= 2026 and pgtype.startswith("timestamp"):
                return "<migration run time>"
            return m.group(0).replace("T", " ")
    return v


def labels_of(services, plans):
    lab = {i: "svc:" + n for i, n in services}
    lab.update({i: f"plan:{s}/{p}" for i, s, p in plans})
    return lab


def pg_rows(cat):
    tables = sorted(cat["tables"])
    data = pg_json("SELECT json_build_object(" + ", ".join(
        f"'{t}', (SELECT coalesce(json_agg(to_jsonb(x)), '[]') FROM \"{t}\" x)" for t in tables) + ")")
    services = [(r["id"], r["name"]) for r in data.get("services_master", [])]
    plans = []
    if "service_pricing" in data:
        names = dict(services)
        plans = [(r["id"], names.get(r["service_id"], "?"), r["plan_name"]) for r in data["service_pricing"]]
    lab = labels_of(services, plans)
    out = {}
    for t in tables:
        types = {c["name"]: c["type"] for c in cat["tables"][t]["columns"]}
        out[t] = {str(r.get("id")): {c: norm_value(v, types[c], lab) for c, v in r.items()} for r in data[t]}
    return out


def sqlite_rows(conn, cat):
    raw = L.rows(conn)
    services = [(k, r["name"]) for k, r in raw.get("services_master", {}).items()]
    plans = []
    if "service_pricing" in raw:
        names = dict(services)
        plans = [(k, names.get(r["service_id"], "?"), r["plan_name"]) for k, r in raw["service_pricing"].items()]
    lab = labels_of(services, plans)
    out = {}
    for t, rows in raw.items():
        types = {c["name"]: c["type"] for c in cat["tables"].get(t, {"columns": []})["columns"]}
        out[t] = {k: {c: norm_value(v, types.get(c, "text"), lab) for c, v in r.items()} for k, r in rows.items()}
    return out


def relabel_keys(data, pg=False):
    """Row keys that are service or plan ids become their labels (random on each side)."""
    out = {}
    for t, rows in data.items():
        if t in ("services_master", "service_pricing"):
            out[t] = {(r["id"] if isinstance(r["id"], str) and r["id"].startswith(("svc:", "plan:")) else k): r
                      for k, r in rows.items()}
        else:
            out[t] = rows
    return out


def compare_rows(pg, lite):
    bad = []
    pg, lite = relabel_keys(pg), relabel_keys(lite)
    for t in sorted(set(pg) | set(lite)):
        a, b = pg.get(t, {}), lite.get(t, {})
        for k in sorted(set(a) | set(b)):
            if k not in b:
                bad.append(f"rows {t} {k}: missing in SQLite")
            elif k not in a:
                bad.append(f"rows {t} {k}: only in SQLite")
            elif a[k] != b[k]:
                for c in sorted(set(a[k]) | set(b[k])):
                    if a[k].get(c, "<no column>") != b[k].get(c, "<no column>"):
                        bad.append(f"rows {t} {k}.{c}: PostgreSQL {a[k].get(c, '<no column>')!r}, "
                                   f"SQLite {b[k].get(c, '<no column>')!r}")
    return bad


# The same statements on both backends after the last version (plain SQL valid on both):
# the triggers (experience_years kept in sync, updated_at set on update) and the ON DELETE
# actions of the final schema (bookings keep their rows with NULL user / provider service,
# payments, sub-services, ratings, call sessions and notifications go by cascade).
BEHAVIOUR = """
INSERT INTO provider_profiles (id, user_id, years_of_experience)
VALUES ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-000000000102', 7);
UPDATE provider_profiles SET years_of_experience = 9 WHERE id = '00000000-0000-4000-8000-000000000601';
UPDATE provider_profiles SET experience_years = 1 WHERE id = '00000000-0000-4000-8000-000000000602';
INSERT INTO notification_delivery_queue (id, user_id, title, message, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-00000000d101', '00000000-0000-4000-8000-000000000301', 't', 'm',
        '2025-01-01 00:00:00', '2025-01-01 00:00:00');
UPDATE notification_delivery_queue SET attempts = 1 WHERE id = '00000000-0000-4000-8000-00000000d101';
UPDATE provider_sub_services SET price = 175 WHERE id = '00000000-0000-4000-8000-00000000c901';
DELETE FROM users WHERE id = '00000000-0000-4000-8000-000000000304';
DELETE FROM provider_services WHERE id = '00000000-0000-4000-8000-000000000707';
DELETE FROM provider_services WHERE id = '00000000-0000-4000-8000-000000000706';
DELETE FROM bookings WHERE id = '00000000-0000-4000-8000-000000000801';
DELETE FROM notification_queue WHERE id = '00000000-0000-4000-8000-000000009a03';
"""


# ---------------------------------------------------------------------------------------

def main():
    data = "--no-data" not in sys.argv
    keep = "--keep-db" in sys.argv
    subprocess.run(PSQL + ["-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB}", "-c", f"CREATE DATABASE {DB}"],
                   check=True, capture_output=True, env=ENV)
    tmp = Path(tempfile.mkdtemp(prefix="bxm_sqlite_parity_"))
    conn = L.connect(tmp / "parity.sqlite3")
    print(f"PostgreSQL database {DB}; SQLite {L.sqlite3.sqlite_version} ({L.sqlite3.__name__})")
    for (v, d), (pv, pd) in zip(L.base_dirs(), L.versions(L.PG_BASE)):
        assert v == pv
        L.apply_file(conn, d / "up.sql")
        psql("-1", "-f", str(pd / "up.sql"))
    L.load_sample(conn)
    psql("-1", "-f", str(L.EXAMPLE_DATA), env=dict(ENV, PGOPTIONS="-c session_replication_role=replica"))
    psql("-1", "-f", str(L.EXTRA_DATA))
    for v in sorted(x for x in L.EXTRA_ROWS if x <= "005"):
        L.apply(conn, L.EXTRA_ROWS[v], f"extra rows after {v}")
        psql("-1", "-c", L.EXTRA_ROWS[v])
    unexpected, expected = 0, {}
    pg_drafts = dict(L.versions(L.PG_DRAFT))
    for v, d in L.draft_dirs():
        assert pg_drafts[v].name == d.name, (pg_drafts[v].name, d.name)
        psql("-1", "-f", str(pg_drafts[v] / "up.sql"))
        L.apply_file(conn, d / "up.sql")
        cat = catalog_dump.dump(DB)
        bad, ok = compare_schema(cat, conn)
        if data:
            bad += compare_rows(pg_rows(cat), sqlite_rows(conn, cat))
        for line in ok:
            expected.setdefault(line, v)
        if bad:
            print(f"== {d.name}: {len(bad)} unexpected difference(s)")
            for line in bad:
                print("  UNEXPECTED", line)
        else:
            print(f"== {d.name}: same schema" + (" and rows" if data else ""))
        unexpected += len(bad)
        if v in L.EXTRA_ROWS:
            L.apply(conn, L.EXTRA_ROWS[v], f"extra rows after {v}")
            psql("-1", "-c", L.EXTRA_ROWS[v])
    L.apply(conn, BEHAVIOUR, "behaviour statements")
    psql("-1", "-c", BEHAVIOUR)
    cat = catalog_dump.dump(DB)
    bad = compare_rows(pg_rows(cat), sqlite_rows(conn, cat)) if data else []
    print(f"== after the same inserts, updates and deletes on both (triggers, ON DELETE actions): "
          + (f"{len(bad)} unexpected difference(s)" if bad else ("same rows" if data else "not compared")))
    for line in bad:
        print("  UNEXPECTED", line)
    unexpected += len(bad)
    print(f"== expected differences (SQLite cannot express them; see migrations/drafts/sqlite/DIFFERENCES.md):")
    for line, v in sorted(expected.items(), key=lambda x: (x[1], x[0])):
        print(f"  expected (since {v}) {line}")
    conn.close()
    shutil.rmtree(tmp)
    if not keep:
        subprocess.run(PSQL + ["-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB}"], check=True,
                       capture_output=True, env=ENV)
    print(f"{unexpected} unexpected difference(s), {len(expected)} expected")
    sys.exit(1 if unexpected else 0)


if __name__ == "__main__":
    main()
