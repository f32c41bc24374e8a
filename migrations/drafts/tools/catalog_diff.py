#!/usr/bin/env python3
"""catalog_diff.py [--restored] EXPECTED.json ACTUAL.json

Prints every difference between two catalogs (format of newest.catalog.json), object by
object: tables, columns (order, type, nullability, default), constraints, indexes, triggers,
functions and their bodies, views, sequences, comments. Exit 0 when equal, 1 otherwise.
Definitions are compared as exact text. With --restored, a CHECK on a varchar column as
PostgreSQL prints it after pg_dump/pg_restore, `ANY (ARRAY[('a'::character varying)::text,
...])`, is first rewritten to the form a database made by migrations prints,
`ANY ((ARRAY['a'::character varying, ...])::text[])` (same meaning, see the node-runner
README); any other difference still shows.
"""
import json
import re
import sys

RESTORED = re.compile(r"ANY \(ARRAY\[((?:\('(?:[^']|'')*'::character varying\)::text(?:, )?)+)\]\)")


def unrestore(text):
    def fix(m):
        items = re.findall(r"\(('(?:[^']|'')*'::character varying)\)::text", m.group(1))
        return "ANY ((ARRAY[" + ", ".join(items) + "])::text[])"
    return RESTORED.sub(fix, text)


def normalise(cat):
    for t in cat.get("tables", {}).values():
        for c in t["constraints"].values():
            c["definition"] = unrestore(c["definition"])
    return cat


def diff(exp, act):
    out = []

    def keyed(section, e, a, show):
        for k in sorted(set(e) | set(a)):
            if k not in a:
                out.append(f"{section} {k}: missing (expected {show(e[k])})")
            elif k not in e:
                out.append(f"{section} {k}: unexpected ({show(a[k])})")
            elif e[k] != a[k]:
                out.append(f"{section} {k}: expected {show(e[k])}\n{' ' * (len(section) + len(k) + 3)}actual   {show(a[k])}")

    et, at = exp.get("tables", {}), act.get("tables", {})
    for t in sorted(set(et) | set(at)):
        if t not in at:
            out.append(f"table {t}: missing")
            continue
        if t not in et:
            out.append(f"table {t}: unexpected")
            continue
        ec, ac = et[t]["columns"], at[t]["columns"]
        if ec != ac:
            en, an = [c["name"] for c in ec], [c["name"] for c in ac]
            if en != an:
                out.append(f"table {t}: column order/names differ\n   expected {en}\n   actual   {an}")
            ed, ad = {c["name"]: c for c in ec}, {c["name"]: c for c in ac}
            for n in en:
                if n in ad and ed[n] != ad[n]:
                    out.append(f"column {t}.{n}: expected {ed[n]}\n   actual {ad[n]}")
        keyed(f"constraint {t}.", et[t]["constraints"], at[t]["constraints"],
              lambda v: f"[{v['kind']}] {v['definition']}")
        keyed(f"index {t}.", et[t]["indexes"], at[t]["indexes"], str)
        keyed(f"trigger {t}.", et[t]["triggers"], at[t]["triggers"], str)
    if sorted(exp.get("functions", [])) != sorted(act.get("functions", [])):
        out.append(f"functions: expected {exp.get('functions')}\n   actual {act.get('functions')}")
    keyed("function body", exp.get("function_bodies", {}), act.get("function_bodies", {}), repr)
    keyed("view", exp.get("views", {}), act.get("views", {}), str)
    keyed("sequence", exp.get("sequences", {}), act.get("sequences", {}), str)
    keyed("comment", exp.get("comments", {}), act.get("comments", {}), repr)
    extra = (set(exp) | set(act)) - {"tables", "functions", "function_bodies", "views", "sequences", "comments"}
    for k in sorted(extra):
        if exp.get(k) != act.get(k):
            out.append(f"section {k}: differs")
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    restored = args[:1] == ["--restored"]
    args = args[1:] if restored else args
    if len(args) != 2:
        sys.exit(__doc__)
    exp, act = json.load(open(args[0])), json.load(open(args[1]))
    if restored:
        exp, act = normalise(exp), normalise(act)
    d = diff(exp, act)
    for line in d:
        print(line)
    print(f"{len(d)} difference(s)")
    sys.exit(1 if d else 0)
