#!/usr/bin/env python3
"""catalog_dump.py DBNAME > out.json

Reads the `public` schema of DBNAME (PostgreSQL at $PGHOST/127.0.0.1, user postgres)
and prints it in exactly the format of
/work/shared/reference/node-runner/releases/<release>.catalog.json:

  comments        {table: comment}           (COMMENT ON TABLE/VIEW; column comments as table.column)
  function_bodies {name(args): pg_get_functiondef}
  functions       [name(args), ...]          (sorted)
  sequences       {name: {increment, start, type}}
  tables          {name: {columns: [{default, name, not_null, type}],   (attnum order)
                          constraints: {name: {definition, kind}},
                          indexes: {name: indexdef without the table's "public." prefix},
                          triggers: {name: pg_get_triggerdef, same prefix removed}}}
  views           {name: {definition: pg_get_viewdef with whitespace collapsed, kind}}

The runner's own `migrations` table (and the Rust runner's bookkeeping tables listed in
SKIP_TABLES) are left out, as in the reference files. No psycopg2 needed: psql -At.
"""
import json
import os
import subprocess
import sys

SKIP_TABLES = {"migrations", "__diesel_schema_migrations"}
HOST = os.environ.get("PGHOST", "127.0.0.1")
USER = os.environ.get("PGUSER", "postgres")


def q(db, sql):
    """Run one query that returns a single json value; return it parsed."""
    out = subprocess.run(
        ["psql", "-X", "-h", HOST, "-U", USER, "-d", db, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out) if out.strip() else None


KIND = {"p": "primary key", "u": "unique", "f": "foreign key", "c": "check", "x": "exclusion", "t": "trigger"}


def dump(db):
    ns = "(SELECT oid FROM pg_namespace WHERE nspname = 'public')"
    tables = q(db, f"""
        SELECT coalesce(json_agg(relname ORDER BY relname), '[]') FROM pg_class
        WHERE relnamespace = {ns} AND relkind IN ('r', 'p')""")
    tables = [t for t in tables if t not in SKIP_TABLES]

    cols = q(db, f"""
        SELECT coalesce(json_agg(json_build_object(
                 't', c.relname, 'name', a.attname,
                 'type', format_type(a.atttypid, a.atttypmod),
                 'not_null', a.attnotnull,
                 'default', coalesce(pg_get_expr(d.adbin, d.adrelid), ''))
               ORDER BY c.relname, a.attnum), '[]')
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = {ns} AND c.relkind IN ('r', 'p')
          AND a.attnum > 0 AND NOT a.attisdropped""")
    cons = q(db, f"""
        SELECT coalesce(json_agg(json_build_object(
                 't', c.relname, 'name', k.conname, 'kind', k.contype,
                 'definition', pg_get_constraintdef(k.oid))), '[]')
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        WHERE c.relnamespace = {ns} AND c.relkind IN ('r', 'p')""")
    idx = q(db, """
        SELECT coalesce(json_agg(json_build_object('t', tablename, 'name', indexname, 'def', indexdef)), '[]')
        FROM pg_indexes WHERE schemaname = 'public'""")
    trg = q(db, f"""
        SELECT coalesce(json_agg(json_build_object('t', c.relname, 'name', g.tgname,
                                                   'def', pg_get_triggerdef(g.oid))), '[]')
        FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
        WHERE c.relnamespace = {ns} AND NOT g.tgisinternal""")
    funcs = q(db, f"""
        SELECT coalesce(json_agg(json_build_object(
                 'sig', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                 'def', CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_get_functiondef(p.oid) END)), '[]')
        FROM pg_proc p WHERE p.pronamespace = {ns}""")
    seqs = q(db, f"""
        SELECT coalesce(json_agg(json_build_object('name', c.relname, 'type', format_type(s.seqtypid, NULL),
                                                   'start', s.seqstart::text, 'increment', s.seqincrement::text)), '[]')
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = {ns}""")
    views = q(db, f"""
        SELECT coalesce(json_agg(json_build_object('name', c.relname, 'kind', c.relkind,
                                                   'def', pg_get_viewdef(c.oid))), '[]')
        FROM pg_class c WHERE c.relnamespace = {ns} AND c.relkind IN ('v', 'm')""")
    comments = q(db, f"""
        SELECT coalesce(json_agg(json_build_object('t', c.relname, 'col', a.attname, 'text', d.description)), '[]')
        FROM pg_description d
        JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
        WHERE c.relnamespace = {ns}""")

    out = {"comments": {}, "function_bodies": {}, "functions": [], "sequences": {}, "tables": {}, "views": {}}
    for t in tables:
        out["tables"][t] = {"columns": [], "constraints": {}, "indexes": {}, "triggers": {}}
    for c in cols:
        if c["t"] in out["tables"]:
            out["tables"][c["t"]]["columns"].append(
                {"default": c["default"], "name": c["name"], "not_null": c["not_null"], "type": c["type"]})
    for k in cons:
        if k["t"] in out["tables"]:
            out["tables"][k["t"]]["constraints"][k["name"]] = {"definition": k["definition"], "kind": KIND[k["kind"]]}
    for i in idx:
        if i["t"] in out["tables"]:
            out["tables"][i["t"]]["indexes"][i["name"]] = i["def"].replace(" ON public.", " ON ", 1)
    for g in trg:
        if g["t"] in out["tables"]:
            out["tables"][g["t"]]["triggers"][g["name"]] = g["def"].replace(" ON public.", " ON ", 1)
    for f in funcs:
        out["functions"].append(f["sig"])
        out["function_bodies"][f["sig"]] = f["def"]
    out["functions"].sort()
    for s in seqs:
        out["sequences"][s["name"]] = {"increment": s["increment"], "start": s["start"], "type": s["type"]}
    for v in views:
        out["views"][v["name"]] = {"definition": " ".join(v["def"].split()),
                                   "kind": "view" if v["kind"] == "v" else "materialized view"}
    for c in comments:
        if c["t"] in SKIP_TABLES:
            continue
        key = c["t"] if c["col"] is None else f'{c["t"]}.{c["col"]}'
        out["comments"][key] = c["text"]
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.stdout.write(json.dumps(dump(sys.argv[1]), indent=1, sort_keys=True, ensure_ascii=False) + "\n")
