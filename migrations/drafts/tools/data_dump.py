#!/usr/bin/env python3
"""data_dump.py DBNAME > rows.json      data_dump.py --diff EXPECTED.json ACTUAL.json

Dumps every row of every table in `public` (the runner's `migrations` table left out) as
{table: {key: row}}, rows as to_jsonb, keyed by their id, normalised so that two databases
migrated at different times and with random ids compare equal:
  - ids of services_master rows become "svc:<name>", ids of service_pricing rows become
    "plan:<service name>/<plan_name>", wherever they appear (ids, FKs, ...);
  - timestamps from 2026 on (i.e. written by a migration run, never by the example data)
    become "<migration run time>".
RAW=1 turns the normalisation off (exact values).
--diff prints every difference, table by table, row by row, field by field.
"""
import json
import os
import re
import subprocess
import sys

HOST = os.environ.get("PGHOST", "127.0.0.1")
SKIP = {"migrations", "__diesel_schema_migrations"}
TS = re.compile(r"^(\d{4})-\d\d-\d\d[T ]\d\d:\d\d")


def q(db, sql):
    out = subprocess.run(["psql", "-X", "-h", HOST, "-U", "postgres", "-d", db, "-At", "-v", "ON_ERROR_STOP=1",
                          "-c", sql], check=True, capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else None


def dump(db):
    tables = q(db, """SELECT coalesce(json_agg(relname ORDER BY relname), '[]') FROM pg_class
                      WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'""")
    labels = {}
    if q(db, "SELECT to_json(to_regclass('services_master') IS NOT NULL)"):
        for r in q(db, "SELECT coalesce(json_agg(json_build_object('id', id, 'name', name)), '[]') FROM services_master"):
            labels[r["id"]] = "svc:" + r["name"]
    has_sp = q(db, "SELECT to_json(to_regclass('service_pricing') IS NOT NULL)")
    if has_sp:
        for r in q(db, """SELECT coalesce(json_agg(json_build_object('id', sp.id, 'l', sm.name || '/' || sp.plan_name)), '[]')
                          FROM service_pricing sp JOIN services_master sm ON sm.id = sp.service_id"""):
            labels[r["id"]] = "plan:" + r["l"]

    raw = os.environ.get("RAW") == "1"

    def norm(v):
        if raw:
            return v
        if isinstance(v, str):
            if v in labels:
                return labels[v]
            m = TS.match(v)
            if m and int(m.group(1)) >= 2026:
                return "<migration run time>"
            return v
        if isinstance(v, list):
            return [norm(x) for x in v]
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        return v

    tables = [t for t in tables if t not in SKIP]
    allrows = q(db, "SELECT json_build_object(" + ", ".join(
        f"'{t}', (SELECT coalesce(json_agg(to_jsonb(t)), '[]') FROM \"{t}\" t)" for t in tables) + ")") if tables else {}
    out = {}
    for t in tables:
        rows = allrows[t]
        tab = {}
        for r in rows:
            r = norm(r)
            key = str(r.get("id", json.dumps(r, sort_keys=True)))
            tab[key] = r
        out[t] = tab
    return out


def diff(exp, act):
    lines = []
    for t in sorted(set(exp) | set(act)):
        if t not in act:
            lines.append(f"{t}: table missing")
            continue
        if t not in exp:
            lines.append(f"{t}: unexpected table ({len(act[t])} rows)")
            continue
        e, a = exp[t], act[t]
        for k in sorted(set(e) | set(a)):
            if k not in a:
                lines.append(f"{t} {k}: row missing: {json.dumps(e[k], sort_keys=True)}")
            elif k not in e:
                lines.append(f"{t} {k}: extra row: {json.dumps(a[k], sort_keys=True)}")
            elif e[k] != a[k]:
                for f in sorted(set(e[k]) | set(a[k])):
                    if e[k].get(f, "<no column>") != a[k].get(f, "<no column>"):
                        lines.append(f"{t} {k}.{f}: expected {json.dumps(e[k].get(f, '<no column>'))}, "
                                     f"actual {json.dumps(a[k].get(f, '<no column>'))}")
    return lines


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--diff":
        d = diff(json.load(open(sys.argv[2])), json.load(open(sys.argv[3])))
        print("\n".join(d))
        print(f"{len(d)} difference(s)")
        sys.exit(1 if d else 0)
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(json.dumps(dump(sys.argv[1]), indent=1, sort_keys=True, ensure_ascii=False))
